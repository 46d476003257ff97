import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  COMPARE_OPS,
  parseFilter,
  parsePatchPath,
  printFilter,
  ScimError,
  type AttrPath,
  type FilterNode,
  type Literal,
} from '../../src/domain/scim/index.js';
import { filterSoup, scimErrorOf } from './support.js';

const cmp = (attr: string, op: string, value: Literal, sub?: string, uri?: string) => ({
  kind: 'compare',
  path: { ...(uri ? { uri } : {}), attr, ...(sub ? { sub } : {}) },
  op,
  value,
});

describe('filter parser: operators and literals', () => {
  it.each(COMPARE_OPS.map((op) => [op]))('parses "%s" in any case', (op) => {
    expect(parseFilter(`userName ${op} "x"`)).toEqual(cmp('userName', op, 'x'));
    expect(parseFilter(`userName ${op.toUpperCase()} "x"`)).toEqual(cmp('userName', op, 'x'));
  });

  it('parses pr, true, false, null, numbers and JSON string escapes', () => {
    expect(parseFilter('title PR')).toEqual({ kind: 'present', path: { attr: 'title' } });
    expect(parseFilter('active eq true')).toEqual(cmp('active', 'eq', true));
    expect(parseFilter('active eq false')).toEqual(cmp('active', 'eq', false));
    expect(parseFilter('title eq null')).toEqual(cmp('title', 'eq', null));
    expect(parseFilter('x gt -1.5e3')).toEqual(cmp('x', 'gt', -1500));
    expect(parseFilter('x eq 0')).toEqual(cmp('x', 'eq', 0));
    expect(parseFilter('title eq "a \\"quoted\\" \\\\ \\u00e9\\n"')).toEqual(cmp('title', 'eq', 'a "quoted" \\ é\n'));
  });

  it('keeps attribute names as written, with sub-attributes and URNs', () => {
    expect(parseFilter('name.FamilyName eq "x"')).toEqual(cmp('name', 'eq', 'x', 'FamilyName'));
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"')).toEqual(
      cmp('manager', 'eq', 'm', 'value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
    );
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"')).toEqual(
      cmp('userName', 'sw', 'a', undefined, 'urn:ietf:params:scim:schemas:core:2.0:User'),
    );
    expect(parseFilter('members.$ref eq "x"')).toEqual(cmp('members', 'eq', 'x', '$ref'));
  });

  it('accepts any run of whitespace', () => {
    expect(parseFilter('  userName\t eq\n"x"  ')).toEqual(cmp('userName', 'eq', 'x'));
  });
});

describe('filter parser: logic and precedence', () => {
  const a = cmp('a', 'eq', 1);
  const b = cmp('b', 'eq', 2);
  const c = cmp('c', 'eq', 3);

  it('binds and tighter than or', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toEqual({
      kind: 'or',
      filters: [a, { kind: 'and', filters: [b, c] }],
    });
    expect(parseFilter('a eq 1 and b eq 2 or c eq 3')).toEqual({
      kind: 'or',
      filters: [{ kind: 'and', filters: [a, b] }, c],
    });
  });

  it('groups with parentheses, and chains are one node', () => {
    expect(parseFilter('(a eq 1 or b eq 2) and c eq 3')).toEqual({
      kind: 'and',
      filters: [{ kind: 'or', filters: [a, b] }, c],
    });
    expect(parseFilter('a eq 1 AND b eq 2 And c eq 3')).toEqual({ kind: 'and', filters: [a, b, c] });
    expect(parseFilter('((a eq 1))')).toEqual(a);
  });

  it('binds not tighter than and', () => {
    expect(parseFilter('not (a eq 1) and b eq 2')).toEqual({ kind: 'and', filters: [{ kind: 'not', filter: a }, b] });
    expect(parseFilter('NOT(a eq 1 or b eq 2)')).toEqual({ kind: 'not', filter: { kind: 'or', filters: [a, b] } });
  });

  it('reads an attribute named "not" when no parenthesis follows', () => {
    expect(parseFilter('not eq "x"')).toEqual(cmp('not', 'eq', 'x'));
  });
});

describe('filter parser: complex attribute filters', () => {
  it('parses value paths', () => {
    expect(parseFilter('emails[type eq "work" and value co "@x"]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: { kind: 'and', filters: [cmp('type', 'eq', 'work'), cmp('value', 'co', '@x')] },
    });
  });

  it("parses Entra's value path followed by a sub-attribute comparison", () => {
    expect(parseFilter('emails[type eq "work"].value eq "x@y"')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: cmp('type', 'eq', 'work'),
      tail: cmp('value', 'eq', 'x@y'),
    });
  });

  it('combines value paths with logic', () => {
    const f = parseFilter('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")');
    expect(f.kind).toBe('and');
    const g = parseFilter('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")');
    expect(g).toMatchObject({ kind: 'and', filters: [{ op: 'ne' }, { kind: 'not' }] });
    expect(parseFilter('emails[type eq "work" and not (value ew ".org")] or title pr')).toMatchObject({ kind: 'or' });
  });

  it('refuses nested value filters and filters on sub-attributes', () => {
    expect(scimErrorOf(() => parseFilter('emails[type[x eq 1] eq 1]')).detail).toMatch(/cannot be nested/);
    expect(scimErrorOf(() => parseFilter('emails.value[type eq "x"]')).detail).toMatch(/sub-attribute/);
  });
});

describe('filter parser: what identity providers send (IDP-BEHAVIOUR.md)', () => {
  it.each([
    ['Okta lookup', 'userName eq "isaac.brock@example.com"'],
    ['Okta group push', 'displayName eq "Engineering"'],
    ['Entra test connection', 'userName eq "8b3c5a0e-3c51-4f8e-b1e4-7c9f2d1a6e55"'],
    ['Entra externalId', 'externalId eq "alice"'],
    ['Entra work email', 'emails[type eq "work"].value eq "alice@example.com"'],
    ['Entra membership check', 'id eq "g1" and members eq "u1"'],
    ['MS-REF', 'name.FamilyName eq "Doe" and (emails.Value co "example" or userName sw "O")'],
    ['MS-REF sw', 'userName sw "O"'],
    ['MS-REF dates', 'meta.Created gt "2011-05-13T04:42:34Z"'],
    ['RFC 7644 §3.4.2.2', 'title pr and userType eq "Employee"'],
    [
      'RFC 7644 §3.4.2.2',
      'meta.lastModified ge "2011-05-13T04:42:34Z" and meta.lastModified le "2015-05-13T04:42:34Z"',
    ],
    ['RFC 7644 §3.4.2.2', 'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"'],
    [
      'RFC 7644 §3.4.2.2',
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    ],
  ])('%s: %s', (_name, filter) => {
    const ast = parseFilter(filter);
    expect(parseFilter(printFilter(ast))).toEqual(ast);
  });

  it("reads Entra's unquoted values as strings", () => {
    expect(parseFilter('id eq 0190f3a2b4c5d6e7f8a9b0c1d2 and manager eq 2819c223-7f76-453a-919d-413861904646')).toEqual(
      {
        kind: 'and',
        filters: [
          cmp('id', 'eq', '0190f3a2b4c5d6e7f8a9b0c1d2'),
          cmp('manager', 'eq', '2819c223-7f76-453a-919d-413861904646'),
        ],
      },
    );
    expect(parseFilter('userName eq bjensen@example.com')).toEqual(cmp('userName', 'eq', 'bjensen@example.com'));
    expect(parseFilter('emails[type eq work].value eq x')).toMatchObject({
      filter: cmp('type', 'eq', 'work'),
      tail: cmp('value', 'eq', 'x'),
    });
    expect(parseFilter('externalId eq 12345')).toEqual(cmp('externalId', 'eq', 12345)); // a JSON number stays a number
  });

  it('refuses ambiguous unquoted values with a hint', () => {
    for (const f of ['userName eq and', 'active eq True', 'title eq NULL', 'title eq pr']) {
      const err = scimErrorOf(() => parseFilter(f));
      expect(err.scimType).toBe('invalidFilter');
      expect(err.detail).toMatch(/ambiguous; put string values in double quotes/);
    }
    expect(scimErrorOf(() => parseFilter('title eq Vice President')).detail).toMatch(
      /expected "and", "or" or the end of the filter at position 14, found "President"/,
    );
  });
});

describe('filter parser: errors', () => {
  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['userName', /expected an operator .* after the attribute "userName" at position 8, found the end/],
    ['userName equals "x"', /expected an operator .* at position 9, found "equals"/],
    ['userName eq', /expected a value after "eq"/],
    ['userName eq "x', /string starting at position 12 has no closing quote/],
    ['userName eq "\\x"', /not a valid JSON string/],
    ['userName eq "a\u0001"', /not a valid JSON string/],
    ['(userName eq "x"', /expected "\)" closing the group at position 16/],
    ['userName eq "x")', /expected "and", "or" or the end of the filter at position 15, found "\)"/],
    ['not userName eq "x"', /expected an operator/],
    ['emails[type eq "work"', /expected "\]" closing the value filter/],
    ['emails[type eq "work"].', /not a sub-attribute name/],
    ['1abc eq "x"', /is not an attribute name/],
    ['a.b.c eq "x"', /is not an attribute name/],
    [':x eq "x"', /is not an attribute name/],
    ['userName eq "x" and', /expected an attribute name at position 19, found the end/],
    ['userName eq 1e999', /out of range/],
    ['a eq 1 or', /expected an attribute name/],
    ['"x" eq "y"', /expected an attribute name at position 0, found "x"/],
    ['x'.repeat(10_001), /longer than 10000/],
    ['('.repeat(60) + 'a pr' + ')'.repeat(60), /nested more than 50 levels/],
  ])('refuses %j', (filter, detail) => {
    const err = scimErrorOf(() => parseFilter(filter));
    expect(err).toBeInstanceOf(ScimError);
    expect(err.status).toBe(400);
    expect(err.scimType).toBe('invalidFilter');
    expect(err.detail).toMatch(detail);
  });

  it('refuses non-strings', () => {
    expect(scimErrorOf(() => parseFilter(42)).scimType).toBe('invalidFilter');
  });
});

describe('PATCH paths', () => {
  it('parses attribute paths, value paths and sub-attributes', () => {
    expect(parsePatchPath('name.givenName')).toEqual({ path: { attr: 'name', sub: 'givenName' } });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: { attr: 'emails' },
      filter: cmp('type', 'eq', 'work'),
      sub: 'value',
    });
    expect(parsePatchPath('members[value eq "2819c223"]')).toEqual({
      path: { attr: 'members' },
      filter: cmp('value', 'eq', '2819c223'),
    });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager')).toEqual({
      path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', attr: 'manager' },
    });
    expect(parsePatchPath('roles[primary eq "True"].value')).toMatchObject({ sub: 'value' });
  });

  it('refuses bad paths with invalidPath', () => {
    for (const p of [
      '',
      'emails[type eq "work"',
      'emails[type eq "work"] x',
      'a b',
      'emails[type eq]',
      'name.givenName.x',
    ]) {
      const err = scimErrorOf(() => parsePatchPath(p));
      expect(err.status).toBe(400);
      expect(err.scimType).toBe('invalidPath');
    }
  });
});

// ----------------------------------------------------------------------------------------------- properties

const name = fc.stringMatching(/^\$?[A-Za-z][A-Za-z0-9_-]{0,6}$/);
const uri = fc.constantFrom(
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:x:y',
);
const attrPath: fc.Arbitrary<AttrPath> = fc.record({ uri, attr: name, sub: name }, { requiredKeys: ['attr'] });
const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);
const op = fc.constantFrom(...COMPARE_OPS);

function leafOf(path: fc.Arbitrary<AttrPath>): fc.Arbitrary<FilterNode> {
  return fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), path, op, value: literal }),
    fc.record({ kind: fc.constant('present' as const), path }),
  );
}

function tree(leaf: fc.Arbitrary<FilterNode>, valuePath: boolean): fc.Arbitrary<FilterNode> {
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        filters: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('node') }),
      ...(valuePath
        ? [
            fc.record(
              {
                kind: fc.constant('valuePath' as const),
                path: fc.record({ uri, attr: name }, { requiredKeys: ['attr'] }),
                filter: tree(leafOf(name.map((attr) => ({ attr }))), false),
                tail: leafOf(name.map((attr) => ({ attr }))) as fc.Arbitrary<
                  Extract<FilterNode, { kind: 'compare' | 'present' }>
                >,
              },
              { requiredKeys: ['kind', 'path', 'filter'] },
            ),
          ]
        : []),
    ),
  })).node;
}

export const filterAst = tree(leafOf(attrPath), true);

describe('filter parser properties', () => {
  it('answers any text with an AST or a ScimError 400 invalidFilter, never another error', () => {
    fc.assert(
      fc.property(filterSoup, (text) => {
        try {
          const ast = parseFilter(text);
          expect(typeof ast.kind).toBe('string');
        } catch (err) {
          if (!(err instanceof ScimError) || err.status !== 400 || err.scimType !== 'invalidFilter') throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('answers any text as a PATCH path with a path or a ScimError 400 invalidPath', () => {
    fc.assert(
      fc.property(filterSoup, (text) => {
        try {
          parsePatchPath(text);
        } catch (err) {
          if (!(err instanceof ScimError) || err.status !== 400 || err.scimType !== 'invalidPath') throw err;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips random ASTs through the printer', () => {
    fc.assert(
      fc.property(filterAst, (ast) => {
        expect(parseFilter(printFilter(ast))).toEqual(ast);
      }),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { Query } from 'mingo';
import {
  compileGroupFilter,
  compileGroupSort,
  compileUserFilter,
  compileUserSort,
  escapeRegex,
  GROUPS_COLLECTION,
  printFilter,
  ScimError,
  USERS_COLLECTION,
  type FilterNode,
  type MongoFilter,
} from '../../src/domain/scim/index.js';
import {
  ENTERPRISE,
  filterSoup,
  matching,
  PLATFORM,
  scimErrorOfAsync,
  storedGroup,
  storedUser,
  USERS,
  type StoredDoc,
} from './support.js';

const users = async (filter: string, docs: StoredDoc[] = USERS) => matching(await compileUserFilter(filter), docs);

describe('user filters: equality on indexed shadow fields', () => {
  it('matches userName case-insensitively with a plain equality on userNameLower', async () => {
    expect(await compileUserFilter('userName eq "ADA@example.COM"')).toEqual({ userNameLower: 'ada@example.com' });
    expect(await users('userName eq "ADA@example.COM"')).toEqual(['u-ada']);
    expect(await users('USERNAME Eq "BOB@example.com"')).toEqual(['u-bob']);
    expect(await users('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "cyd"')).toEqual(['u-cyd']);
  });

  it('matches externalId case-sensitively', async () => {
    expect(await compileUserFilter('externalId eq "ExT-1"')).toEqual({ externalId: 'ExT-1' });
    expect(await users('externalId eq "ExT-1"')).toEqual(['u-ada']);
    expect(await users('externalId eq "ext-1"')).toEqual(['u-cyd']);
    expect(await users('externalId eq "EXT-1"')).toEqual([]);
    expect(await users('externalId sw "E"')).toEqual(['u-ada']);
  });

  it('matches e-mail addresses case-insensitively through emails.valueLower', async () => {
    expect(await compileUserFilter('emails.value eq "Ada@EXAMPLE.com"')).toEqual({
      'emails.valueLower': 'ada@example.com',
    });
    expect(await compileUserFilter('emails eq "cyd@x.org"')).toEqual({ 'emails.valueLower': 'cyd@x.org' });
    expect(await users('emails eq "cyd@x.org"')).toEqual(['u-cyd']);
    expect(await users('emails.value eq "ADA@home.example"')).toEqual(['u-ada']);
  });

  it('reads email (Okta\'s "Unique identifier field" set to email) as emails.value, through the same index', async () => {
    expect(await compileUserFilter('email eq "Ada@EXAMPLE.com"')).toEqual({ 'emails.valueLower': 'ada@example.com' });
    expect(await compileUserFilter('EMAIL eq "ada@example.com"')).toEqual(
      await compileUserFilter('emails.value eq "ada@example.com"'),
    );
    expect(await users('email eq "ADA@home.example"')).toEqual(['u-ada']);
    expect(await users('email eq "nobody@example.com"')).toEqual([]);
    expect(await users('email co "@x.org"')).toEqual(['u-cyd']);
    // email is a user attribute alias only: groups have no such attribute
    await expect(compileGroupFilter('email eq "a@b.c"', { groupIdsOfMembers: async () => [] })).rejects.toMatchObject({
      status: 400,
      scimType: 'invalidFilter',
    });
  });

  it('declares the indexes those lookups use, tenantId first', () => {
    for (const c of [USERS_COLLECTION, GROUPS_COLLECTION])
      for (const i of c.indexes) expect(Object.keys(i.keys)[0]).toBe('tenantId');
    expect(USERS_COLLECTION.indexes).toContainEqual({
      name: 'tenant_userName',
      keys: { tenantId: 1, userNameLower: 1 },
      unique: true,
    });
    expect(USERS_COLLECTION.indexes).toContainEqual({
      name: 'tenant_email',
      keys: { tenantId: 1, 'emails.valueLower': 1 },
    });
    expect(USERS_COLLECTION.indexes).toContainEqual({
      name: 'tenant_externalId',
      keys: { tenantId: 1, externalId: 1 },
    });
    expect(GROUPS_COLLECTION.indexes).toContainEqual({
      name: 'tenant_displayName',
      keys: { tenantId: 1, displayNameLower: 1 },
      unique: true,
    });
  });
});

describe('user filters: complex attribute filters', () => {
  it('compiles Entra\'s emails[type eq "work"].value eq into one $elemMatch', async () => {
    const f = await compileUserFilter('emails[type eq "work"].value eq "ADA@example.com"');
    expect(f).toEqual({
      emails: {
        $elemMatch: {
          $and: [{ type: { $regex: '^work(?![\\s\\S])', $options: 'i' } }, { valueLower: 'ada@example.com' }],
        },
      },
    });
    expect(matching(f)).toEqual(['u-ada']);
    // the home address is not a work address
    expect(await users('emails[type eq "work"].value eq "ada@home.example"')).toEqual([]);
  });

  it('evaluates both conditions on the same element', async () => {
    expect(await users('emails[type eq "work" and value co "@example"]')).toEqual(['u-ada', 'u-bob']);
    expect(await users('emails[type eq "home" and value co "@example.com"]')).toEqual([]);
    expect(await users('emails[type eq "work" and not (value ew ".com")]')).toEqual([]);
    expect(await users('emails[type pr]')).toEqual(['u-ada', 'u-bob']);
    expect(await users('emails[not (type pr)]')).toEqual(['u-cyd']);
    expect(await users('emails[primary eq true]')).toEqual(['u-ada']);
  });

  it('filters a single-valued complex attribute with dotted paths', async () => {
    expect(await compileUserFilter('name[givenName eq "ada"]')).toEqual({
      'name.givenName': { $regex: '^ada(?![\\s\\S])', $options: 'i' },
    });
    expect(await users('name[givenName eq "ada" or familyName sw "char"]')).toEqual(['u-ada', 'u-cyd']);
  });
});

describe('user filters: strings', () => {
  it('uses escaped, anchored regexes; on shadow fields without options', async () => {
    expect(await compileUserFilter('userName sw "O"')).toEqual({ userNameLower: { $regex: '^o' } });
    expect(await compileUserFilter('userName ew ".COM"')).toEqual({ userNameLower: { $regex: '\\.com(?![\\s\\S])' } });
    expect(await compileUserFilter('title co "a.b"')).toEqual({ title: { $regex: 'a\\.b', $options: 'i' } });
    expect(await users('userName sw "B"')).toEqual(['u-bob']);
    expect(await users('userName co "EXAMPLE"')).toEqual(['u-ada', 'u-bob']);
    expect(await users('userName ew "LE.com"')).toEqual(['u-ada', 'u-bob']);
    expect(await users('userName co "x.c"')).toEqual([]); // "." is literal
    expect(await users('userName co ".*"')).toEqual([]);
    expect(await users('userName sw "(" or userName co "[" or userName co "\\\\"')).toEqual([]);
  });

  it('matches other case-insensitive attributes with the i option', async () => {
    expect(await users('name.FamilyName eq "LOVELACE"')).toEqual(['u-ada']);
    expect(await users('title eq "countess"')).toEqual(['u-ada']);
  });

  it("anchors at the very end, as MongoDB's PCRE and JavaScript agree", async () => {
    // bob's title is "Boss\n": PCRE's "$" would match before that newline
    expect(await users('title eq "boss"')).toEqual([]);
    expect(await users('title ew "boss"')).toEqual([]);
    expect(await users('title eq "boss\\n"')).toEqual(['u-bob']);
  });

  it('escapes every regex metacharacter and NUL', () => {
    const special = 'a.b*c+d?e^f$g(h)i[j]k{l}m|n\\o/p-q\u0000';
    expect(new RegExp(`^${escapeRegex(special)}$`).test(special)).toBe(true);
    expect(escapeRegex('\u0000')).toBe('\\x00');
  });

  it('compares strings lexicographically, case-insensitively on shadow fields', async () => {
    expect(await compileUserFilter('userName gt "B"')).toEqual({ userNameLower: { $gt: 'b' } });
    expect(await users('userName gt "B"')).toEqual(['u-bob', 'u-cyd']);
    expect(await users('userName le "BOB@EXAMPLE.COM"')).toEqual(['u-ada', 'u-bob']);
  });

  it('reads unquoted integers as text for string attributes, and refuses other types', async () => {
    expect(await compileUserFilter('externalId eq 12345')).toEqual({ externalId: '12345' });
    for (const f of ['userName eq true', 'userName eq 1.5', 'externalId gt false']) {
      const err = await scimErrorOfAsync(() => compileUserFilter(f));
      expect(err.scimType).toBe('invalidFilter');
      expect(err.detail).toMatch(/is a string; put the value in double quotes/);
    }
  });
});

describe('user filters: dates, booleans, presence, absence', () => {
  it('compares meta dates as Dates', async () => {
    const f = await compileUserFilter('meta.Created gt "2011-05-13T04:42:34Z"');
    expect(f).toEqual({ 'meta.created': { $gt: new Date('2011-05-13T04:42:34Z') } });
    expect((f['meta.created'] as { $gt: unknown }).$gt).toBeInstanceOf(Date);
    expect(matching(f)).toEqual(['u-ada', 'u-cyd']);
    expect(
      await users('meta.lastModified ge "2020-01-01T00:00:00Z" and meta.lastModified le "2020-01-01T00:00:00Z"'),
    ).toEqual(['u-cyd']);
    expect(await users('meta.created lt "2010-01-01T01:00:00+01:00"')).toEqual([]);
    expect(await users('meta.created eq "2010-01-01T00:00:00.000Z"')).toEqual(['u-bob']);
    expect(await users('meta.created ne "2010-01-01T00:00:00Z"')).toEqual(['u-ada', 'u-cyd']);
  });

  it('refuses dates it cannot read and string operators on dates', async () => {
    expect((await scimErrorOfAsync(() => compileUserFilter('meta.created gt "yesterday"'))).detail).toMatch(
      /date and time/,
    );
    expect((await scimErrorOfAsync(() => compileUserFilter('meta.created gt 5'))).detail).toMatch(/date and time/);
    expect((await scimErrorOfAsync(() => compileUserFilter('meta.created sw "2024"'))).detail).toMatch(
      /does not apply to dates/,
    );
  });

  it('compares booleans as booleans; "True"/"False" strings are read as booleans', async () => {
    expect(await compileUserFilter('active eq true')).toEqual({ active: true });
    expect(await users('active eq true')).toEqual(['u-ada', 'u-cyd']);
    expect(await users('active eq "False"')).toEqual(['u-bob']);
    expect(await users('active ne true')).toEqual(['u-bob']);
    expect(await users('emails.primary eq true')).toEqual(['u-ada']);
    for (const f of ['active gt false', 'active co "t"', 'active le true']) {
      const err = await scimErrorOfAsync(() => compileUserFilter(f));
      expect(err.scimType).toBe('invalidFilter');
      expect(err.detail).toMatch(/cannot compare booleans/);
    }
    expect((await scimErrorOfAsync(() => compileUserFilter('active eq "yes"'))).detail).toMatch(/is a boolean/);
  });

  it('pr means present and not empty', async () => {
    expect(await compileUserFilter('title pr')).toEqual({ title: { $exists: true, $nin: [null, ''] } });
    const withEmptyTitle = storedUser(
      { userName: 'dee', name: { givenName: 'D', familyName: 'E' }, emails: [{ value: 'd@e' }], title: '' },
      'u-dee',
    );
    expect(await users('title pr', [...USERS, withEmptyTitle])).toEqual(['u-ada', 'u-bob']);
    expect(await users('externalId pr')).toEqual(['u-ada', 'u-cyd']);
    expect(await users('emails pr')).toEqual(['u-ada', 'u-bob', 'u-cyd']);
    expect(await users('name pr')).toEqual(['u-ada', 'u-bob', 'u-cyd']);
    expect(await users('addresses pr')).toEqual([]);
    expect(await users('roles pr')).toEqual(['u-bob']);
    expect(await users(`${ENTERPRISE}:manager pr`)).toEqual(['u-ada']);
    expect(await users('emails.type pr')).toEqual(['u-ada', 'u-bob']);
    expect(await users('meta.created pr')).toEqual(['u-ada', 'u-bob', 'u-cyd']);
  });

  it('ne and not match documents where the attribute is absent', async () => {
    expect(await compileUserFilter('externalId ne "ExT-1"')).toEqual({ externalId: { $ne: 'ExT-1' } });
    expect(await users('externalId ne "ExT-1"')).toEqual(['u-bob', 'u-cyd']);
    expect(await users('not (externalId eq "ExT-1")')).toEqual(['u-bob', 'u-cyd']);
    expect(await users('title ne "countess"')).toEqual(['u-bob', 'u-cyd']);
    expect(await users('not (title co "o")')).toEqual(['u-cyd']);
    expect(await users('title eq null')).toEqual(['u-cyd']);
    expect(await users('title ne null')).toEqual(['u-ada', 'u-bob']);
  });

  it('ne on a multi-valued attribute matches when any value differs (RFC 7644 §3.4.2.2)', async () => {
    expect(await compileUserFilter('emails.value ne "bob@example.com"')).toEqual({
      emails: { $elemMatch: { valueLower: { $ne: 'bob@example.com' } } },
    });
    expect(await users('emails.value ne "BOB@example.com"')).toEqual(['u-ada', 'u-cyd']);
    expect(await users('emails.value ne "ada@example.com"')).toEqual(['u-ada', 'u-bob', 'u-cyd']); // ada also has a home address
    expect(await users('not (emails.value eq "ada@example.com")')).toEqual(['u-bob', 'u-cyd']);
  });
});

describe('user filters: extensions, roles and IdP filters', () => {
  it("finds Entra's manager with or without the URN, with unquoted values", async () => {
    expect(await compileUserFilter('manager eq "boss1"')).toEqual({ 'enterprise.manager.value': 'boss1' });
    expect(await users(`${ENTERPRISE}:manager eq "boss1"`)).toEqual(['u-ada']);
    expect(await users(`${ENTERPRISE}:manager.value eq "boss1"`)).toEqual(['u-ada']);
    expect(await users('id eq u-ada and manager eq boss1')).toEqual(['u-ada']);
    expect(await users('id eq u-bob and manager eq boss1')).toEqual([]);
    expect(await users('manager eq "BOSS1"')).toEqual([]); // ids are case-sensitive
  });

  it('filters enterprise and platform attributes', async () => {
    expect(await users(`${ENTERPRISE}:department eq "math"`)).toEqual(['u-ada']);
    expect(await users('employeeNumber eq "42"')).toEqual(['u-ada']);
    expect(await users(`${PLATFORM}:role eq "enterpriseadmin"`)).toEqual(['u-cyd']);
    expect(await users('roles.value eq "admin"')).toEqual(['u-bob']);
    expect(await users('roles[primary eq "True"].value eq "Admin"')).toEqual(['u-bob']);
  });

  it('answers meta.resourceType without a stored field', async () => {
    expect(await compileUserFilter('meta.resourceType eq "User"')).toEqual({});
    expect(await users('meta.resourceType eq "user" and userName eq "cyd"')).toEqual(['u-cyd']);
    expect(await users('meta.resourceType eq "Group"')).toEqual([]);
    expect(await users('meta.resourceType eq "Group" or userName eq "cyd"')).toEqual(['u-cyd']);
  });

  it.each([
    ['name.FamilyName eq "Lovelace" and (emails.Value co "example" or userName sw "O")', ['u-ada']],
    ['name.familyName eq "Builder" and (emails.Value co "nothing" or userName sw "B")', ['u-bob']],
    ['userName sw "O"', []],
    ['meta.Created gt "2011-05-13T04:42:34Z"', ['u-ada', 'u-cyd']],
    ['userName eq "bob@example.com" and externalId eq "x"', []],
    ['title pr and userType eq "Employee"', []],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      ['u-ada', 'u-bob'],
    ],
  ])('%s', async (filter, expected) => {
    expect(await users(filter)).toEqual(expected);
  });

  it('refuses what it cannot answer, saying why', async () => {
    const cases: Array<[string, RegExp]> = [
      ['nickname2 eq "x"', /unknown attribute "nickname2"/],
      ['urn:x:y:userName eq "x"', /unknown attribute/],
      [ENTERPRISE + ' eq "x"', /is a schema/],
      [
        'name eq "x"',
        /name is a complex attribute; compare one of its sub-attributes \(name.formatted, name.familyName/,
      ],
      ['groups eq "g1"', /filter Groups on members instead/],
      ['groups.value eq "g1"', /filter Groups on members instead/],
      ['password eq "x"', /cannot be used in a filter/],
      ['manager.displayName eq "x"', /manager.displayName is not stored/],
      ['manager.$ref eq "x"', /not stored/],
      ['emails.$ref eq "x"', /unknown attribute/],
      ['meta.location eq "x"', /cannot be used/],
      ['x509Certificates.value eq "x"', /cannot be used/],
      ['emails[nope eq "x"]', /"nope" is not a sub-attribute of emails/],
      ['emails[value.x eq "x"]', /is not a sub-attribute of emails/],
      ['userName[value eq "x"]', /not a complex attribute/],
      ['title gt null', /meaningless/],
    ];
    for (const [f, detail] of cases) {
      const err = await scimErrorOfAsync(() => compileUserFilter(f));
      expect({ f, status: err.status, scimType: err.scimType }).toEqual({ f, status: 400, scimType: 'invalidFilter' });
      expect(err.detail).toMatch(detail);
    }
  });
});

describe('group filters', () => {
  const eng = storedGroup({ displayName: 'Engineering', externalId: 'okta-1' }, 'g1');
  const ops = storedGroup({ displayName: 'Ops' }, 'g2');
  const groups = [eng, ops];
  const lookup = () => {
    const fn = jest.fn(async (ids: string[]) => [
      ...(ids.includes('u1') ? ['g1'] : []),
      ...(ids.includes('u2') ? ['g1', 'g2'] : []),
    ]);
    return { groupIdsOfMembers: fn, fn };
  };

  it('matches displayName case-insensitively on the unique shadow field (Okta group push)', async () => {
    const { groupIdsOfMembers } = lookup();
    expect(await compileGroupFilter('displayName eq "ENGINEERING"', { groupIdsOfMembers })).toEqual({
      displayNameLower: 'engineering',
    });
    expect(matching(await compileGroupFilter('displayName eq "ENGINEERING"', { groupIdsOfMembers }), groups)).toEqual([
      'g1',
    ]);
    expect(matching(await compileGroupFilter('displayName sw "o"', { groupIdsOfMembers }), groups)).toEqual(['g2']);
    expect(matching(await compileGroupFilter('externalId eq "okta-1"', { groupIdsOfMembers }), groups)).toEqual(['g1']);
  });

  it('compiles member equality into the groups of that user (Entra membership check)', async () => {
    const { groupIdsOfMembers, fn } = lookup();
    const f = await compileGroupFilter('id eq "g1" and members eq "u1"', { groupIdsOfMembers });
    expect(f).toEqual({ $and: [{ _id: 'g1' }, { _id: { $in: ['g1'] } }] });
    expect(fn).toHaveBeenCalledWith(['u1']);
    expect(matching(f, groups)).toEqual(['g1']);
    expect(matching(await compileGroupFilter('id eq "g2" and members eq "u1"', { groupIdsOfMembers }), groups)).toEqual(
      [],
    );
    expect(matching(await compileGroupFilter('members.value eq "u2"', { groupIdsOfMembers }), groups)).toEqual([
      'g1',
      'g2',
    ]);
    expect(matching(await compileGroupFilter('members[value eq "u1"]', { groupIdsOfMembers }), groups)).toEqual(['g1']);
    expect(await compileGroupFilter('members[value eq "u1" or value eq "u3"]', { groupIdsOfMembers })).toEqual({
      _id: { $in: ['g1'] },
    });
    expect(fn).toHaveBeenLastCalledWith(['u1', 'u3']);
    expect(matching(await compileGroupFilter('not (members eq "u1")', { groupIdsOfMembers }), groups)).toEqual(['g2']);
    expect(matching(await compileGroupFilter('members eq "nobody"', { groupIdsOfMembers }), groups)).toEqual([]);
  });

  it('refuses other operators on members', async () => {
    const { groupIdsOfMembers } = lookup();
    for (const f of [
      'members co "u"',
      'members ne "u1"',
      'members pr',
      'members[value sw "u"]',
      'members[value eq "u1" and value eq "u2"]',
      'members.display eq "x"',
      'members[type eq "User"]',
      'members eq null',
      'members eq true',
    ]) {
      const err = await scimErrorOfAsync(() => compileGroupFilter(f, { groupIdsOfMembers }));
      expect({ f, scimType: err.scimType }).toEqual({ f, scimType: 'invalidFilter' });
      expect(err.detail).toMatch(/members/);
    }
  });

  it('knows group attributes only', async () => {
    const { groupIdsOfMembers } = lookup();
    expect((await scimErrorOfAsync(() => compileGroupFilter('userName eq "x"', { groupIdsOfMembers }))).detail).toMatch(
      /unknown attribute "userName" for Group/,
    );
  });
});

describe('sorting', () => {
  const sorted = (sort: Record<string, 1 | -1>, docs: StoredDoc[] = USERS) =>
    new Query({})
      .find<StoredDoc>(docs)
      .sort(sort)
      .all()
      .map((d) => d._id);

  it('sorts on shadow fields and breaks ties on _id', () => {
    expect(compileUserSort('userName')).toEqual({ userNameLower: 1, _id: 1 });
    expect(compileUserSort('UserName', 'DESCENDING')).toEqual({ userNameLower: -1, _id: 1 });
    expect(sorted(compileUserSort('userName'))).toEqual(['u-ada', 'u-bob', 'u-cyd']);
    expect(sorted(compileUserSort('userName', 'descending'))).toEqual(['u-cyd', 'u-bob', 'u-ada']);
    expect(compileUserSort('emails')).toEqual({ primaryEmailLower: 1, _id: 1 });
    expect(compileUserSort('emails.value', 'descending')).toEqual({ primaryEmailLower: -1, _id: 1 });
    expect(sorted(compileUserSort('emails.value', 'descending'))).toEqual(['u-cyd', 'u-bob', 'u-ada']);
    expect(compileUserSort('meta.created')).toEqual({ 'meta.created': 1, _id: 1 });
    expect(sorted(compileUserSort('meta.created'))).toEqual(['u-bob', 'u-cyd', 'u-ada']);
    expect(compileUserSort('id', 'descending')).toEqual({ _id: -1 });
    expect(compileUserSort('name.familyName')).toEqual({ 'name.familyName': 1, _id: 1 });
    expect(compileUserSort(`${ENTERPRISE}:manager`)).toEqual({ 'enterprise.manager.value': 1, _id: 1 });
    expect(compileGroupSort('displayName')).toEqual({ displayNameLower: 1, _id: 1 });
  });

  it('is stable when keys tie', () => {
    const twins = [
      storedUser({ userName: 'same', name: { givenName: 'a', familyName: 'b' }, emails: [{ value: 'x@y' }] }, 'u2'),
      storedUser({ userName: 'SAME2', name: { givenName: 'a', familyName: 'b' }, emails: [{ value: 'x@y' }] }, 'u1'),
    ];
    expect(sorted(compileUserSort('emails', 'descending'), twins)).toEqual(['u1', 'u2']);
    expect(sorted(compileUserSort('emails', 'ascending'), twins)).toEqual(['u1', 'u2']);
  });

  it('refuses attributes it cannot sort on, and bad orders', () => {
    for (const [by, order] of [
      ['nope', undefined],
      ['phoneNumbers', undefined],
      ['groups', undefined],
      ['name', undefined],
      ['members', undefined],
      ['userName', 'up'],
    ] as const) {
      let err: unknown;
      try {
        if (by === 'members') compileGroupSort(by, order);
        else compileUserSort(by, order);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScimError);
      expect((err as ScimError).scimType).toBe('invalidValue');
    }
  });
});

// ----------------------------------------------------------------------------------------------- properties

const noMembers = { groupIdsOfMembers: async () => ['g1'] };

/** The semantics the compiler promises, evaluated in memory on the stored documents. */
type Attr = {
  name: string;
  get: (d: StoredDoc) => unknown;
  multi: boolean;
  folded: boolean;
  lowered: boolean;
  bool?: boolean;
};
const ATTRS: Attr[] = [
  { name: 'userName', get: (d) => d.userName, multi: false, folded: true, lowered: true },
  { name: 'externalId', get: (d) => d.externalId, multi: false, folded: false, lowered: false },
  { name: 'title', get: (d) => d.title, multi: false, folded: true, lowered: false },
  {
    name: 'name.familyName',
    get: (d) => (d.name as Record<string, unknown> | undefined)?.familyName,
    multi: false,
    folded: true,
    lowered: false,
  },
  {
    name: 'emails.value',
    get: (d) => ((d.emails as Array<{ value: string }> | undefined) ?? []).map((e) => e.value),
    multi: true,
    folded: true,
    lowered: true,
  },
  { name: 'active', get: (d) => d.active, multi: false, folded: false, lowered: false, bool: true },
];
const STRINGS = [
  'ada@example.com',
  'ADA@EXAMPLE.COM',
  'Ada',
  'ada',
  'example',
  'ExT-1',
  'ext-1',
  'Boss',
  'boss\n',
  'Boss\n',
  'Countess',
  'b',
  'x.org',
  '',
  '.',
  'C',
  'Lovelace',
  'E',
];
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;

function reference(node: FilterNode, d: StoredDoc): boolean {
  switch (node.kind) {
    case 'and':
      return node.filters.every((f) => reference(f, d));
    case 'or':
      return node.filters.some((f) => reference(f, d));
    case 'not':
      return !reference(node.filter, d);
    case 'valuePath':
      throw new Error('not generated');
    default: {
      const name = node.path.sub ? `${node.path.attr}.${node.path.sub}` : node.path.attr;
      const a = ATTRS.find((x) => x.name === name)!;
      const raw = a.get(d);
      const values = (a.multi ? (raw as unknown[]) : raw === undefined ? [] : [raw]) as Array<string | boolean>;
      const test = (v: string | boolean): boolean => {
        if (node.kind === 'present') return v !== '' && v !== undefined;
        if (a.bool) return node.op === 'eq' ? v === node.value : v !== node.value;
        const lit = node.value as string;
        const x = a.folded ? (v as string).toLowerCase() : (v as string);
        const y = a.folded ? lit.toLowerCase() : lit;
        // ordering: case-insensitive on shadow fields only
        const ox = a.lowered ? x : (v as string);
        const oy = a.lowered ? y : lit;
        switch (node.op) {
          case 'eq':
            return x === y;
          case 'ne':
            return x !== y;
          case 'co':
            return x.includes(y);
          case 'sw':
            return x.startsWith(y);
          case 'ew':
            return x.endsWith(y);
          case 'gt':
            return ox > oy;
          case 'ge':
            return ox >= oy;
          case 'lt':
            return ox < oy;
          case 'le':
            return ox <= oy;
        }
      };
      if (node.kind === 'compare' && node.op === 'ne' && !a.multi) return values.length === 0 || values.every(test);
      return values.some(test);
    }
  }
}

const leaf: fc.Arbitrary<FilterNode> = fc.constantFrom(...ATTRS).chain((a): fc.Arbitrary<FilterNode> => {
  const [attr, sub] = a.name.split('.');
  const path = { attr, ...(sub ? { sub } : {}) };
  if (a.bool)
    return fc.oneof(
      fc.record({
        kind: fc.constant('compare' as const),
        path: fc.constant(path),
        op: fc.constantFrom('eq' as const, 'ne' as const),
        value: fc.boolean(),
      }),
      fc.constant({ kind: 'present' as const, path }),
    );
  return fc.oneof(
    fc.record({
      kind: fc.constant('compare' as const),
      path: fc.constant(path),
      op: fc.constantFrom(...OPS),
      value: fc.constantFrom(...STRINGS),
    }),
    fc.constant({ kind: 'present' as const, path }),
  );
});
const semanticAst: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      filters: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('node') }),
  ),
})).node;

const DOCS = [
  ...USERS,
  storedUser(
    {
      userName: 'Dee',
      name: { givenName: 'D', familyName: 'lovelace' },
      emails: [
        { value: 'E@x.ORG', type: 'work' },
        { value: 'ada@Example.com', type: 'home' },
      ],
      title: '',
      active: false,
    },
    'u-dee',
  ),
  storedUser(
    {
      userName: 'ExT-1',
      externalId: 'Ada',
      name: { givenName: 'E', familyName: 'B' },
      emails: [{ value: 'b' }],
      title: 'BOSS',
    },
    'u-eve',
  ),
];

describe('filter compiler properties', () => {
  it('compiles as the SCIM semantics say, evaluated by mingo and by the store engine alike', async () => {
    await fc.assert(
      fc.asyncProperty(semanticAst, async (ast) => {
        const expected = DOCS.filter((d) => reference(ast, d)).map((d) => d._id);
        const got = matching(await compileUserFilter(printFilter(ast)), DOCS);
        expect({ filter: printFilter(ast), got }).toEqual({ filter: printFilter(ast), got: expected });
      }),
      { numRuns: 1500 },
    );
  });

  it('answers any text with a filter document or a ScimError 400 invalidFilter', async () => {
    await fc.assert(
      fc.asyncProperty(filterSoup, async (text) => {
        for (const compile of [() => compileUserFilter(text), () => compileGroupFilter(text, noMembers)]) {
          try {
            const f: MongoFilter = await compile();
            matching(f, DOCS);
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400 || err.scimType !== 'invalidFilter') throw err;
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('answers random syntactically valid filters over real attribute names the same way', async () => {
    const names = [
      'userName',
      'USERNAME',
      'name.givenName',
      'name',
      'emails',
      'emails.value',
      'emails.type',
      'emails.primary',
      'meta.created',
      'meta.lastModified',
      'meta.resourceType',
      'meta.version',
      'active',
      'externalId',
      'id',
      'groups',
      'password',
      'manager',
      'members',
      'members.value',
      'displayName',
      'roles.value',
      'x509Certificates.value',
      'nope',
    ];
    const path = fc.constantFrom(...names).map((n) => {
      const [attr, sub] = n.split('.');
      return { attr, ...(sub ? { sub } : {}) };
    });
    const literal = fc.oneof(
      fc.constantFrom('2011-05-13T04:42:34Z', 'true', 'x', '', 'g1'),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const node: fc.Arbitrary<FilterNode> = fc.letrec<{ n: FilterNode }>((tie) => ({
      n: fc.oneof(
        { depthSize: 'small' },
        fc.record({ kind: fc.constant('compare' as const), path, op: fc.constantFrom(...OPS), value: literal }),
        fc.record({ kind: fc.constant('present' as const), path }),
        fc.record({
          kind: fc.constantFrom('and' as const, 'or' as const),
          filters: fc.array(tie('n'), { minLength: 2, maxLength: 3 }),
        }),
        fc.record({ kind: fc.constant('not' as const), filter: tie('n') }),
        fc.record({
          kind: fc.constant('valuePath' as const),
          path: fc.constantFrom({ attr: 'emails' }, { attr: 'members' }, { attr: 'name' }, { attr: 'userName' }),
          filter: fc.record({
            kind: fc.constant('compare' as const),
            path: fc.constantFrom({ attr: 'value' }, { attr: 'type' }, { attr: 'primary' }, { attr: 'givenName' }),
            op: fc.constantFrom(...OPS),
            value: literal,
          }),
        }),
      ),
    })).n;
    await fc.assert(
      fc.asyncProperty(node, async (ast) => {
        for (const compile of [() => compileUserFilter(ast), () => compileGroupFilter(ast, noMembers)]) {
          try {
            matching(await compile(), DOCS);
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400 || err.scimType !== 'invalidFilter') throw err;
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('dateTime literals', () => {
  it('reads zones, and a time without a zone as UTC', async () => {
    const at = async (v: string) =>
      ((await compileUserFilter(`meta.created gt "${v}"`))['meta.created'] as { $gt: Date }).$gt.toISOString();
    expect(await at('2011-05-13T04:42:34Z')).toBe('2011-05-13T04:42:34.000Z');
    expect(await at('2011-05-13T04:42:34')).toBe('2011-05-13T04:42:34.000Z');
    expect(await at('2011-05-13 04:42')).toBe('2011-05-13T04:42:00.000Z');
    expect(await at('2011-05-13T04:42:34.5+0200')).toBe('2011-05-13T02:42:34.500Z');
    expect(await at('2011-05-13t04:42:34-01:30')).toBe('2011-05-13T06:12:34.000Z');
    expect(await at('2011-05-13')).toBe('2011-05-13T00:00:00.000Z');
    for (const bad of ['2011-13-45', '13/05/2011', '2011-05-13T25:00:00Z', '2011-05-13T04:42:34ZZ']) {
      expect((await scimErrorOfAsync(() => compileUserFilter(`meta.created gt "${bad}"`))).scimType).toBe(
        'invalidFilter',
      );
    }
  });
});

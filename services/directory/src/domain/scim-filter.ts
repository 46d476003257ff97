/**
 * SCIM filters (RFC 7644 §3.4.2.2): a parser into an AST and a compiler into MongoDB query documents over the
 * stored layout (see scim-codec.ts), evaluated in the store — MongoDB or the embedded engine — using indexes
 * for equality on userName, externalId, e-mail and displayName. Any malformed or unsupported filter is a 400
 * invalidFilter, never another error.
 */
import type { Filter } from '../../../kit/src/store/store.js';
import { ScimFault } from './scim-fault.js';
import { URN } from './scim-schema.js';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; inner: FilterNode }
  | { kind: 'compare'; path: string; op: CompareOp; value: Literal }
  | { kind: 'present'; path: string }
  | { kind: 'complex'; path: string; inner: FilterNode; sub?: { name: string; test: { op: CompareOp; value: Literal } | { op: 'pr' } } };

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

export const invalidFilter = (detail: string) => new ScimFault(400, detail, 'invalidFilter');

type Token = { t: 'lparen' | 'rparen' | 'lbracket' | 'rbracket'; pos: number } | { t: 'word'; v: string; pos: number } | { t: 'string'; v: string; pos: number } | { t: 'subattr'; v: string; pos: number };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '+') {
      // "+" is a space in form-encoded query strings (Entra sends filter=userName+eq+"…")
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '[' ? 'lbracket' : 'rbracket', pos: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let raw = '"';
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\') {
          raw += input[j] + (input[j + 1] ?? '');
          j += 2;
        } else raw += input[j++];
      }
      if (j >= input.length) throw invalidFilter(`unterminated string starting at position ${i + 1}`);
      raw += '"';
      let v: string;
      try {
        v = JSON.parse(raw.replace(/[\u0000-\u001f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
      } catch {
        throw invalidFilter(`invalid escape in string at position ${i + 1}`);
      }
      out.push({ t: 'string', v, pos: i });
      i = j + 1;
    } else if (c === '.' && out.length && out[out.length - 1].t === 'rbracket') {
      let j = i + 1;
      while (j < input.length && /[A-Za-z0-9_$-]/.test(input[j])) j++;
      if (j === i + 1) throw invalidFilter(`expected a sub-attribute name after "]." at position ${i + 1}`);
      out.push({ t: 'subattr', v: input.slice(i + 1, j), pos: i });
      i = j;
    } else {
      let j = i;
      while (j < input.length && !' \t\r\n()[]"'.includes(input[j])) j++;
      out.push({ t: 'word', v: input.slice(i, j), pos: i });
      i = j;
    }
  }
  return out;
}

const ATTR_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][A-Za-z0-9_$-]*(\.[A-Za-z$][A-Za-z0-9_$-]*)?$/i;

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): FilterNode {
    if (!this.tokens.length) throw invalidFilter('the filter is empty');
    const node = this.or();
    if (this.i < this.tokens.length) throw invalidFilter(`unexpected "${this.text(this.tokens[this.i])}" at position ${this.tokens[this.i].pos + 1}`);
    return node;
  }

  private text(t: Token) {
    return 'v' in t ? t.v : { lparen: '(', rparen: ')', lbracket: '[', rbracket: ']' }[t.t];
  }
  private peekWord(): string | undefined {
    const t = this.tokens[this.i];
    return t && t.t === 'word' ? t.v.toLowerCase() : undefined;
  }
  private expect(kind: Token['t'], what: string): Token {
    const t = this.tokens[this.i];
    if (!t || t.t !== kind) throw invalidFilter(`expected ${what} ${t ? `at position ${t.pos + 1}` : 'at the end of the filter'}`);
    this.i++;
    return t;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekWord() === 'or') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): FilterNode {
    let left = this.unary();
    while (this.peekWord() === 'and') {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }
  private unary(): FilterNode {
    const t = this.tokens[this.i];
    if (!t) throw invalidFilter('the filter ends where an expression was expected');
    if (t.t === 'word' && t.v.toLowerCase() === 'not') {
      this.i++;
      this.expect('lparen', '"(" after "not"');
      const inner = this.or();
      this.expect('rparen', '")"');
      return { kind: 'not', inner };
    }
    if (t.t === 'lparen') {
      this.i++;
      const inner = this.or();
      this.expect('rparen', '")"');
      return inner;
    }
    return this.attrExpr();
  }
  private attrPath(): string {
    const t = this.tokens[this.i];
    if (!t || t.t !== 'word' || !ATTR_PATH.test(t.v) || ['and', 'or', 'not'].includes(t.v.toLowerCase())) {
      throw invalidFilter(t ? `expected an attribute name at position ${t.pos + 1}, found "${this.text(t)}"` : 'expected an attribute name at the end of the filter');
    }
    this.i++;
    return t.v;
  }
  private value(): Literal {
    const t = this.tokens[this.i];
    if (!t) throw invalidFilter('a comparison value is missing at the end of the filter');
    this.i++;
    if (t.t === 'string') return t.v;
    if (t.t !== 'word') throw invalidFilter(`expected a value at position ${t.pos + 1}`);
    const lower = t.v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t.v)) return Number(t.v);
    if (['and', 'or', 'not'].includes(lower)) throw invalidFilter(`expected a value at position ${t.pos + 1}, found "${t.v}"`);
    // Entra's documented manager check sends unquoted ids: a bare token is taken as a string.
    return t.v;
  }
  private test(): { op: CompareOp; value: Literal } | { op: 'pr' } {
    const op = this.peekWord();
    const t = this.tokens[this.i];
    if (op === 'pr') {
      this.i++;
      return { op: 'pr' };
    }
    if (!op || !COMPARE_OPS.has(op)) throw invalidFilter(t ? `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) at position ${t.pos + 1}, found "${this.text(t)}"` : 'an operator is missing at the end of the filter');
    this.i++;
    return { op: op as CompareOp, value: this.value() };
  }
  private attrExpr(): FilterNode {
    const path = this.attrPath();
    if (this.tokens[this.i]?.t === 'lbracket') {
      this.i++;
      const inner = this.or();
      this.expect('rbracket', '"]"');
      const next = this.tokens[this.i];
      if (next?.t === 'subattr') {
        this.i++;
        return { kind: 'complex', path, inner, sub: { name: next.v, test: this.test() } };
      }
      return { kind: 'complex', path, inner };
    }
    const test = this.test();
    return test.op === 'pr' ? { kind: 'present', path } : { kind: 'compare', path, op: test.op, value: test.value };
  }
}

export function parseFilter(input: string): FilterNode {
  if (typeof input !== 'string') throw invalidFilter('the filter must be a string');
  if (input.length > 10_000) throw invalidFilter('the filter is too long (10,000 characters at most)');
  return new Parser(tokenize(input), input).parse();
}

// ---- compilation -------------------------------------------------------------------------------------------

export type FieldKind = 'string' | 'boolean' | 'dateTime' | 'number';

/** Where an attribute lives in the stored document and how it compares. */
export interface StoredField {
  field: string;
  kind: FieldKind;
  caseExact: boolean;
  /** The field holds a lower-cased copy: compare lower-cased values exactly (uses the index). */
  lowered?: boolean;
  multiValued?: boolean;
}

export interface FilterTarget {
  /** Resolves a SCIM attribute path (already stripped of its schema URN) to a stored field, or undefined. */
  resolve(schema: string, path: string): StoredField | 'members' | 'resourceType' | undefined;
  /** A multi-valued complex attribute that can be filtered with [..] (e.g. emails → "emails"). */
  complexField(schema: string, attr: string): string | undefined;
  resourceType: string;
  schemas: string[];
}

export interface CompileContext {
  groupIdsOfMembers(userIds: string[]): Promise<string[]>;
}

/** Splits "urn:…:User:attr.sub" into its schema and path; plain names belong to the core schema. */
export function splitUrn(path: string, schemas: string[], core: string): { schema: string; path: string } {
  const lower = path.toLowerCase();
  if (lower.startsWith('urn:')) {
    for (const schema of [...schemas].sort((a, b) => b.length - a.length)) {
      if (lower.startsWith(schema.toLowerCase() + ':')) return { schema, path: path.slice(schema.length + 1) };
    }
    throw invalidFilter(`unknown schema in attribute "${path}"`);
  }
  return { schema: core, path };
}

const escapeRegex = (v: string) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function literalFor(f: StoredField, value: Literal, path: string): unknown {
  if (value === null) return null;
  switch (f.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw invalidFilter(`"${path}" is a boolean: compare it with true or false`);
    case 'dateTime': {
      const d = typeof value === 'string' ? new Date(value) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw invalidFilter(`"${path}" is a dateTime: compare it with an ISO 8601 string such as "2024-01-31T12:00:00Z"`);
      return d;
    }
    case 'number':
      if (typeof value === 'number') return value;
      throw invalidFilter(`"${path}" is a number`);
    default:
      if (typeof value === 'boolean' || typeof value === 'number') return String(value);
      return f.lowered ? value.toLowerCase() : value;
  }
}

function compare(f: StoredField, op: CompareOp, value: Literal, path: string): Filter {
  const v = literalFor(f, value, path);
  const ci = !f.caseExact && f.kind === 'string' && !f.lowered;
  if (op === 'eq' || op === 'ne') {
    const match: Filter = ci && typeof v === 'string' ? { [f.field]: { $regex: `^${escapeRegex(v)}$`, $options: 'i' } } : { [f.field]: v };
    return op === 'eq' ? match : { $nor: [match] };
  }
  if (op === 'co' || op === 'sw' || op === 'ew') {
    if (f.kind !== 'string') throw invalidFilter(`"${op}" applies to strings; "${path}" is a ${f.kind}`);
    if (typeof v !== 'string') throw invalidFilter(`"${op}" needs a string value`);
    const body = escapeRegex(v);
    const pattern = op === 'co' ? body : op === 'sw' ? `^${body}` : `${body}$`;
    return { [f.field]: ci ? { $regex: pattern, $options: 'i' } : { $regex: pattern } };
  }
  if (f.kind === 'boolean') throw invalidFilter(`"${op}" cannot compare booleans ("${path}")`);
  if (v === null) throw invalidFilter(`"${op}" needs a value other than null`);
  const mongoOp = { gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' }[op];
  return { [f.field]: { [mongoOp]: v } };
}

function present(f: StoredField): Filter {
  return { [f.field]: { $exists: true, $nin: [null, ''] } };
}

export async function compileFilter(node: FilterNode, target: FilterTarget, ctx: CompileContext, core: string): Promise<Filter> {
  const resolve = (rawPath: string, within?: string): StoredField | 'members' | 'resourceType' => {
    const { schema, path } = splitUrn(rawPath, target.schemas, core);
    const r = target.resolve(schema, within ? `${within}.${path}` : path);
    if (!r) throw invalidFilter(`"${rawPath}" is not an attribute that can be filtered on ${target.resourceType}s`);
    return r;
  };
  const members = async (op: CompareOp | 'pr', value: Literal | undefined): Promise<Filter> => {
    if (op !== 'eq' || typeof value !== 'string') throw invalidFilter('members can only be filtered with eq and a user id, e.g. members eq "<user id>"');
    return { _id: { $in: await ctx.groupIdsOfMembers([value]) } };
  };
  const resourceType = (op: CompareOp | 'pr', value: Literal | undefined): Filter => {
    const matches = op === 'pr' || (op === 'eq' && typeof value === 'string' && value.toLowerCase() === target.resourceType.toLowerCase()) || (op === 'ne' && !(typeof value === 'string' && value.toLowerCase() === target.resourceType.toLowerCase()));
    return matches ? {} : { _id: { $in: [] } };
  };

  const walk = async (n: FilterNode, within?: { schema: string; attr: string; field: string }): Promise<Filter> => {
    switch (n.kind) {
      case 'and':
        return { $and: [await walk(n.left, within), await walk(n.right, within)] };
      case 'or':
        return { $or: [await walk(n.left, within), await walk(n.right, within)] };
      case 'not':
        return { $nor: [await walk(n.inner, within)] };
      case 'present':
      case 'compare': {
        const f = within ? target.resolve(within.schema, `${within.attr}.${n.path}`) : resolve(n.path);
        if (!f) throw invalidFilter(`"${n.path}" is not a sub-attribute of ${within?.attr}`);
        if (f === 'members') return members(n.kind === 'present' ? 'pr' : n.op, n.kind === 'compare' ? n.value : undefined);
        if (f === 'resourceType') return resourceType(n.kind === 'present' ? 'pr' : n.op, n.kind === 'compare' ? n.value : undefined);
        const local = within ? { ...f, field: f.field.slice(within.field.length + 1) } : f;
        return n.kind === 'present' ? present(local) : compare(local, n.op, n.value, n.path);
      }
      case 'complex': {
        if (within) throw invalidFilter('value filters cannot be nested');
        const { schema, path } = splitUrn(n.path, target.schemas, core);
        if (target.resolve(schema, path) === 'members') {
          // members[value eq "id"] (with an optional .value) is the membership check
          const inner = n.inner;
          if (inner.kind === 'compare' && inner.path.toLowerCase() === 'value' && !n.sub) return members(inner.op, inner.value);
          throw invalidFilter('members can only be filtered as members[value eq "<user id>"]');
        }
        const field = target.complexField(schema, path);
        if (!field) throw invalidFilter(`"${n.path}" is not a multi-valued attribute; [..] filters apply to attributes such as emails`);
        const scope = { schema, attr: path, field };
        const innerFilter = await walk(n.inner, scope);
        if (!n.sub) return { [field]: { $elemMatch: innerFilter } };
        const sub = target.resolve(schema, `${path}.${n.sub.name}`);
        if (!sub || sub === 'members' || sub === 'resourceType') throw invalidFilter(`"${n.sub.name}" is not a sub-attribute of ${path}`);
        const local = { ...sub, field: sub.field.slice(field.length + 1) };
        const subFilter = n.sub.test.op === 'pr' ? present(local) : compare(local, n.sub.test.op, n.sub.test.value, `${path}.${n.sub.name}`);
        return { [field]: { $elemMatch: { $and: [innerFilter, subFilter] } } };
      }
    }
  };
  return walk(node);
}

export { URN };

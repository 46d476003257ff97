/**
 * The SCIM filter language (RFC 7644 §3.4.2.2) → AST, and back (`printFilter`). Also parses PATCH paths
 * (§3.5.2: `attrPath` or `valuePath` with an optional sub-attribute).
 *
 * Accepted beyond the RFC grammar, because identity providers send it:
 * - `emails[type eq "work"].value eq "x"` (Entra): a value path followed by a sub-attribute comparison;
 * - unquoted values (`id eq 2819c223 and manager eq 0f1e…`, from an Entra example): a bare token after an
 *   operator is a string, unless it is a JSON number, `true`, `false` or `null`. Tokens that could be read
 *   two ways (a keyword such as `and`, or `True`/`NULL`) are refused with a hint to quote them;
 * - any run of whitespace where the RFC has one space.
 *
 * Every rejection is a `ScimError` 400 (`invalidFilter`, or `invalidPath` for PATCH paths) naming the
 * position; no other exception leaves this module.
 */
import { invalidFilter, invalidPath, type ScimError } from './scim-error.js';

export const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type Literal = string | number | boolean | null;

/** An attribute path as written (names keep their case; resolution is case-insensitive). */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export interface CompareNode {
  kind: 'compare';
  path: AttrPath;
  op: CompareOp;
  value: Literal;
}
export interface PresentNode {
  kind: 'present';
  path: AttrPath;
}
export interface LogicalNode {
  kind: 'and' | 'or';
  /** Two or more; a chain `a and b and c` is one node, a parenthesised group stays a child of its own. */
  filters: FilterNode[];
}
export interface NotNode {
  kind: 'not';
  filter: FilterNode;
}
/** `emails[type eq "work"]`, optionally followed by `.value eq "x"` (`tail`, whose path is the sub-attribute). */
export interface ValuePathNode {
  kind: 'valuePath';
  path: AttrPath;
  filter: FilterNode;
  tail?: CompareNode | PresentNode;
}
export type FilterNode = CompareNode | PresentNode | LogicalNode | NotNode | ValuePathNode;

/** A PATCH path: `attrPath`, or `valuePath` with an optional `.subAttr`. */
export interface PatchPath {
  path: AttrPath;
  filter?: FilterNode;
  sub?: string;
}

export const MAX_FILTER_LENGTH = 10_000;
export const MAX_FILTER_DEPTH = 50;

const NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const KEYWORDS = new Set(['and', 'or', 'not', 'pr', ...COMPARE_OPS]);

type TokenKind = '(' | ')' | '[' | ']' | 'string' | 'word' | 'end';
interface Token {
  kind: TokenKind;
  pos: number;
  text: string;
  value?: string;
}

type Fail = (detail: string) => ScimError;

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end';
  const text = t.text.length > 40 ? t.text.slice(0, 40) + '…' : t.text;
  return t.kind === 'string' ? text : `"${text}"`;
}

function tokenize(src: string, fail: Fail, what: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ kind: c, pos: i, text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw fail(`${what}: the string starting at position ${i} has no closing quote`);
      const raw = src.slice(i, j + 1);
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw fail(`${what}: the string at position ${i} is not a valid JSON string (bad escape or control character)`);
      }
      out.push({ kind: 'string', pos: i, text: raw, value: value as string });
      i = j + 1;
    } else {
      let j = i;
      while (j < src.length && !' \t\r\n()[]"'.includes(src[j])) j++;
      out.push({ kind: 'word', pos: i, text: src.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: 'end', pos: src.length, text: '' });
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly fail: Fail,
    private readonly what: string,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }
  private error(expected: string, t: Token = this.peek()): ScimError {
    return this.fail(`${this.what}: expected ${expected} at position ${t.pos}, found ${describe(t)}`);
  }
  private isWord(t: Token, word: string) {
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }
  private expect(kind: TokenKind, expected: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.error(expected);
    return this.next();
  }

  parseFilter(): FilterNode {
    const f = this.parseOr(false);
    if (this.peek().kind !== 'end') throw this.error('"and", "or" or the end of the filter');
    return f;
  }

  parsePatchPath(): PatchPath {
    const t = this.peek();
    const path = this.parseAttrPath(false);
    const out: PatchPath = { path };
    if (this.peek().kind === '[') {
      if (path.sub !== undefined)
        throw this.fail(
          `${this.what}: a value filter applies to an attribute, not to the sub-attribute "${path.attr}.${path.sub}" (position ${t.pos})`,
        );
      this.next();
      out.filter = this.parseOr(true);
      this.expect(']', '"]" closing the value filter');
      const s = this.peek();
      if (s.kind === 'word' && s.text.startsWith('.')) {
        this.next();
        out.sub = this.subName(s);
      }
    }
    if (this.peek().kind !== 'end') throw this.error('the end of the path');
    return out;
  }

  private enter(t: Token) {
    if (++this.depth > MAX_FILTER_DEPTH)
      throw this.fail(`${this.what}: nested more than ${MAX_FILTER_DEPTH} levels deep at position ${t.pos}`);
  }

  private parseOr(inValuePath: boolean): FilterNode {
    const filters = [this.parseAnd(inValuePath)];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      filters.push(this.parseAnd(inValuePath));
    }
    return filters.length === 1 ? filters[0] : { kind: 'or', filters };
  }

  private parseAnd(inValuePath: boolean): FilterNode {
    const filters = [this.parseUnary(inValuePath)];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      filters.push(this.parseUnary(inValuePath));
    }
    return filters.length === 1 ? filters[0] : { kind: 'and', filters };
  }

  private parseUnary(inValuePath: boolean): FilterNode {
    const t = this.peek();
    if (this.isWord(t, 'not') && this.peek(1).kind === '(') {
      this.enter(t);
      this.next();
      this.next();
      const filter = this.parseOr(inValuePath);
      this.expect(')', '")" closing "not ("');
      this.depth--;
      return { kind: 'not', filter };
    }
    if (t.kind === '(') {
      this.enter(t);
      this.next();
      const f = this.parseOr(inValuePath);
      this.expect(')', '")" closing the group');
      this.depth--;
      return f;
    }
    return this.parseAttrExp(inValuePath);
  }

  private parseAttrExp(inValuePath: boolean): FilterNode {
    const start = this.peek();
    const path = this.parseAttrPath(inValuePath);
    if (this.peek().kind === '[') {
      const open = this.next();
      if (inValuePath) throw this.fail(`${this.what}: value filters cannot be nested (position ${open.pos})`);
      if (path.sub !== undefined)
        throw this.fail(
          `${this.what}: a value filter applies to an attribute, not to the sub-attribute "${path.attr}.${path.sub}" (position ${start.pos})`,
        );
      this.enter(open);
      const filter = this.parseOr(true);
      this.expect(']', '"]" closing the value filter');
      this.depth--;
      const node: ValuePathNode = { kind: 'valuePath', path, filter };
      const s = this.peek();
      if (s.kind === 'word' && s.text.startsWith('.')) {
        this.next();
        const tailPath: AttrPath = { attr: this.subName(s) };
        node.tail = this.parseOperation(tailPath, s);
      }
      return node;
    }
    return this.parseOperation(path, start);
  }

  private parseOperation(path: AttrPath, at: Token): CompareNode | PresentNode {
    const opTok = this.peek();
    const expected = `an operator (${COMPARE_OPS.join(', ')} or pr) after the attribute "${at.text}"`;
    if (opTok.kind !== 'word') throw this.error(expected);
    const op = opTok.text.toLowerCase();
    if (op === 'pr') {
      this.next();
      return { kind: 'present', path };
    }
    if (!(COMPARE_OPS as readonly string[]).includes(op)) throw this.error(expected);
    this.next();
    return { kind: 'compare', path, op: op as CompareOp, value: this.parseValue(op) };
  }

  private parseValue(op: string): Literal {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.value as string;
    }
    if (t.kind !== 'word') throw this.error(`a value after "${op}" (a quoted string, a number, true, false or null)`);
    const w = t.text;
    if (w === 'true' || w === 'false') {
      this.next();
      return w === 'true';
    }
    if (w === 'null') {
      this.next();
      return null;
    }
    if (NUMBER.test(w)) {
      const n = Number(w);
      if (!Number.isFinite(n)) throw this.fail(`${this.what}: the number at position ${t.pos} is out of range`);
      this.next();
      return n;
    }
    const lower = w.toLowerCase();
    if (KEYWORDS.has(lower) || lower === 'true' || lower === 'false' || lower === 'null') {
      throw this.fail(
        `${this.what}: the value ${describe(t)} at position ${t.pos} is ambiguous; put string values in double quotes, and write true, false and null in lower case`,
      );
    }
    this.next();
    return w; // an unquoted value, read as a string (see the module comment)
  }

  private parseAttrPath(inValuePath: boolean): AttrPath {
    const t = this.peek();
    if (t.kind !== 'word' || t.text.startsWith('.'))
      throw this.error(inValuePath ? 'a sub-attribute name' : 'an attribute name');
    this.next();
    const w = t.text;
    const colon = w.lastIndexOf(':');
    const uri = colon >= 0 ? w.slice(0, colon) : undefined;
    const rest = colon >= 0 ? w.slice(colon + 1) : w;
    if (uri !== undefined && uri.length === 0)
      throw this.fail(`${this.what}: "${w}" at position ${t.pos} is not an attribute name`);
    const parts = rest.split('.');
    if (parts.length > 2 || !parts.every((p) => NAME.test(p))) {
      throw this.fail(
        `${this.what}: "${w.length > 60 ? w.slice(0, 60) + '…' : w}" at position ${t.pos} is not an attribute name (expected name, name.subName or urn:…:name)`,
      );
    }
    return { ...(uri !== undefined ? { uri } : {}), attr: parts[0], ...(parts.length === 2 ? { sub: parts[1] } : {}) };
  }

  private subName(t: Token): string {
    const name = t.text.slice(1);
    if (!NAME.test(name)) throw this.fail(`${this.what}: "${t.text}" at position ${t.pos} is not a sub-attribute name`);
    return name;
  }
}

function run<T>(text: unknown, fail: Fail, what: string, f: (p: Parser) => T): T {
  if (typeof text !== 'string') throw fail(`${what}: must be a string`);
  if (text.length > MAX_FILTER_LENGTH) throw fail(`${what}: longer than ${MAX_FILTER_LENGTH} characters`);
  if (!text.trim()) throw fail(`${what}: is empty`);
  try {
    return f(new Parser(tokenize(text, fail, what), fail, what));
  } catch (err) {
    if (err instanceof RangeError) throw fail(`${what}: too complex`); // defence in depth: stack exhaustion
    throw err;
  }
}

/** Parses a `filter` parameter; throws `ScimError` 400 `invalidFilter`. */
export function parseFilter(text: unknown): FilterNode {
  return run(text, invalidFilter, 'Invalid filter', (p) => p.parseFilter());
}

/** Parses a PATCH operation's `path`; throws `ScimError` 400 `invalidPath`. */
export function parsePatchPath(text: unknown): PatchPath {
  return run(text, invalidPath, 'Invalid path', (p) => p.parsePatchPath());
}

// ------------------------------------------------------------------------------------------------- printer

export function printAttrPath(p: AttrPath): string {
  return (p.uri !== undefined ? p.uri + ':' : '') + p.attr + (p.sub !== undefined ? '.' + p.sub : '');
}

function printLiteral(v: Literal): string {
  return v === null ? 'null' : JSON.stringify(v);
}

/** Prints an AST as a filter that parses back to the same AST. */
export function printFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${printAttrPath(node.path)} ${node.op} ${printLiteral(node.value)}`;
    case 'present':
      return `${printAttrPath(node.path)} pr`;
    case 'and':
    case 'or':
      return node.filters
        .map((f) => (f.kind === 'and' || f.kind === 'or' ? `(${printFilter(f)})` : printFilter(f)))
        .join(` ${node.kind} `);
    case 'not':
      return `not (${printFilter(node.filter)})`;
    case 'valuePath': {
      const head = `${printAttrPath(node.path)}[${printFilter(node.filter)}]`;
      if (!node.tail) return head;
      const t = node.tail;
      return `${head}.${t.path.attr} ` + (t.kind === 'present' ? 'pr' : `${t.op} ${printLiteral(t.value)}`);
    }
  }
}

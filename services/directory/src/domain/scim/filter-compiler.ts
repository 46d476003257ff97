/**
 * Filter AST → MongoDB filter document over the stored layout (user-codec.ts, group-codec.ts); `sortBy` →
 * MongoDB sort. The output stays inside what the embedded engine (mingo) evaluates exactly like MongoDB:
 * - case-insensitive equality on a lower-cased shadow field is a plain equality (index-friendly); elsewhere
 *   `co`/`sw`/`ew` and case-insensitive `eq` are `$regex` over escaped text, anchored with `^` and
 *   `(?![\s\S])` (PCRE's `$` also matches before a final newline, JavaScript's does not);
 * - dateTime attributes compare as Dates, booleans as booleans (`gt`… on a boolean is invalidFilter);
 * - `pr` is "exists and not null/empty"; `ne` and `not` (`$nor`) match documents where the field is absent,
 *   as `not (a eq v)` would; on a multi-valued sub-attribute, `ne` and `pr` test one element
 *   (`$elemMatch`), as RFC 7644 §3.4.2.2 says ("matches if any of the values match");
 * - no whole-document equality and no sorting on array fields (sort keys are scalars: shadows such as
 *   `primaryEmailLower`, then `_id` to make the order total).
 * The compiler never adds `tenantId`: the caller's tenant wrapper does.
 *
 * Group membership is not in the group document: `members eq "u"` and `members[value eq "u"]` ask the
 * caller's context for the groups of those users and compile to `{_id: {$in: [...]}}`.
 */
import {
  parseFilter,
  printAttrPath,
  type AttrPath,
  type CompareNode,
  type FilterNode,
  type Literal,
  type PresentNode,
} from './filter-parser.js';
import { parseSortOrder } from './list-params.js';
import { coerceBoolean, parseDateTime } from './normalize.js';
import { invalidFilter, invalidValue } from './scim-error.js';
import { findAttribute, resolveAttributePath, targetName, type AttributeTarget } from './schema.js';
import { GROUP_STORAGE } from './group-codec.js';
import { USER_STORAGE } from './user-codec.js';
import type { FieldMapping, MongoFilter, MongoSort, StorageMapping } from './stored-layout.js';

export interface MemberLookup {
  /** The ids of the groups (of the caller's tenant) that have any of these users as members. */
  groupIdsOfMembers(userIds: string[]): Promise<string[]>;
}

/** Matches no document (MongoDB and mingo agree on an empty `$in`). */
export const MATCH_NONE: MongoFilter = Object.freeze({ _id: { $in: [] } });

const END = '(?![\\s\\S])';

/** Escapes text for a regex both PCRE and JavaScript read literally (NUL as \x00: BSON patterns are C strings). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replace(/\0/g, '\\x00');
}

/** A simple attribute, or a complex one with its sub-attribute. */
type Leaf = AttributeTarget;
type Comparable = Extract<FieldMapping, { kind: 'field' | 'element' }>;

interface Scope {
  storage: StorageMapping;
  ctx?: MemberLookup;
  /** Inside a value filter (`emails[...]`): the complex attribute whose sub-attributes are named. */
  parent?: AttributeTarget;
}

function describeLiteral(v: Literal) {
  return v === null ? 'null' : JSON.stringify(v);
}

function resolveTarget(scope: Scope, path: AttrPath): AttributeTarget {
  const full = printAttrPath(path);
  if (scope.parent) {
    const sub =
      path.uri === undefined && path.sub === undefined
        ? findAttribute(scope.parent.attr.subAttributes, path.attr)
        : undefined;
    if (!sub) throw invalidFilter(`Invalid filter: "${full}" is not a sub-attribute of ${targetName(scope.parent)}`);
    return { ...scope.parent, sub };
  }
  const alias = Object.entries(scope.storage.aliases ?? {}).find(
    ([name]) => name.toLowerCase() === full.toLowerCase(),
  )?.[1];
  const r = resolveAttributePath(scope.storage.resource, alias ?? full);
  if (!r)
    throw invalidFilter(`Invalid filter: unknown attribute "${full}" for ${scope.storage.resource.name} resources`);
  if (r.kind === 'extension') throw invalidFilter(`Invalid filter: "${full}" is a schema; name one of its attributes`);
  return r;
}

/** A complex attribute without a sub-attribute means its `value` (RFC 7644 §3.4.2.2: `emails co "x"`). */
function leafOf(t: AttributeTarget): Leaf | undefined {
  if (t.attr.type !== 'complex' || t.sub) return t;
  const value = findAttribute(t.attr.subAttributes, 'value');
  return value ? { ...t, sub: value } : undefined;
}

function comparable(scope: Scope, leaf: Leaf): Comparable | Extract<FieldMapping, { kind: 'constant' | 'members' }> {
  const m = scope.storage.field(leaf);
  if (m.kind === 'unsupported') throw invalidFilter(`Invalid filter: ${m.reason}`);
  return m;
}

function presentCondition(m: Comparable): Record<string, unknown> {
  return m.type === 'string' ? { $exists: true, $nin: [null, ''] } : { $exists: true, $ne: null };
}

/** The condition on one stored field for `op value` (value not null). */
function condition(m: Comparable, label: string, op: CompareNode['op'], value: Exclude<Literal, null>): unknown {
  const refuse = (why: string) => invalidFilter(`Invalid filter: "${op}" ${why} (${label})`);
  switch (m.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw refuse('cannot compare booleans; use eq or ne');
      const b = coerceBoolean(value);
      if (b === undefined)
        throw invalidFilter(
          `Invalid filter: ${label} is a boolean; compare it with true or false, not ${describeLiteral(value)}`,
        );
      return op === 'eq' ? b : { $ne: b };
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew')
        throw refuse('does not apply to dates; use eq, ne, gt, ge, lt or le');
      const d = parseDateTime(value);
      if (!d)
        throw invalidFilter(
          `Invalid filter: ${label} is a date and time; compare it with a quoted value such as "2011-05-13T04:42:34Z", not ${describeLiteral(value)}`,
        );
      return op === 'eq' ? d : { [`$${op === 'ne' ? 'ne' : op === 'ge' ? 'gte' : op === 'le' ? 'lte' : op}`]: d };
    }
    case 'number': {
      if (typeof value !== 'number')
        throw invalidFilter(
          `Invalid filter: ${label} is a number; compare it with a number, not ${describeLiteral(value)}`,
        );
      if (op === 'co' || op === 'sw' || op === 'ew') throw refuse('does not apply to numbers');
      return op === 'eq' ? value : { [`$${op === 'ge' ? 'gte' : op === 'le' ? 'lte' : op}`]: value };
    }
    case 'string': {
      let v: string;
      if (typeof value === 'string') v = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value))
        v = String(value); // unquoted digits
      else
        throw invalidFilter(
          `Invalid filter: ${label} is a string; put the value in double quotes (got ${describeLiteral(value)})`,
        );
      const folded = !m.caseExact && !m.lowered; // case-insensitive, no shadow field: regex with the i option
      if (m.lowered) v = v.toLowerCase();
      const regex = (pattern: string) => (folded ? { $regex: pattern, $options: 'i' } : { $regex: pattern });
      const esc = escapeRegex(v);
      switch (op) {
        case 'eq':
          return folded ? regex(`^${esc}${END}`) : v;
        case 'ne':
          return folded ? { $not: regex(`^${esc}${END}`) } : { $ne: v };
        case 'co':
          return regex(esc);
        case 'sw':
          return regex(`^${esc}`);
        case 'ew':
          return regex(`${esc}${END}`);
        default:
          // lexicographic; on a shadow field this is case-insensitive, elsewhere by code unit
          return { [`$${op === 'ge' ? 'gte' : op === 'le' ? 'lte' : op}`]: v };
      }
    }
  }
}

function evaluateConstant(constant: string, node: CompareNode | PresentNode, label: string): MongoFilter {
  if (node.kind === 'present') return {};
  const v = node.value;
  if (typeof v !== 'string')
    throw invalidFilter(`Invalid filter: ${label} is a string; put the value in double quotes`);
  const a = constant.toLowerCase();
  const b = v.toLowerCase();
  const hit = {
    eq: a === b,
    ne: a !== b,
    co: a.includes(b),
    sw: a.startsWith(b),
    ew: a.endsWith(b),
    gt: a > b,
    ge: a >= b,
    lt: a < b,
    le: a <= b,
  }[node.op];
  return hit ? {} : MATCH_NONE;
}

function and(filters: MongoFilter[]): MongoFilter {
  const flat = filters
    .flatMap((f) => (Object.keys(f).length === 1 && Array.isArray(f.$and) ? (f.$and as MongoFilter[]) : [f]))
    .filter((f) => Object.keys(f).length > 0);
  if (flat.length === 0) return {};
  return flat.length === 1 ? flat[0] : { $and: flat };
}

async function memberFilter(scope: Scope, userIds: string[]): Promise<MongoFilter> {
  if (!scope.ctx) throw invalidFilter('Invalid filter: members cannot be used in this filter');
  const groupIds = await scope.ctx.groupIdsOfMembers([...new Set(userIds)]);
  return { _id: { $in: [...new Set(groupIds)] } };
}

const MEMBERS_HINT =
  'members can only be matched by user id: members eq "<user id>", members.value eq "<user id>" or members[value eq "<user id>"]';

function memberId(node: FilterNode): string | undefined {
  if (
    node.kind !== 'compare' ||
    node.op !== 'eq' ||
    node.path.uri !== undefined ||
    node.path.sub !== undefined ||
    node.path.attr.toLowerCase() !== 'value'
  )
    return undefined;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' && Number.isSafeInteger(node.value)) return String(node.value);
  return undefined;
}

async function compileLeaf(scope: Scope, node: CompareNode | PresentNode): Promise<MongoFilter> {
  const target = resolveTarget(scope, node.path);
  const label = targetName(target);
  // `attr eq null` is "attr is absent" and `attr ne null` "attr is present"
  if (node.kind === 'compare' && node.value === null) {
    if (node.op !== 'eq' && node.op !== 'ne')
      throw invalidFilter(`Invalid filter: "${node.op} null" is meaningless (${label}); use "pr" or "eq null"`);
    const present = await compileLeaf(scope, { kind: 'present', path: node.path });
    return node.op === 'ne' ? present : { $nor: [present] };
  }
  const leaf = leafOf(target);
  if (!leaf) {
    if (node.kind !== 'present')
      throw invalidFilter(
        `Invalid filter: ${label} is a complex attribute; compare one of its sub-attributes (${(target.attr.subAttributes ?? []).map((s) => `${target.attr.name}.${s.name}`).join(', ')})`,
      );
    return presentComplex(scope, target);
  }
  const m = comparable(scope, leaf);
  if (m.kind === 'constant') return evaluateConstant(m.value, node, label);
  if (m.kind === 'members') {
    if (node.kind !== 'compare' || node.op !== 'eq') throw invalidFilter(`Invalid filter: ${MEMBERS_HINT}`);
    const id = memberId({ ...node, path: { attr: 'value' } });
    if (id === undefined) throw invalidFilter(`Invalid filter: ${MEMBERS_HINT}`);
    return memberFilter(scope, [id]);
  }
  const cond =
    node.kind === 'present' ? presentCondition(m) : condition(m, label, node.op, node.value as Exclude<Literal, null>);
  if (m.kind === 'field') return { [m.path]: cond };
  if (scope.parent) return { [m.rel]: cond }; // inside $elemMatch
  const elementWise = node.kind === 'present' || node.op === 'ne';
  return elementWise ? { [m.array]: { $elemMatch: { [m.rel]: cond } } } : { [`${m.array}.${m.rel}`]: cond };
}

/** `pr` on a complex attribute without a `value`: any element (multi-valued) or any sub-attribute present. */
function presentComplex(scope: Scope, target: AttributeTarget): MongoFilter {
  const subs = (target.attr.subAttributes ?? []).map((sub) => scope.storage.field({ ...target, sub }));
  if (target.attr.multiValued) {
    const el = subs.find((m) => m.kind === 'element');
    if (!el || el.kind !== 'element')
      throw invalidFilter(`Invalid filter: ${targetName(target)} cannot be used in a filter`);
    return { [`${el.array}.0`]: { $exists: true } };
  }
  const fields = subs.filter((m): m is Extract<FieldMapping, { kind: 'field' }> => m.kind === 'field');
  if (!fields.length) throw invalidFilter(`Invalid filter: ${targetName(target)} cannot be used in a filter`);
  const ors = fields.map((m) => ({ [m.path]: presentCondition(m) }));
  return ors.length === 1 ? ors[0] : { $or: ors };
}

async function compileValuePath(scope: Scope, node: Extract<FilterNode, { kind: 'valuePath' }>): Promise<MongoFilter> {
  if (scope.parent) throw invalidFilter('Invalid filter: value filters cannot be nested');
  const target = resolveTarget(scope, node.path);
  const label = targetName(target);
  if (target.attr.type !== 'complex' || target.sub)
    throw invalidFilter(
      `Invalid filter: ${label} is not a complex attribute; "[...]" applies to complex attributes such as emails`,
    );
  const valueSub = findAttribute(target.attr.subAttributes, 'value');
  if (valueSub && scope.storage.field({ ...target, sub: valueSub }).kind === 'members') {
    const ids: string[] = [];
    const alternatives = node.filter.kind === 'or' ? node.filter.filters : [node.filter];
    for (const alt of alternatives) {
      const id = memberId(alt);
      if (id === undefined || node.tail) throw invalidFilter(`Invalid filter: ${MEMBERS_HINT}`);
      ids.push(id);
    }
    return memberFilter(scope, ids);
  }
  const inner: Scope = { ...scope, parent: target };
  const parts = [await compileNode(inner, node.filter)];
  if (node.tail) parts.push(await compileNode(inner, node.tail));
  const cond = and(parts);
  if (!target.attr.multiValued) return cond; // a single complex attribute: conditions on dotted paths already
  const first = (target.attr.subAttributes ?? [])
    .map((sub) => scope.storage.field({ ...target, sub }))
    .find((m) => m.kind === 'element');
  if (!first || first.kind !== 'element') throw invalidFilter(`Invalid filter: ${label} cannot be used in a filter`);
  return { [first.array]: { $elemMatch: cond } };
}

async function compileNode(scope: Scope, node: FilterNode): Promise<MongoFilter> {
  switch (node.kind) {
    case 'compare':
    case 'present':
      return compileLeaf(scope, node);
    case 'valuePath':
      return compileValuePath(scope, node);
    case 'not':
      return { $nor: [await compileNode(scope, node.filter)] };
    case 'and':
      return and(await Promise.all(node.filters.map((f) => compileNode(scope, f))));
    case 'or': {
      const parts = await Promise.all(node.filters.map((f) => compileNode(scope, f)));
      if (parts.some((p) => Object.keys(p).length === 0)) return {}; // one branch matches everything
      return { $or: parts };
    }
  }
}

/**
 * Compiles a filter (text or AST) for one resource type. Throws `ScimError` 400 `invalidFilter` for
 * anything it cannot answer exactly; never adds `tenantId`.
 */
export async function compileFilter(
  filter: string | FilterNode,
  storage: StorageMapping,
  ctx?: MemberLookup,
): Promise<MongoFilter> {
  const ast = typeof filter === 'string' ? parseFilter(filter) : filter;
  return compileNode({ storage, ctx }, ast);
}

export function compileUserFilter(filter: string | FilterNode): Promise<MongoFilter> {
  return compileFilter(filter, USER_STORAGE);
}

export function compileGroupFilter(filter: string | FilterNode, ctx: MemberLookup): Promise<MongoFilter> {
  return compileFilter(filter, GROUP_STORAGE, ctx);
}

/**
 * `sortBy` + `sortOrder` → a MongoDB sort on a scalar stored field (the lower-cased shadow where the
 * attribute is case-insensitive), then `_id` so that pages are stable. Throws 400 invalidValue.
 */
export function compileSort(sortBy: string, sortOrder: string | undefined, storage: StorageMapping): MongoSort {
  const order = parseSortOrder(sortOrder) === 'descending' ? -1 : 1;
  const r = resolveAttributePath(storage.resource, sortBy.trim());
  if (!r || r.kind !== 'attribute')
    throw invalidValue(`sortBy: unknown attribute "${sortBy}" for ${storage.resource.name} resources`);
  const leaf = leafOf(r);
  const m = leaf ? storage.field(leaf) : undefined;
  const path = m && (m.kind === 'field' || m.kind === 'element') ? m.sortPath : undefined;
  if (!path)
    throw invalidValue(
      `sortBy: ${targetName(r)} cannot be sorted on${m?.kind === 'unsupported' ? ` (${m.reason})` : ''}`,
    );
  return path === '_id' ? { _id: order } : { [path]: order, _id: 1 };
}

export const compileUserSort = (sortBy: string, sortOrder?: string) => compileSort(sortBy, sortOrder, USER_STORAGE);
export const compileGroupSort = (sortBy: string, sortOrder?: string) => compileSort(sortBy, sortOrder, GROUP_STORAGE);

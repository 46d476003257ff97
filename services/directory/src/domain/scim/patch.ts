/**
 * The PATCH engine (RFC 7644 §3.5.2) on a SCIM representation. The result is validated with the same rules
 * as POST/PUT (user-input.ts, group-input.ts).
 *
 * Accepted forms (IDP-BEHAVIOUR.md): `op` in any case; paths `attr`, `attr.sub`, `urn:…:attr[.sub]`,
 * `attr[filter]`, `attr[filter].sub`; path-less add/replace whose value is keyed by plain, dotted,
 * URN-qualified or filtered names, or by an extension URN; "True"/"False" strings; the enterprise manager as
 * an id, `{value}` or `[{value}]`; Okta's path-less `{"id": <own id>, "displayName": …}` (an `id` equal to the
 * resource's own is ignored); Entra's `Remove members` with a value list (removes only those).
 *
 * Semantics where the RFC leaves room:
 * - add/replace on a single-valued complex attribute merges sub-attributes (`null` removes one);
 * - add to a multi-valued attribute merges into an element with the same `value` and `type`, replaces the
 *   element of the same `type` for attributes whose type is unique (emails, phoneNumbers, ims, photos,
 *   addresses), and appends otherwise; a value written with `primary: true` clears the others' primary;
 * - add with a value filter that matches nothing creates the element from the filter's equalities
 *   (`emails[type eq "work"].value` → `{type:"work", value}`); replace that matches nothing → noTarget;
 *   remove that matches nothing is a no-op (idempotent for retries);
 * - `attr.sub` on a multi-valued attribute without a filter targets the primary element, else the only one;
 * - `null` as a value means absent; `password` is accepted and ignored (Okta password sync).
 *
 * Group members are never applied to an in-memory list: they become `MembershipChange`s for the caller.
 */
import { memberIdsOf, validateGroup, type ValidatedGroup } from './group-input.js';
import { parsePatchPath, printAttrPath, printFilter, type FilterNode, type PatchPath } from './filter-parser.js';
import { checkPatchOperationCount, checkValueCount, DEFAULT_SCIM_LIMITS, type ScimLimits } from './limits.js';
import { canonicalize, coerceBoolean, isPlainObject, textOf } from './normalize.js';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, ScimError } from './scim-error.js';
import {
  eqIgnoreCase,
  findAttribute,
  GROUP_RESOURCE,
  PLATFORM_USER_SCHEMA,
  resolveAttributePath,
  targetName,
  USER_RESOURCE,
  type AttributeDef,
  type AttributeTarget,
  type ResourceSchema,
  type SchemaDef,
} from './schema.js';
import type { ScimObject } from './stored-layout.js';
import { TYPE_UNIQUE_ATTRIBUTES, validateUser, type ValidatedUser } from './user-input.js';
import { matchesValueFilter, seedFromFilter } from './value-filter.js';
import { checkForeignExtension, isForeignExtension } from './foreign-extensions.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

/** A membership change for the caller to apply atomically, in order. */
export type MembershipChange =
  | { op: 'add'; userIds: string[] }
  | { op: 'remove'; userIds: string[] }
  | { op: 'replace'; userIds: string[] }
  | { op: 'removeAll' };

const keyOf = (obj: Record<string, unknown>, name: string) => Object.keys(obj).find((k) => eqIgnoreCase(k, name));

/** Reads a PatchOp body (the `schemas` member is not required: some clients omit it). */
export function parsePatchRequest(body: unknown, limits: ScimLimits = DEFAULT_SCIM_LIMITS): PatchOperation[] {
  if (!isPlainObject(body)) throw invalidSyntax('a PATCH body must be a JSON object with "Operations"');
  const k = keyOf(body, 'Operations');
  const ops = k === undefined ? undefined : body[k];
  if (!Array.isArray(ops) || ops.length === 0)
    throw invalidSyntax('a PATCH body needs "Operations": a non-empty list of operations');
  checkPatchOperationCount(ops.length, limits);
  return ops.map((raw, i) => {
    if (!isPlainObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const opKey = keyOf(raw, 'op');
    const op = opKey === undefined ? undefined : raw[opKey];
    const name = typeof op === 'string' ? op.trim().toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove')
      throw invalidSyntax(
        `Operations[${i}].op must be "add", "replace" or "remove" (got ${JSON.stringify(op ?? null)})`,
      );
    const pathKey = keyOf(raw, 'path');
    const path = pathKey === undefined ? undefined : raw[pathKey];
    if (path !== undefined && path !== null && typeof path !== 'string')
      throw invalidPath(`Operations[${i}].path must be a string`);
    const valueKey = keyOf(raw, 'value');
    return {
      op: name,
      ...(typeof path === 'string' && path.trim() ? { path: path.trim() } : {}),
      ...(valueKey !== undefined ? { value: raw[valueKey] } : {}),
    };
  });
}

interface Engine {
  rs: ResourceSchema;
  work: ScimObject;
  ownId?: string;
  /** Set for groups: member operations land here. */
  membership?: MembershipChange[];
  /** Canonical names of the attributes changed (an extension URN for a whole extension). */
  touched: Set<string>;
  limits: ScimLimits;
}

type Target = { kind: 'extension'; schema: SchemaDef } | { kind: 'attribute'; t: AttributeTarget; filter?: FilterNode };

function resolvePatchPath(e: Engine, pp: PatchPath, raw: string): Target | undefined {
  const full = printAttrPath(pp.path);
  const r = resolveAttributePath(e.rs, full);
  if (!r) return undefined;
  if (r.kind === 'extension') {
    if (pp.filter || pp.sub)
      throw invalidPath(`"${raw}": ${r.schema.id} is a schema; a filter applies to an attribute`);
    return { kind: 'extension', schema: r.schema };
  }
  if (!pp.filter) return { kind: 'attribute', t: r };
  if (r.attr.type !== 'complex' || !r.attr.multiValued)
    throw invalidPath(
      `"${raw}": ${targetName(r)} is not a multi-valued attribute; "[...]" selects values of attributes such as emails`,
    );
  let sub: AttributeDef | undefined;
  if (pp.sub !== undefined) {
    sub = findAttribute(r.attr.subAttributes, pp.sub);
    if (!sub) throw invalidPath(`"${raw}": ${pp.sub} is not a sub-attribute of ${targetName(r)}`);
  }
  return { kind: 'attribute', t: { ...r, ...(sub ? { sub } : {}) }, filter: pp.filter };
}

function containerFor(e: Engine, t: AttributeTarget, create: boolean): ScimObject | undefined {
  if (!t.extension) return e.work;
  const c = e.work[t.schema.id];
  if (isPlainObject(c)) return c;
  if (!create) return undefined;
  return (e.work[t.schema.id] = {});
}

const asList = (v: unknown): unknown[] =>
  Array.isArray(v) ? [...(v as unknown[])] : v === undefined || v === null ? [] : [v];
const isPrimary = (el: unknown) => isPlainObject(el) && coerceBoolean(el.primary) === true;

/** A complex value as an object: an id for attributes with `value`, one element of a list for single ones. */
function asComplex(attr: AttributeDef, v: unknown, label: string): ScimObject {
  if (Array.isArray(v) && !attr.multiValued && v.length === 1) v = v[0];
  if (isPlainObject(v)) return v;
  if ((typeof v === 'string' || typeof v === 'number') && findAttribute(attr.subAttributes, 'value'))
    return { value: v };
  throw invalidValue(`${label} needs an object of sub-attributes`);
}

/** Writes `value` over an object's sub-attributes (canonical names; null removes). */
function mergeInto(attr: AttributeDef, target: ScimObject, value: ScimObject) {
  for (const [k, v] of Object.entries(value)) {
    const sub = findAttribute(attr.subAttributes, k);
    const key = sub?.name ?? k;
    const existing = keyOf(target, key);
    if (existing !== undefined && existing !== key) delete target[existing];
    if (v === null) delete target[key];
    else target[key] = v;
  }
}

/** Whether an element is one a remove's value names: same `value` (and same `type` when one is given). */
function matchesGiven(attr: AttributeDef, el: ScimObject, given: ScimObject): boolean {
  const valueDef = findAttribute(attr.subAttributes, 'value');
  const v = keyOf(given, 'value');
  if (!valueDef || v === undefined) return false;
  const norm = (x: unknown) => (typeof x === 'string' && !valueDef.caseExact ? x.toLowerCase() : x);
  if (norm(el.value) !== norm(given[v])) return false;
  const type = given[keyOf(given, 'type') ?? 'type'];
  return typeof type !== 'string' || (typeof el.type === 'string' && eqIgnoreCase(el.type, type));
}

/** The key `matchesGiven` compares values by (case-folded unless caseExact). */
function valueKeyOf(attr: AttributeDef, v: unknown): unknown {
  const valueDef = findAttribute(attr.subAttributes, 'value');
  return typeof v === 'string' && !valueDef?.caseExact ? v.toLowerCase() : v;
}

/** The values a remove names, grouped by value key, so that removing n of m values costs O(n + m). */
function doomedByValue(attr: AttributeDef, doomed: ScimObject[]): Map<unknown, ScimObject[]> {
  const out = new Map<unknown, ScimObject[]>();
  for (const d of doomed) {
    const v = keyOf(d, 'value');
    if (v === undefined) continue;
    const k = valueKeyOf(attr, d[v]);
    const list = out.get(k);
    if (list) list.push(d);
    else out.set(k, [d]);
  }
  return out;
}

/** Deep equality of JSON values, ignoring key order; absent, null, [] and {} are all "empty". */
function sameJson(a: unknown, b: unknown): boolean {
  const empty = (x: unknown) =>
    x === undefined ||
    x === null ||
    (Array.isArray(x) && x.length === 0) ||
    (isPlainObject(x) && Object.keys(x).length === 0);
  if (empty(a) || empty(b)) return empty(a) && empty(b);
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameJson(a[k], b[k]));
  }
  return a === b;
}

/**
 * Lookups into a multi-valued attribute's list in constant time, so that adding n values costs O(n), not
 * O(n²) (one PATCH adding 15,000 e-mails once held the directory for ~24 s): the first element with the same
 * `value` and `type` (case-insensitively unless `value` is caseExact), the first element of a type for the type-unique attributes, and the
 * primitive values present.
 */
class ElementIndex {
  private readonly byValue = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly primitives = new Set<unknown>();
  private readonly caseExact: boolean;
  private readonly hasValue: boolean;
  private readonly typeUnique: boolean;

  constructor(
    attr: AttributeDef,
    name: string,
    private readonly list: unknown[],
  ) {
    const valueDef = findAttribute(attr.subAttributes, 'value');
    this.hasValue = valueDef !== undefined;
    this.caseExact = valueDef?.caseExact === true;
    this.typeUnique = (TYPE_UNIQUE_ATTRIBUTES as readonly string[]).includes(name);
    list.forEach((el, i) => this.add(el, i));
  }

  /** `sameElement`'s notion of identity as a key; undefined when the element can equal no other. */
  private valueKey(el: ScimObject): string | undefined {
    if (!this.hasValue || el.value === undefined) return undefined;
    const v = el.value;
    if (v !== null && typeof v === 'object') return undefined; // compared by reference: never equal to a copy
    const norm = typeof v === 'string' && !this.caseExact ? v.toLowerCase() : v;
    const type = typeof el.type === 'string' ? el.type.toLowerCase() : undefined;
    return `${typeof v}:${textOf(norm)}\u0000${type === undefined ? '\u0001' : `s:${type}`}`;
  }

  private add(el: unknown, i: number) {
    if (!isPlainObject(el)) {
      this.primitives.add(el);
      return;
    }
    const k = this.valueKey(el);
    if (k !== undefined && !this.byValue.has(k)) this.byValue.set(k, i);
    if (this.typeUnique && typeof el.type === 'string' && !this.byType.has(el.type.toLowerCase()))
      this.byType.set(el.type.toLowerCase(), i);
  }

  hasPrimitive(v: unknown) {
    return this.primitives.has(v);
  }
  same(el: ScimObject): number {
    const k = this.valueKey(el);
    return k === undefined ? -1 : (this.byValue.get(k) ?? -1);
  }
  typed(el: ScimObject): number {
    return this.typeUnique && typeof el.type === 'string' ? (this.byType.get(el.type.toLowerCase()) ?? -1) : -1;
  }
  push(el: unknown) {
    this.list.push(el);
    this.add(el, this.list.length - 1);
  }
  /** Replaces the element at i (same type); its value key now names the new element. */
  replace(i: number, el: ScimObject) {
    const old = this.list[i];
    if (isPlainObject(old)) {
      const k = this.valueKey(old);
      if (k !== undefined && this.byValue.get(k) === i) this.byValue.delete(k);
    }
    this.list[i] = el;
    const k = this.valueKey(el);
    if (k !== undefined && !this.byValue.has(k)) this.byValue.set(k, i);
  }
}

function clearOtherPrimaries(list: unknown[], written: unknown[]) {
  const winner = written.find(isPrimary);
  if (!winner) return;
  for (const el of list) if (el !== winner && isPrimary(el)) (el as ScimObject).primary = false;
}

function store(c: ScimObject, name: string, list: unknown[]) {
  if (list.length) c[name] = list;
  else delete c[name];
}

/** add/replace without a value filter. */
function write(e: Engine, op: 'add' | 'replace', t: AttributeTarget, value: unknown) {
  const label = targetName(t);
  if (value === null || (Array.isArray(value) && value.length === 0 && !t.attr.multiValued))
    return remove(e, t, undefined);
  const c = containerFor(e, t, true)!;
  const name = t.attr.name;
  if (t.sub) {
    if (t.attr.multiValued) {
      const list = asList(c[name]).map((el): ScimObject => (isPlainObject(el) ? el : { value: el }));
      let targets = list.filter(isPrimary);
      if (!targets.length && list.length === 1) targets = list;
      if (!targets.length && list.length > 1)
        throw invalidPath(
          `${t.attr.name} has ${list.length} values; select one with a filter such as ${t.attr.name}[type eq "work"].${t.sub.name}`,
        );
      if (!targets.length) {
        const created: ScimObject = {};
        list.push(created);
        targets = [created];
      }
      for (const el of targets) el[t.sub.name] = value;
      c[name] = list;
    } else {
      const obj = isPlainObject(c[name]) ? { ...(c[name] as ScimObject) } : {};
      mergeInto(t.attr, obj, { [t.sub.name]: value });
      c[name] = obj;
    }
    return;
  }
  if (t.attr.type === 'complex' && !t.attr.multiValued) {
    const obj = isPlainObject(c[name]) ? { ...(c[name] as ScimObject) } : {};
    mergeInto(t.attr, obj, asComplex(t.attr, value, label));
    if (Object.keys(obj).length) c[name] = obj;
    else delete c[name];
    return;
  }
  if (t.attr.multiValued) {
    const values = (Array.isArray(value) ? (value as unknown[]) : [value]).filter((v) => v !== null && v !== undefined);
    if (op === 'replace') {
      store(c, name, values);
      return;
    }
    const list = asList(c[name]);
    const index = new ElementIndex(t.attr, name, list);
    const written: unknown[] = [];
    for (const v of values) {
      const el = t.attr.type === 'complex' ? { ...asComplex(t.attr, v, label) } : v;
      if (!isPlainObject(el)) {
        if (!index.hasPrimitive(el)) index.push(el);
        continue;
      }
      const same = index.same(el);
      const typed = same < 0 ? index.typed(el) : -1;
      if (same >= 0) {
        const merged = { ...(list[same] as ScimObject) };
        mergeInto(t.attr, merged, el);
        list[same] = merged;
        written.push(merged);
      } else if (typed >= 0) {
        index.replace(typed, el);
        written.push(el);
      } else {
        index.push(el);
        written.push(el);
      }
    }
    checkValueCount(label, list.length, e.limits);
    clearOtherPrimaries(list, written);
    store(c, name, list);
    return;
  }
  c[name] = value;
}

/** Operations with a value filter: `emails[type eq "work"]`, `emails[type eq "work"].value`. */
function writeFiltered(
  e: Engine,
  op: 'add' | 'replace' | 'remove',
  t: AttributeTarget,
  filter: FilterNode,
  value: unknown,
) {
  const label = `${targetName({ ...t, sub: undefined })}[${printFilter(filter)}]${t.sub ? '.' + t.sub.name : ''}`;
  const c = containerFor(e, t, op !== 'remove');
  const name = t.attr.name;
  const list = asList(c?.[name]).map((el): ScimObject => (isPlainObject(el) ? { ...el } : { value: el }));
  let matches = list.filter((el) => matchesValueFilter(t.attr, el, filter));
  if (op === 'remove') {
    if (!c) return;
    if (t.sub) for (const el of matches) delete el[keyOf(el, t.sub.name) ?? t.sub.name];
    store(c, name, t.sub ? list : list.filter((el) => !matches.includes(el)));
    return;
  }
  if (value === null || value === undefined) {
    if (op === 'replace' && !matches.length) throw noTarget(`no value matches ${label}`);
    return writeFiltered(e, 'remove', t, filter, undefined);
  }
  if (!matches.length) {
    const seed = op === 'add' ? seedFromFilter(t.attr, filter) : undefined;
    if (!seed) throw noTarget(`no value matches ${label}`);
    list.push(seed);
    matches = [seed];
  }
  for (const el of matches) {
    if (t.sub) {
      mergeInto(t.attr, el, { [t.sub.name]: value });
    } else if (op === 'add') {
      mergeInto(t.attr, el, asComplex(t.attr, value, label));
    } else {
      // replace: the matching values are replaced (RFC 7644 §3.5.2.3)
      for (const k of Object.keys(el)) delete el[k];
      mergeInto(t.attr, el, asComplex(t.attr, value, label));
    }
  }
  clearOtherPrimaries(list, matches);
  store(c!, name, list);
}

/** remove without a value filter; `value` (Entra) names the values of a multi-valued attribute to remove. */
function remove(e: Engine, t: AttributeTarget, value: unknown) {
  const c = containerFor(e, t, false);
  if (!c) return;
  const name = t.attr.name;
  if (t.sub) {
    if (t.attr.multiValued) {
      store(
        c,
        name,
        asList(c[name]).map((el) => {
          if (!isPlainObject(el)) return el;
          const copy = { ...el };
          delete copy[keyOf(copy, t.sub!.name) ?? t.sub!.name];
          return copy;
        }),
      );
    } else if (isPlainObject(c[name])) {
      const obj = { ...(c[name] as ScimObject) };
      delete obj[keyOf(obj, t.sub.name) ?? t.sub.name];
      if (Object.keys(obj).length) c[name] = obj;
      else delete c[name];
    }
    return;
  }
  if (t.attr.multiValued && value !== undefined && value !== null) {
    const doomed = (Array.isArray(value) ? value : [value]).map((v) => (isPlainObject(v) ? v : { value: v }));
    const byValue = doomedByValue(t.attr, doomed);
    store(
      c,
      name,
      asList(c[name]).filter(
        (el) =>
          !(byValue.get(valueKeyOf(t.attr, isPlainObject(el) ? el.value : el)) ?? []).some((d) =>
            matchesGiven(t.attr, isPlainObject(el) ? el : { value: el }, d),
          ),
      ),
    );
    return;
  }
  delete c[name];
  if (t.extension && !Object.keys(c).length) delete e.work[t.schema.id];
}

function addMembership(e: Engine, change: MembershipChange) {
  const list = e.membership!;
  const last = list[list.length - 1];
  if (last && change.op !== 'removeAll' && change.op !== 'replace' && last.op === change.op) {
    last.userIds = [...new Set([...last.userIds, ...change.userIds])];
  } else list.push(change);
}

const MEMBER_FILTER_HINT =
  'members are selected by user id only: members[value eq "<user id>"] (or several joined with "or")';

function memberIdsOfFilter(filter: FilterNode): string[] {
  const alternatives = filter.kind === 'or' ? filter.filters : [filter];
  return alternatives.map((f) => {
    if (
      f.kind !== 'compare' ||
      f.op !== 'eq' ||
      f.path.uri !== undefined ||
      f.path.sub !== undefined ||
      !eqIgnoreCase(f.path.attr, 'value') ||
      typeof f.value !== 'string'
    )
      throw invalidPath(MEMBER_FILTER_HINT);
    return f.value;
  });
}

function membersOp(e: Engine, op: PatchOpName, t: AttributeTarget, filter: FilterNode | undefined, value: unknown) {
  if (t.sub) throw invalidPath(`members takes no sub-attribute here; use "members" or ${MEMBER_FILTER_HINT}`);
  if (op === 'remove') {
    if (filter) addMembership(e, { op: 'remove', userIds: memberIdsOfFilter(filter) });
    else if (value !== undefined && value !== null) {
      const ids = memberIdsOf(value);
      if (ids.length) addMembership(e, { op: 'remove', userIds: ids });
    } else addMembership(e, { op: 'removeAll' });
    return;
  }
  if (filter) throw invalidPath(`${op} takes the path "members" without a filter (remove and add members instead)`);
  const ids = memberIdsOf(value);
  if (op === 'replace') addMembership(e, { op: 'replace', userIds: ids });
  else if (ids.length) addMembership(e, { op: 'add', userIds: ids });
}

function currentValue(e: Engine, t: AttributeTarget): unknown {
  if (t.attr.name === 'id' && !t.extension) return e.ownId;
  const c = containerFor(e, t, false);
  const v = c?.[t.attr.name];
  return t.sub ? (isPlainObject(v) ? v[t.sub.name] : undefined) : v;
}

function applyToTarget(e: Engine, op: PatchOpName, target: Target, value: unknown) {
  if (target.kind === 'extension') {
    e.touched.add(target.schema.id);
    if (op === 'remove' || value === null) {
      delete e.work[target.schema.id];
      return;
    }
    if (!isPlainObject(value))
      throw invalidValue(`${target.schema.id} needs an object of ${target.schema.name} attributes`);
    if (op === 'replace') e.work[target.schema.id] = {};
    for (const [k, v] of Object.entries(value)) applyKey(e, op, `${target.schema.id}:${k}`, v);
    return;
  }
  const { t, filter } = target;
  const label = targetName(t);
  if (t.attr.mutability === 'readOnly' || t.sub?.mutability === 'readOnly') {
    // Okta repeats the group's own id in a path-less rename; clients that send back what they read repeat
    // meta: a read-only attribute given its current value is accepted and ignored
    if (op !== 'remove' && !filter && sameJson(value, currentValue(e, t))) return;
    throw mutability(`${label} is read-only and cannot be changed`);
  }
  if (t.attr.mutability === 'writeOnly') return; // password: accepted, never stored
  e.touched.add(t.extension ? `${t.schema.id}:${t.attr.name}` : t.attr.name);
  if (e.membership && e.rs === GROUP_RESOURCE && t.attr.name === 'members') return membersOp(e, op, t, filter, value);
  if (filter) return writeFiltered(e, op, t, filter, value);
  // an unassigned active would read back as true (the create default): refuse instead of reactivating
  if (op === 'remove' && e.rs === USER_RESOURCE && !t.extension && t.attr.name === 'active')
    throw mutability('active cannot be removed; replace it with false to deactivate the user');
  if (op === 'remove') return remove(e, t, value);
  return write(e, op, t, value);
}

/** One key of a path-less value: a path of its own. Unknown attributes are ignored, as in POST. */
function applyKey(e: Engine, op: 'add' | 'replace', key: string, value: unknown) {
  if (eqIgnoreCase(key, 'schemas')) return;
  if (isForeignExtension(key)) return writeForeign(e, op, key, value);
  let pp: PatchPath;
  try {
    pp = parsePatchPath(key);
  } catch (err) {
    if (key.includes('[')) throw err;
    return;
  }
  const target = resolvePatchPath(e, pp, key);
  if (target) applyToTarget(e, op, target, value);
}

/** A custom extension (`urn:okta:…`) is opaque: replaced whole, or removed (foreign-extensions.ts). */
function writeForeign(e: Engine, op: PatchOpName, key: string, value: unknown) {
  if (op === 'remove' || value === null) {
    delete e.work[key];
    return;
  }
  e.work[key] = checkForeignExtension(key, value);
}

function applyOperation(e: Engine, o: PatchOperation) {
  if (o.path === undefined) {
    if (o.op === 'remove') throw noTarget('remove needs a "path" naming what to remove');
    if (!isPlainObject(o.value))
      throw invalidValue(`${o.op} without a "path" needs an object of attributes as its value`);
    for (const [k, v] of Object.entries(o.value)) applyKey(e, o.op, k, v);
    return;
  }
  if ((o.op === 'add' || o.op === 'replace') && o.value === undefined) throw invalidValue(`${o.op} needs a "value"`);
  if (isForeignExtension(o.path)) return writeForeign(e, o.op, o.path, o.value);
  const target = resolvePatchPath(e, parsePatchPath(o.path), o.path);
  if (!target) throw invalidPath(`"${o.path}" is not an attribute of ${e.rs.name} resources`);
  applyToTarget(e, o.op, target, o.value);
}

function run(
  rs: ResourceSchema,
  resource: ScimObject,
  body: unknown,
  membership: MembershipChange[] | undefined,
  limits: ScimLimits,
): Engine {
  const ops = parsePatchRequest(body, limits);
  if (!isPlainObject(resource)) throw invalidSyntax(`the ${rs.name} to patch must be an object`);
  const idKey = keyOf(resource, 'id');
  const ownId = idKey === undefined ? undefined : resource[idKey];
  const e: Engine = {
    rs,
    work: canonicalize(rs, structuredClone(resource)),
    ...(typeof ownId === 'string' ? { ownId } : {}),
    ...(membership ? { membership } : {}),
    touched: new Set(),
    limits,
  };
  if (membership) delete e.work.members;
  ops.forEach((o, i) => {
    try {
      applyOperation(e, o);
    } catch (err) {
      if (err instanceof ScimError)
        throw new ScimError(
          err.status,
          `Operations[${i}] (${o.op}${o.path ? ` ${o.path}` : ''}): ${err.detail}`,
          err.scimType,
        );
      throw err;
    }
  });
  return e;
}

/** Applies a PatchOp body to a user's representation and validates the result. */
export function applyUserPatch(
  resource: ScimObject,
  body: unknown,
  limits: ScimLimits = DEFAULT_SCIM_LIMITS,
): { resource: ScimObject; user: ValidatedUser } {
  const e = run(USER_RESOURCE, resource, body, undefined, limits);
  // core roles changed but not the platform role: the role follows roles (the extension would win otherwise)
  const platform = e.work[PLATFORM_USER_SCHEMA];
  if (
    e.touched.has('roles') &&
    !e.touched.has(PLATFORM_USER_SCHEMA) &&
    !e.touched.has(`${PLATFORM_USER_SCHEMA}:role`) &&
    isPlainObject(platform)
  ) {
    delete platform.role;
    if (!Object.keys(platform).length) delete e.work[PLATFORM_USER_SCHEMA];
  }
  const user = validateUser(e.work, limits);
  return { resource: user.resource, user };
}

/**
 * Applies a PatchOp body to a group's representation (without members) and validates the result; member
 * operations come back as `membership`, in order, for the caller to apply atomically.
 */
export function applyGroupPatch(
  resource: ScimObject,
  body: unknown,
  limits: ScimLimits = DEFAULT_SCIM_LIMITS,
): { resource: ScimObject; group: ValidatedGroup; membership: MembershipChange[] } {
  const membership: MembershipChange[] = [];
  const e = run(GROUP_RESOURCE, resource, body, membership, limits);
  delete e.work.members;
  const group = validateGroup(e.work);
  return { resource: group.resource, group, membership };
}

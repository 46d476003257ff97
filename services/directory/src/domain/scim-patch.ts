/**
 * PATCH (RFC 7644 §3.5.2) on a SCIM representation, in every form Okta and Entra send: ops in any case, paths
 * plain, dotted, URN-qualified or value-filtered, path-less ops keyed by dotted or URN names, string booleans.
 * Group members are never patched in memory: operations on `members` become membership changes.
 */
import type { MembershipChange } from '../store/membership-store.js';
import { getCi } from './scim-codec.js';
import { ScimFault } from './scim-fault.js';
import { parseFilter, splitUrn, type FilterNode, type Literal } from './scim-filter.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalidPath = (d: string) => new ScimFault(400, d, 'invalidPath');
const noTarget = (d: string) => new ScimFault(400, d, 'noTarget');
const mutability = (d: string) => new ScimFault(400, d, 'mutability');
const invalidSyntax = (d: string) => new ScimFault(400, d, 'invalidSyntax');
const invalidValue = (d: string) => new ScimFault(400, d, 'invalidValue');

export interface PatchTarget {
  core: string;
  /** Extension URNs whose attributes live in an object keyed by the URN. */
  extensions: string[];
  /** Canonical top-level names of the core schema (for case-insensitive resolution). */
  coreAttributes: string[];
  /** Canonical attribute names of each extension. */
  extensionAttributes: Record<string, string[]>;
  multiValued: Set<string>;
  readOnly: Set<string>;
  /** Groups: the path of the member list, handled as membership changes. */
  membersAttribute?: string;
}

interface ParsedPath {
  schema: string;
  attr: string;
  filter?: FilterNode;
  sub?: string;
}

function canonical(names: string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower);
}

function parsePath(raw: string, t: PatchTarget): ParsedPath {
  if (typeof raw !== 'string' || !raw.trim()) throw invalidPath('"path" must be a non-empty string');
  const path = raw.trim();
  const bracket = path.indexOf('[');
  let head = path;
  let filter: FilterNode | undefined;
  let tail: string | undefined;
  if (bracket >= 0) {
    const close = path.lastIndexOf(']');
    if (close < bracket) throw invalidPath(`unbalanced "[" in path "${raw}"`);
    head = path.slice(0, bracket);
    try {
      filter = parseFilter(path.slice(bracket + 1, close));
    } catch (err) {
      throw invalidPath(`invalid value filter in path "${raw}": ${(err as Error).message}`);
    }
    const rest = path.slice(close + 1);
    if (rest && !rest.startsWith('.')) throw invalidPath(`unexpected "${rest}" after "]" in path "${raw}"`);
    tail = rest ? rest.slice(1) : undefined;
  }
  let split: { schema: string; path: string };
  try {
    split = splitUrn(head, [t.core, ...t.extensions], t.core);
  } catch {
    throw invalidPath(`unknown schema in path "${raw}"`);
  }
  const names = split.schema === t.core ? t.coreAttributes : (t.extensionAttributes[split.schema] ?? []);
  const [attrRaw, subRaw, more] = split.path.split('.');
  if (more !== undefined) throw invalidPath(`path "${raw}" is nested too deeply`);
  let attr = canonical(names, attrRaw);
  let schema = split.schema;
  if (!attr && schema === t.core) {
    // Entra documents {"path":"manager"} without the extension URN
    for (const ext of t.extensions) {
      const found = canonical(t.extensionAttributes[ext] ?? [], attrRaw);
      if (found) {
        attr = found;
        schema = ext;
        break;
      }
    }
  }
  if (!attr) throw invalidPath(`"${raw}" does not name an attribute of this resource`);
  const sub = tail ?? subRaw;
  if (filter && subRaw !== undefined) throw invalidPath(`path "${raw}" mixes a sub-attribute and a value filter`);
  return { schema, attr, filter, sub };
}

/** Evaluates a value filter on one element of a multi-valued attribute (in memory). */
function matches(node: FilterNode, el: unknown): boolean {
  const obj: Json = isObject(el) ? el : { value: el };
  switch (node.kind) {
    case 'and':
      return matches(node.left, el) && matches(node.right, el);
    case 'or':
      return matches(node.left, el) || matches(node.right, el);
    case 'not':
      return !matches(node.inner, el);
    case 'present': {
      const v = getCi(obj, node.path);
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare':
      return compareValue(getCi(obj, node.path), node.op, node.value);
    case 'complex':
      return false;
  }
}

function compareValue(actual: unknown, op: string, expected: Literal): boolean {
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    const a = typeof actual === 'string' ? actual.toLowerCase() === 'true' : actual;
    const e = typeof expected === 'string' ? expected.toLowerCase() === 'true' : expected;
    return op === 'eq' ? a === e : op === 'ne' ? a !== e : false;
  }
  if (expected === null) return op === 'eq' ? actual === undefined || actual === null : actual !== undefined && actual !== null;
  const a = String(actual ?? '').toLowerCase();
  const e = String(expected).toLowerCase();
  switch (op) {
    case 'eq':
      return actual !== undefined && a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
  return false;
}

function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((m) => {
    const id = isObject(m) ? getCi(m, 'value') : m;
    if (typeof id !== 'string' || !id) throw invalidValue('every member needs a "value" (the id of a user)');
    return id;
  });
}

/** Where the attribute's value lives in the representation: the resource itself or its extension object. */
function container(resource: Json, schema: string, t: PatchTarget, create: boolean): Json | undefined {
  if (schema === t.core) return resource;
  const key = Object.keys(resource).find((k) => k.toLowerCase() === schema.toLowerCase()) ?? schema;
  let ext = resource[key];
  if (!isObject(ext)) {
    if (!create) return undefined;
    ext = {};
    resource[key] = ext;
    const schemas = Array.isArray(resource.schemas) ? (resource.schemas as string[]) : [];
    if (!schemas.includes(schema)) resource.schemas = [...schemas, schema];
  }
  return ext as Json;
}

export function applyPatch(resource: Json, body: unknown, t: PatchTarget): { resource: Json; membership: MembershipChange[] } {
  if (!isObject(body)) throw invalidSyntax('a PATCH body must be a JSON object with "Operations"');
  const ops = getCi(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('"Operations" must be a non-empty array');
  const out: Json = structuredClone(resource);
  const membership: MembershipChange[] = [];
  const ownId = resource.id;

  const apply = (op: 'add' | 'replace' | 'remove', p: ParsedPath, value: unknown) => {
    const key = p.attr;
    if (p.schema === t.core && t.membersAttribute && key === t.membersAttribute) {
      if (p.sub) throw invalidPath('members can only be changed as a whole or with members[value eq "<id>"]');
      if (p.filter) {
        if (op !== 'remove') throw invalidPath('value filters on members are supported for "remove" only');
        const f = p.filter;
        if (f.kind === 'compare' && f.path.toLowerCase() === 'value' && f.op === 'eq' && typeof f.value === 'string') membership.push({ op: 'remove', userIds: [f.value] });
        else throw invalidPath('members can only be filtered as members[value eq "<user id>"]');
      } else if (op === 'add') membership.push({ op: 'add', userIds: memberIds(value) });
      else if (op === 'replace') membership.push({ op: 'replace', userIds: memberIds(value) });
      else if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) membership.push({ op: 'remove', userIds: memberIds(value) }); // Entra: remove only the listed members
      else membership.push({ op: 'removeAll' });
      return;
    }
    if (p.schema === t.core && key === 'id') {
      if (op !== 'remove' && value === ownId) return; // Okta sends the group's own id with a rename
      throw mutability('"id" is assigned by the server and cannot be changed');
    }
    if (p.schema === t.core && (t.readOnly.has(key) || key === 'meta' || key === 'schemas')) {
      if (key === 'schemas' || key === 'meta' || key === 'groups') return; // read-only data echoed back: ignored, as on PUT
      throw mutability(`"${key}" is read-only`);
    }
    const c = container(out, p.schema, t, op !== 'remove');
    if (!c) {
      if (op === 'remove') return;
      throw invalidPath(`cannot change ${p.schema}`);
    }
    const multi = p.schema === t.core && t.multiValued.has(key);
    const current = getCi(c, key);
    const realKey = Object.keys(c).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;

    if (p.filter) {
      if (!multi) throw invalidPath(`"${key}" is not multi-valued; a value filter cannot be used`);
      const list = Array.isArray(current) ? (current as unknown[]) : [];
      const hits = list.map((el, i) => (matches(p.filter!, el) ? i : -1)).filter((i) => i >= 0);
      if (op === 'remove') {
        if (!p.sub) c[realKey] = list.filter((_, i) => !hits.includes(i));
        else for (const i of hits) if (isObject(list[i])) delete (list[i] as Json)[Object.keys(list[i] as Json).find((k) => k.toLowerCase() === p.sub!.toLowerCase()) ?? p.sub];
        return;
      }
      if (!hits.length) {
        if (op === 'replace' || !p.sub) throw noTarget(`no value of "${key}" matches the filter`);
        // add with a filter and a sub-attribute (Entra: emails[type eq "work"].value) creates the value
        const el: Json = {};
        const f = p.filter;
        if (f.kind === 'compare' && f.op === 'eq') el[f.path] = f.value;
        el[p.sub] = value;
        c[realKey] = [...list, el];
        return;
      }
      for (const i of hits) {
        if (p.sub) {
          const el = isObject(list[i]) ? (list[i] as Json) : { value: list[i] };
          el[p.sub] = value;
          list[i] = el;
        } else list[i] = isObject(value) && isObject(list[i]) ? { ...(list[i] as Json), ...value } : value;
      }
      c[realKey] = list;
      return;
    }
    if (op === 'remove') {
      if (p.sub) {
        if (isObject(current)) delete current[Object.keys(current).find((k) => k.toLowerCase() === p.sub!.toLowerCase()) ?? p.sub];
        else if (Array.isArray(current)) for (const el of current) if (isObject(el)) delete el[p.sub];
      } else if (multi && value !== undefined && value !== null) {
        // remove the listed values of a multi-valued attribute
        const drop = (Array.isArray(value) ? value : [value]).map((v) => JSON.stringify(isObject(v) ? getCi(v, 'value') : v));
        c[realKey] = (Array.isArray(current) ? current : []).filter((el) => !drop.includes(JSON.stringify(isObject(el) ? getCi(el, 'value') : el)));
      } else delete c[realKey];
      return;
    }
    if (p.sub) {
      const obj = isObject(current) ? current : {};
      obj[p.sub] = value;
      c[realKey] = obj;
      return;
    }
    if (multi) {
      const incoming = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
      c[realKey] = op === 'add' ? [...(Array.isArray(current) ? current : []), ...incoming] : incoming;
      return;
    }
    // RFC 7644 §3.5.2.1/3: sub-attributes not in the value are left unchanged, for add and replace alike
    if (isObject(current) && isObject(value)) c[realKey] = { ...current, ...value };
    else c[realKey] = value;
  };

  for (const [index, rawOp] of ops.entries()) {
    if (!isObject(rawOp)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const opName = String(getCi(rawOp, 'op') ?? '').toLowerCase();
    if (opName !== 'add' && opName !== 'replace' && opName !== 'remove') throw invalidSyntax(`Operations[${index}].op must be add, replace or remove (got "${getCi(rawOp, 'op')}")`);
    const path = getCi(rawOp, 'path');
    const value = getCi(rawOp, 'value');
    if (path === undefined || path === null || path === '') {
      if (opName === 'remove') throw noTarget(`Operations[${index}]: "remove" needs a "path"`);
      if (!isObject(value)) throw invalidSyntax(`Operations[${index}]: without a "path", "value" must be an object of attributes`);
      for (const [k, v] of Object.entries(value)) {
        const ext = [...t.extensions].find((e) => e.toLowerCase() === k.toLowerCase());
        if (ext && isObject(v)) {
          for (const [ek, ev] of Object.entries(v)) apply(opName, parsePath(`${ext}:${ek}`, t), ev);
        } else if (k.toLowerCase() === 'schemas' || k.toLowerCase() === 'meta') {
          continue;
        } else apply(opName, parsePath(k, t), v);
      }
    } else apply(opName, parsePath(String(path), t), value);
  }
  return { resource: out, membership };
}

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) on a SCIM representation. Names are
 * case-insensitive, plain, dotted (`name.givenName`, `emails.value`) or URN-qualified (an extension URN alone
 * selects the whole extension); unknown names are ignored. `id` and `schemas` are always returned and
 * `password` never. With both parameters, `attributes` selects first and `excludedAttributes` then removes.
 * Extension URNs whose attributes are all projected away leave `schemas`.
 */
import { splitAttributeList } from './list-params.js';
import { isPlainObject } from './normalize.js';
import {
  eqIgnoreCase,
  GROUP_RESOURCE,
  resolveAttributePath,
  type AttributeDef,
  type ResourceSchema,
} from './schema.js';
import type { ScimObject } from './stored-layout.js';

export interface ProjectionSpec {
  attributes?: string[] | string;
  excludedAttributes?: string[] | string;
}

interface Selector {
  /** The extension URN holding the attribute, or null for core and common attributes. */
  container: string | null;
  /** Canonical attribute name; undefined: the whole extension. */
  attr?: AttributeDef;
  sub?: AttributeDef;
}

function selectorsOf(rs: ResourceSchema, names: string[]): Selector[] {
  const out: Selector[] = [];
  for (const n of names) {
    if (eqIgnoreCase(n, rs.core.id)) {
      // the core schema's URN alone: every core attribute
      for (const attr of rs.core.attributes) out.push({ container: null, attr });
      continue;
    }
    const r = resolveAttributePath(rs, n);
    if (!r) continue;
    if (r.kind === 'extension') out.push({ container: r.schema.id });
    else out.push({ container: r.extension ? r.schema.id : null, attr: r.attr, ...(r.sub ? { sub: r.sub } : {}) });
  }
  return out;
}

const keyOf = (obj: ScimObject, name: string) => Object.keys(obj).find((k) => eqIgnoreCase(k, name));

function pickSubs(value: unknown, subs: Set<string>): unknown {
  const pick = (el: unknown) => {
    if (!isPlainObject(el)) return undefined;
    const o: ScimObject = {};
    for (const [k, v] of Object.entries(el)) if ([...subs].some((s) => eqIgnoreCase(s, k))) o[k] = v;
    return Object.keys(o).length ? o : undefined;
  };
  if (Array.isArray(value)) {
    const list = value.map(pick).filter((x) => x !== undefined);
    return list.length ? list : undefined;
  }
  return pick(value);
}

function dropSub(value: unknown, sub: string): void {
  for (const el of Array.isArray(value) ? value : [value]) {
    if (!isPlainObject(el)) continue;
    const k = keyOf(el, sub);
    if (k !== undefined) delete el[k];
  }
}

function containerOf(obj: ScimObject, urn: string | null): ScimObject | undefined {
  if (urn === null) return obj;
  const k = keyOf(obj, urn);
  const c = k === undefined ? undefined : obj[k];
  return isPlainObject(c) ? c : undefined;
}

function include(resource: ScimObject, selectors: Selector[]): ScimObject {
  const out: ScimObject = {};
  // per container and attribute: the whole attribute, or some of its sub-attributes
  const wanted = new Map<string, { container: string | null; attr?: string; subs: Set<string> | 'all' }>();
  for (const s of selectors) {
    const key = `${s.container ?? ''}\u0000${s.attr?.name ?? ''}`;
    const prev = wanted.get(key);
    if (!s.sub || !s.attr) wanted.set(key, { container: s.container, attr: s.attr?.name, subs: 'all' });
    else if (!prev) wanted.set(key, { container: s.container, attr: s.attr.name, subs: new Set([s.sub.name]) });
    else if (prev.subs !== 'all') prev.subs.add(s.sub.name);
  }
  for (const w of wanted.values()) {
    const src = containerOf(resource, w.container);
    if (!src) continue;
    let dst = out;
    if (w.container !== null) dst = (out[w.container] as ScimObject | undefined) ?? (out[w.container] = {});
    if (w.attr === undefined) {
      Object.assign(dst, structuredClone(src));
      continue;
    }
    const k = keyOf(src, w.attr);
    if (k === undefined) continue;
    const v = w.subs === 'all' ? structuredClone(src[k]) : pickSubs(structuredClone(src[k]), w.subs);
    if (v !== undefined) dst[k] = v;
  }
  return out;
}

/**
 * Applies a projection to a representation: a new object, which shares nested values with `resource` when the
 * projection drops nothing inside them (its callers serialise it at once); `resource` is not changed.
 */
export function projectResource(rs: ResourceSchema, resource: ScimObject, spec: ProjectionSpec): ScimObject {
  const attributes = splitAttributeList(spec.attributes, 'attributes');
  const excluded = splitAttributeList(spec.excludedAttributes, 'excludedAttributes');
  let out: ScimObject;
  if (attributes.length) {
    const picked = include(resource, selectorsOf(rs, attributes));
    out = {};
    // keep the representation's key order
    for (const k of Object.keys(resource)) if (k in picked) out[k] = picked[k];
  } else {
    // only exclusions change nested values: without any, nothing needs copying (the common case, every lookup)
    out = excluded.length ? structuredClone(resource) : resource;
  }
  for (const s of selectorsOf(rs, excluded)) {
    const c = containerOf(out, s.container);
    if (!c) continue;
    if (!s.attr) {
      const k = keyOf(out, s.container!);
      if (k !== undefined) delete out[k];
      continue;
    }
    if (s.attr.returned === 'always') continue;
    const k = keyOf(c, s.attr.name);
    if (k === undefined) continue;
    if (s.sub) {
      if (s.sub.returned !== 'always') dropSub(c[k], s.sub.name);
    } else delete c[k];
  }
  // always: schemas, id; never: password
  const passwordKey = keyOf(out, 'password');
  const result: ScimObject = {};
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as unknown[]) : [rs.core.id];
  result.schemas = schemas.filter((s) => {
    if (typeof s !== 'string') return false;
    const ext = rs.extensions.find((e) => eqIgnoreCase(e.id, s));
    if (!ext) return true;
    const c = containerOf(out, ext.id);
    return c !== undefined && Object.keys(c).length > 0;
  });
  if (resource.id !== undefined) result.id = resource.id;
  for (const [k, v] of Object.entries(out)) {
    if (k === 'schemas' || k === 'id' || k === passwordKey) continue;
    if (isPlainObject(v) && rs.extensions.some((e) => eqIgnoreCase(e.id, k)) && Object.keys(v).length === 0) continue;
    result[k] = v;
  }
  return result;
}

/** Whether a projection returns the attribute (e.g. `members`, so the caller can skip loading them). */
export function wantsAttribute(rs: ResourceSchema, spec: ProjectionSpec, name: string): boolean {
  const target = resolveAttributePath(rs, name);
  if (!target || target.kind !== 'attribute') return false;
  const same = (s: Selector) => s.attr === target.attr;
  const attributes = selectorsOf(rs, splitAttributeList(spec.attributes, 'attributes'));
  if (
    attributes.length &&
    !attributes.some((s) => same(s) || (!s.attr && target.extension && s.container === target.schema.id))
  )
    return false;
  const excluded = selectorsOf(rs, splitAttributeList(spec.excludedAttributes, 'excludedAttributes'));
  if (excluded.some((s) => (same(s) && !s.sub) || (!s.attr && target.extension && s.container === target.schema.id)))
    return false;
  return target.attr.returned !== 'never';
}

/** Whether a group projection asks for `members`. */
export function wantsMembers(spec: ProjectionSpec): boolean {
  return wantsAttribute(GROUP_RESOURCE, spec, 'members');
}

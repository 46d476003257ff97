/**
 * Schema-driven reading of a resource body (POST, PUT, or a patched resource): attribute names matched
 * case-insensitively (plain, dotted or URN-qualified; extension objects under their URN), values coerced to
 * the attribute's type, and everything the service must not keep dropped. Resource-specific rules (required
 * attributes, roles, members) live in user-input.ts and group-input.ts.
 *
 * Rules: `null` is absent; unknown attributes and sub-attributes are ignored; read-only ones (`id`, `meta`,
 * `groups`, `manager.displayName`, `members.display`) and write-only ones (`password`) are dropped; `$ref`
 * is never stored (it is derived from `value` when rendered); multi-valued attributes are always arrays (a
 * single value is wrapped); "True"/"False" strings are booleans; numbers sent for string attributes are kept
 * as their decimal text; a complex attribute with a `value` sub-attribute accepts the bare value (`"manager":
 * "<id>"`), and a single-valued one a one-element array; elements without content are dropped.
 */
import { invalidSyntax, invalidValue } from './scim-error.js';
import {
  COMMON_ATTRIBUTES,
  eqIgnoreCase,
  findAttribute,
  resolveAttributePath,
  resolveParts,
  type AttributeDef,
  type AttributeTarget,
  type ResourceSchema,
  type SchemaDef,
} from './schema.js';
import type { ScimObject } from './stored-layout.js';
import { checkForeignExtension, isForeignExtension } from './foreign-extensions.js';

/** A JSON object (from any realm: structuredClone and test sandboxes make objects of another Object). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** The label of an attribute in error details: URN-qualified for extension attributes. */
/** A stored scalar as text: a string as it is, a number or boolean spelled out, anything else ''. */
export function textOf(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function labelOf(schema: SchemaDef, extension: boolean, name: string): string {
  return extension ? `${schema.id}:${name}` : name;
}

const NOT_CONTENT = new Set(['type', 'primary', 'display']);

/** An element carries content when it has a sub-attribute other than type/primary/display, not "". */
function hasContent(el: unknown): boolean {
  if (!isPlainObject(el)) return el !== undefined && el !== '';
  return Object.entries(el).some(([k, v]) => !NOT_CONTENT.has(k) && v !== undefined && v !== '');
}

export function coerceBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return undefined;
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An xsd:dateTime-like string (RFC 7643 §2.3.5) as a Date, or undefined. A time without a zone is read as
 * UTC, never as the server's local time.
 */
export function parseDateTime(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const m = ISO_DATE.exec(v.trim());
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const z =
    !zone || zone === 'z' || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(time ? `${date}T${time}${z}` : `${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function coerceSingle(attr: AttributeDef, value: unknown, label: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attr.type) {
    case 'complex': {
      if (!isPlainObject(value)) {
        if (Array.isArray(value) && !attr.multiValued) {
          if (value.length === 0) return undefined;
          if (value.length === 1) return coerceSingle(attr, value[0], label);
          throw invalidValue(`${label} takes a single value, not a list of ${value.length}`);
        }
        if ((typeof value === 'string' || typeof value === 'number') && findAttribute(attr.subAttributes, 'value')) {
          return coerceSingle(attr, { value }, label);
        }
        throw invalidValue(`${label} must be an object`);
      }
      const out: ScimObject = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = findAttribute(attr.subAttributes, k);
        if (!sub || sub.mutability === 'readOnly' || sub.mutability === 'writeOnly' || sub.name === '$ref') continue;
        const c = coerceSingle(sub, v, `${label}.${sub.name}`);
        if (c !== undefined) out[sub.name] = c;
      }
      return Object.keys(out).length ? out : undefined;
    }
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw invalidValue(`${label} must be a string`);
    case 'boolean': {
      const b = coerceBoolean(value);
      if (b === undefined) throw invalidValue(`${label} must be true or false`);
      return b;
    }
    case 'dateTime':
      if (parseDateTime(value)) return value;
      throw invalidValue(`${label} must be a date and time such as "2024-05-13T04:42:34Z"`);
    case 'integer':
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value) && (attr.type === 'decimal' || Number.isInteger(value)))
        return value;
      throw invalidValue(`${label} must be ${attr.type === 'integer' ? 'an integer' : 'a number'}`);
  }
}

/** Coerces one attribute's value; `undefined` means absent. */
export function coerceAttribute(attr: AttributeDef, value: unknown, label: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!attr.multiValued) return coerceSingle(attr, value, label);
  const list = Array.isArray(value) ? value : [value];
  const out: unknown[] = [];
  list.forEach((el, i) => {
    const c = coerceSingle(attr, el, `${label}[${i}]`);
    if (c !== undefined && hasContent(c)) out.push(c);
  });
  return out.length ? out : undefined;
}

/**
 * Regroups a body by attribute: core (and common) attributes at the top level under their canonical names,
 * extension attributes under `out[<extension URN>]`. Dotted and URN-qualified keys are merged in. Values
 * are not coerced yet; unknown keys and `schemas` are dropped.
 */
export function canonicalize(rs: ResourceSchema, body: Record<string, unknown>): ScimObject {
  const out: ScimObject = {};
  const assign = (t: AttributeTarget, value: unknown) => {
    let container = out;
    if (t.extension) {
      const c = out[t.schema.id];
      container = isPlainObject(c) ? c : (out[t.schema.id] = {});
    }
    if (!t.sub) {
      const prev = container[t.attr.name];
      container[t.attr.name] = isPlainObject(prev) && isPlainObject(value) ? { ...prev, ...value } : value;
      return;
    }
    const prev = container[t.attr.name];
    container[t.attr.name] = { ...(isPlainObject(prev) ? prev : {}), [t.sub.name]: value };
  };
  for (const [key, value] of Object.entries(body)) {
    if (eqIgnoreCase(key, 'schemas')) continue;
    if (isForeignExtension(key)) {
      // Okta's custom namespaces are kept whole (foreign-extensions.ts)
      if (value !== null && value !== undefined) out[key] = checkForeignExtension(key, value);
      continue;
    }
    const r = resolveAttributePath(rs, key);
    if (!r) continue;
    if (r.kind === 'extension') {
      if (value === null || value === undefined) continue;
      if (!isPlainObject(value)) throw invalidValue(`${r.schema.id} must be an object of ${r.schema.name} attributes`);
      for (const [k, v] of Object.entries(value)) {
        const parts = k.split('.');
        const t = parts.length <= 2 ? resolveParts(rs, r.schema, parts[0], parts[1]) : undefined;
        if (t && t.kind === 'attribute') assign(t, v);
      }
    } else {
      assign(r, value);
    }
  }
  return out;
}

/**
 * Reads a body into the normalized SCIM representation of the resource (no id, meta, read-only or
 * write-only attributes), with `schemas` listing the core schema and the extensions present.
 */
export function normalizeResource(rs: ResourceSchema, body: unknown): ScimObject {
  if (!isPlainObject(body)) throw invalidSyntax(`the ${rs.name} must be a JSON object`);
  const raw = canonicalize(rs, body);
  const out: ScimObject = { schemas: [rs.core.id] };
  const take = (
    schema: SchemaDef,
    extension: boolean,
    attrs: readonly AttributeDef[],
    from: ScimObject,
    to: ScimObject,
  ) => {
    for (const a of attrs) {
      if (a.mutability === 'readOnly' || a.mutability === 'writeOnly') continue;
      const v = coerceAttribute(a, from[a.name], labelOf(schema, extension, a.name));
      if (v !== undefined) to[a.name] = v;
    }
  };
  take(rs.core, false, COMMON_ATTRIBUTES, raw, out);
  take(rs.core, false, rs.core.attributes, raw, out);
  for (const ext of rs.extensions) {
    const from = raw[ext.id];
    if (!isPlainObject(from)) continue;
    const to: ScimObject = {};
    take(ext, true, ext.attributes, from, to);
    if (Object.keys(to).length) {
      out[ext.id] = to;
      (out.schemas as string[]).push(ext.id);
    }
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!isForeignExtension(key)) continue;
    out[key] = structuredClone(value);
    (out.schemas as string[]).push(key);
  }
  return out;
}

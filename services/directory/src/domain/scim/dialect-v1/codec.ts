/**
 * SCIM 1.1 resources (draft-scim-core-schema-01, as Okta's SCIM 1.1 apps send them) ⇄ the SCIM 2.0
 * representation the engine works on. One engine, two spellings:
 *
 *   1.1                                              2.0
 *   schemas ["urn:scim:schemas:core:1.0"]            the resource's core schema (User or Group)
 *   "urn:scim:schemas:extension:enterprise:1.0": {…}  the Enterprise User extension
 *   enterprise manager {managerId, displayName}      manager {value, $ref, displayName}
 *   meta {created, lastModified, location, version}  meta {resourceType, …} (resourceType is 2.0 only)
 *   members [{value, display}]                       members [{value, display, $ref, type}]
 *
 * Okta's custom namespaces (`urn:okta:…`) and the platform extension pass through unchanged; everything else
 * (roles, emails, active, password accepted and never returned) is the same attribute in both.
 */
import { invalidSyntax } from '../scim-error.js';
import { isPlainObject } from '../normalize.js';
import { ENTERPRISE_USER_SCHEMA, eqIgnoreCase, type ResourceSchema } from '../schema.js';
import type { ScimObject } from '../stored-layout.js';

export const V1_CORE_SCHEMA = 'urn:scim:schemas:core:1.0';
export const V1_ENTERPRISE_SCHEMA = 'urn:scim:schemas:extension:enterprise:1.0';

/** A 1.1 enterprise extension object → the 2.0 one (manager.managerId → manager.value). */
function enterpriseFromV1(ext: unknown): unknown {
  if (!isPlainObject(ext)) return ext;
  const out: ScimObject = { ...ext };
  const mk = Object.keys(out).find((k) => eqIgnoreCase(k, 'manager'));
  if (mk !== undefined && isPlainObject(out[mk])) {
    const m = { ...(out[mk] as ScimObject) };
    const idKey = Object.keys(m).find((k) => eqIgnoreCase(k, 'managerId'));
    if (idKey !== undefined) {
      m.value = m[idKey];
      delete m[idKey];
    }
    out[mk] = m;
  }
  return out;
}

/** The name of an attribute as 1.1 writes it → as 2.0 does (`urn:scim:…enterprise:1.0:department`). */
export function attributeNameFromV1(name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith(V1_ENTERPRISE_SCHEMA + ':'))
    return `${ENTERPRISE_USER_SCHEMA}:${name.slice(V1_ENTERPRISE_SCHEMA.length + 1).replace(/^manager\.managerId$/i, 'manager.value')}`;
  if (lower.startsWith(V1_CORE_SCHEMA + ':')) return name.slice(V1_CORE_SCHEMA.length + 1);
  return name;
}

/** A 1.1 resource body (POST, PUT) → the 2.0 body the engine validates. `meta` is dropped (read-only). */
export function resourceFromV1(rs: ResourceSchema, body: unknown): ScimObject {
  if (!isPlainObject(body)) throw invalidSyntax(`the ${rs.name} must be a JSON object`);
  const out: ScimObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (eqIgnoreCase(key, 'schemas')) {
      const list = Array.isArray(value) ? (value as unknown[]) : [];
      out.schemas = list.map((s) =>
        typeof s !== 'string'
          ? s
          : eqIgnoreCase(s, V1_CORE_SCHEMA)
            ? rs.core.id
            : eqIgnoreCase(s, V1_ENTERPRISE_SCHEMA)
              ? ENTERPRISE_USER_SCHEMA
              : s,
      );
    } else if (eqIgnoreCase(key, V1_ENTERPRISE_SCHEMA)) {
      if (rs.name === 'User') out[ENTERPRISE_USER_SCHEMA] = enterpriseFromV1(value);
    } else if (eqIgnoreCase(key, 'meta')) {
      continue;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A 2.0 representation (as rendered by the engine) → its 1.1 form. */
export function resourceToV1(rs: ResourceSchema, resource: ScimObject): ScimObject {
  const out: ScimObject = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      out.schemas = (Array.isArray(value) ? (value as unknown[]) : []).map((s) =>
        s === rs.core.id ? V1_CORE_SCHEMA : s === ENTERPRISE_USER_SCHEMA ? V1_ENTERPRISE_SCHEMA : s,
      );
    } else if (key === ENTERPRISE_USER_SCHEMA && isPlainObject(value)) {
      const ext: ScimObject = { ...value };
      if (isPlainObject(ext.manager)) {
        const { value: id, $ref: _ref, ...rest } = ext.manager as ScimObject;
        ext.manager = { ...(id !== undefined ? { managerId: id } : {}), ...rest };
      }
      out[V1_ENTERPRISE_SCHEMA] = ext;
    } else if (key === 'meta' && isPlainObject(value)) {
      const { resourceType: _rt, ...meta } = value;
      out.meta = meta;
    } else if (key === 'members' && Array.isArray(value)) {
      out.members = (value as unknown[]).map((m) => {
        if (!isPlainObject(m)) return m;
        const { $ref: _ref, ...rest } = m;
        return rest;
      });
    } else {
      out[key] = value;
    }
  }
  return out;
}

const V1_PREFIXES = new RegExp(
  `(${V1_ENTERPRISE_SCHEMA.replace(/[.]/g, '\\.')}:|${V1_CORE_SCHEMA.replace(/[.]/g, '\\.')}:)`,
  'gi',
);
const rename = (text: string) =>
  text.replace(V1_PREFIXES, (m) =>
    m.toLowerCase().startsWith(V1_ENTERPRISE_SCHEMA) ? `${ENTERPRISE_USER_SCHEMA}:` : '',
  );

/**
 * 1.1 list parameters → 2.0 names: attribute names qualified with the 1.1 core or enterprise URN in `filter`,
 * `sortBy`, `attributes` and `excludedAttributes` (the enterprise manager's `managerId` is `manager.value`).
 */
export function listParamsFromV1(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = k.toLowerCase();
    const names = key === 'filter' || key === 'sortby' || key === 'attributes' || key === 'excludedattributes';
    const map = (x: unknown): unknown =>
      typeof x === 'string'
        ? rename(x).replace(/manager\.managerId/gi, 'manager.value')
        : Array.isArray(x)
          ? x.map(map)
          : x;
    out[k] = names ? map(v) : v;
  }
  return out;
}

/**
 * The stored layout of a user and the conversions between it and the SCIM representation.
 *
 * Stored document (the caller adds `_id`, `tenantId`, `meta{created,lastModified,version}`, `provisioned`):
 *
 *   userName, userNameLower          as sent; lower-cased shadow (unique index, filters, sort)
 *   externalId                       as sent (caseExact)
 *   name{…}, displayName, nickName, profileUrl, title, userType, preferredLanguage, locale, timezone
 *   active                           boolean, always present
 *   emails[{value, valueLower, type, primary, display}]   valueLower: lower-cased shadow (index, filters)
 *   primaryEmailLower                lower-cased primary email, else the first one: a scalar to sort by
 *   phoneNumbers, ims, photos, addresses, entitlements, roles, x509Certificates   arrays as sent
 *   enterprise{employeeNumber, costCenter, organization, division, department, manager{value}}
 *   platform{role}                   the platform extension, when it was sent
 *   role                             the effective platform role (extension, else core roles), canonical
 *
 * Only attribute names from the schema are stored, so no key contains "." or starts with "$" (`$ref` is
 * derived when rendering). Extensions are stored under short names because their URNs contain dots.
 */
import { weakEtag } from '../../../../kit/src/etag.js';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  findAttribute,
  PLATFORM_USER_SCHEMA,
  USER_RESOURCE,
  USER_SCHEMA,
  type AttributeDef,
  type AttributeTarget,
} from './schema.js';
import { isPlainObject } from './normalize.js';
import type { CollectionLayout, FieldMapping, ScimObject, StorageMapping, StoredType } from './stored-layout.js';
import type { ValidatedUser } from './user-input.js';
import { addCustomExtensions, customExtensionsToStored, isForeignExtension } from './foreign-extensions.js';

export const USERS_COLLECTION: CollectionLayout = {
  name: 'users',
  indexes: [
    { name: 'tenant_userName', keys: { tenantId: 1, userNameLower: 1 }, unique: true },
    { name: 'tenant_externalId', keys: { tenantId: 1, externalId: 1 } },
    { name: 'tenant_email', keys: { tenantId: 1, 'emails.valueLower': 1 } },
    { name: 'tenant_id', keys: { tenantId: 1, _id: 1 } },
  ],
};

/** Extension URN → the stored field holding it. */
export const USER_EXTENSION_FIELDS: Readonly<Record<string, string>> = {
  [ENTERPRISE_USER_SCHEMA]: 'enterprise',
  [PLATFORM_USER_SCHEMA]: 'platform',
};

/** Stored fields that are not SCIM attributes (shadows and derived values). */
export const USER_SHADOW_FIELDS = ['userNameLower', 'primaryEmailLower', 'role', 'customExtensions'] as const;

/** A user as stored, minus what the caller owns (`_id`, `tenantId`, `meta`, `provisioned`). */
export type StoredUserFields = ScimObject & { userName: string; userNameLower: string; active: boolean };

/** The SCIM representation → the fields to store. */
export function userToStored(v: ValidatedUser): StoredUserFields {
  const out: ScimObject = {};
  for (const [key, value] of Object.entries(v.resource)) {
    if (key === 'schemas' || isForeignExtension(key)) continue;
    const ext = USER_EXTENSION_FIELDS[key];
    if (ext) out[ext] = structuredClone(value);
    else out[key] = structuredClone(value);
  }
  out.userNameLower = v.userName.toLowerCase();
  const emails = out.emails as ScimObject[] | undefined;
  if (emails) {
    for (const e of emails) if (typeof e.value === 'string') e.valueLower = e.value.toLowerCase();
    const primary =
      emails.find((e) => e.primary === true && typeof e.value === 'string') ??
      emails.find((e) => typeof e.value === 'string');
    if (primary) out.primaryEmailLower = primary.valueLower;
  }
  if (v.role) out.role = v.role;
  const custom = customExtensionsToStored(v.resource);
  if (custom) out.customExtensions = custom;
  return out as StoredUserFields;
}

/** A multi-valued attribute's definition for one of its values, made once per definition. */
const elementDefs = new WeakMap<AttributeDef, AttributeDef>();
function elementOf(attr: AttributeDef): AttributeDef {
  let el = elementDefs.get(attr);
  if (!el) elementDefs.set(attr, (el = { ...attr, multiValued: false }));
  return el;
}

/** Copies the known (sub-)attributes of a stored value, which drops shadow fields such as `valueLower`. */
export function copyKnown(attr: AttributeDef, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (attr.multiValued) {
    if (!Array.isArray(value)) return undefined;
    const element = elementOf(attr);
    const list = value.map((el) => copyKnown(element, el)).filter((el) => el !== undefined);
    return list.length ? list : undefined;
  }
  if (attr.type !== 'complex') return value instanceof Date ? value.toISOString() : value;
  if (!isPlainObject(value)) return undefined;
  const out: ScimObject = {};
  for (const sub of attr.subAttributes ?? []) {
    const c = copyKnown(sub, value[sub.name]);
    if (c !== undefined) out[sub.name] = c;
  }
  return Object.keys(out).length ? out : undefined;
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : typeof d === 'string' ? d : undefined);

/** The `meta` of a stored resource; `version` is the weak ETag the gateway sends (`W/"3"`). */
export function metaOf(doc: ScimObject, resourceType: string, location: string): ScimObject {
  const m = isPlainObject(doc.meta) ? doc.meta : {};
  const created = iso(m.created);
  const lastModified = iso(m.lastModified);
  return {
    resourceType,
    ...(created ? { created } : {}),
    ...(lastModified ? { lastModified } : {}),
    location,
    ...(m.version !== undefined && m.version !== null ? { version: weakEtag(m.version as number | string) } : {}),
  };
}

const EXTERNAL_ID = findAttribute(COMMON_ATTRIBUTES, 'externalId')!;

/** A stored user → its SCIM representation (ordered as RFC 7643 lists the attributes). */
export function userFromStored(doc: ScimObject & { _id: string }, baseUrl: string): ScimObject {
  const out: ScimObject = { schemas: [USER_SCHEMA], id: doc._id };
  const externalId = copyKnown(EXTERNAL_ID, doc.externalId);
  if (externalId !== undefined) out.externalId = externalId;
  for (const a of USER_RESOURCE.core.attributes) {
    if (a.returned === 'never' || a.name === 'groups') continue;
    const v = copyKnown(a, doc[a.name]);
    if (v !== undefined) out[a.name] = v;
  }
  for (const ext of USER_RESOURCE.extensions) {
    const stored = doc[USER_EXTENSION_FIELDS[ext.id]];
    if (!isPlainObject(stored)) continue;
    const e: ScimObject = {};
    for (const a of ext.attributes) {
      const v = copyKnown(a, stored[a.name]);
      if (v !== undefined) e[a.name] = v;
    }
    // the manager's $ref is derived from its id (never stored)
    if (isPlainObject(e.manager) && typeof e.manager.value === 'string')
      e.manager = { ...e.manager, $ref: `${baseUrl}/Users/${e.manager.value}` };
    if (Object.keys(e).length) {
      out[ext.id] = e;
      (out.schemas as string[]).push(ext.id);
    }
  }
  addCustomExtensions(out, doc.customExtensions);
  out.meta = metaOf(doc, 'User', `${baseUrl}/Users/${doc._id}`);
  return out;
}

// ------------------------------------------------------------------------------------- filter field mapping

export function storedTypeOf(a: AttributeDef): StoredType | undefined {
  switch (a.type) {
    case 'string':
    case 'reference':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'dateTime':
      return 'dateTime';
    case 'integer':
    case 'decimal':
      return 'number';
    default:
      return undefined; // binary, complex
  }
}

/**
 * The mapping of a leaf attribute that is stored as sent at the same place (the common case). `prefix` is
 * the stored field of the extension holding it, if any.
 */
export function defaultField(t: AttributeTarget & { sub?: AttributeDef }, prefix: string): FieldMapping {
  const leaf = t.sub ?? t.attr;
  const name = t.sub ? `${t.attr.name}.${t.sub.name}` : t.attr.name;
  if (leaf.returned === 'never') return { kind: 'unsupported', reason: `${name} cannot be used in a filter` };
  if (leaf.name === '$ref')
    return { kind: 'unsupported', reason: `${name} is not stored; filter on ${t.attr.name}.value instead` };
  const type = storedTypeOf(leaf);
  if (!type) return { kind: 'unsupported', reason: `${name} (${leaf.type}) cannot be used in a filter` };
  const base = { type, caseExact: leaf.caseExact, lowered: false };
  if (t.attr.multiValued && t.sub) return { kind: 'element', array: prefix + t.attr.name, rel: t.sub.name, ...base };
  const path = prefix + name;
  return { kind: 'field', path, sortPath: path, ...base };
}

/** Fields common to users and groups: id, meta. */
export function commonField(
  t: AttributeTarget & { sub?: AttributeDef },
  resourceType: string,
): FieldMapping | undefined {
  if (t.extension || t.schema.attributes.includes(t.attr)) return undefined;
  switch (t.attr.name) {
    case 'id':
      return { kind: 'field', path: '_id', sortPath: '_id', type: 'string', caseExact: true, lowered: false };
    case 'externalId':
      return {
        kind: 'field',
        path: 'externalId',
        sortPath: 'externalId',
        type: 'string',
        caseExact: true,
        lowered: false,
      };
    case 'meta':
      switch (t.sub?.name) {
        case 'created':
        case 'lastModified':
          return {
            kind: 'field',
            path: `meta.${t.sub.name}`,
            sortPath: `meta.${t.sub.name}`,
            type: 'dateTime',
            caseExact: true,
            lowered: false,
          };
        case 'resourceType':
          return { kind: 'constant', value: resourceType };
        default:
          return { kind: 'unsupported', reason: `meta.${t.sub?.name ?? ''} cannot be used in a filter` };
      }
  }
  return undefined;
}

export const USER_STORAGE: StorageMapping = {
  resource: USER_RESOURCE,
  // Okta's "Unique identifier field for users" set to email: `email eq "…"` (the e-mail index, case-insensitive)
  aliases: { email: 'emails.value' },
  field(t) {
    const common = commonField(t, 'User');
    if (common) return common;
    if (t.extension) {
      if (t.attr.name === 'manager' && t.sub?.name === 'displayName')
        return { kind: 'unsupported', reason: 'manager.displayName is not stored; filter on manager.value' };
      return defaultField(t, USER_EXTENSION_FIELDS[t.schema.id] + '.');
    }
    if (t.attr.name === 'groups')
      return {
        kind: 'unsupported',
        reason: 'groups cannot be used in a User filter; filter Groups on members instead',
      };
    if (t.attr.name === 'userName')
      return {
        kind: 'field',
        path: 'userNameLower',
        sortPath: 'userNameLower',
        type: 'string',
        caseExact: false,
        lowered: true,
      };
    if (t.attr.name === 'emails' && t.sub?.name === 'value')
      return {
        kind: 'element',
        array: 'emails',
        rel: 'valueLower',
        sortPath: 'primaryEmailLower',
        type: 'string',
        caseExact: false,
        lowered: true,
      };
    return defaultField(t, '');
  },
};

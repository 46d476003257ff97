/**
 * Validation of a User body (POST, PUT, or the result of a PATCH) into the normalized representation the
 * codec stores. On top of normalize.ts:
 * - `userName`, `name.givenName`, `name.familyName` and one email with a value are required (400 invalidValue
 *   naming the attribute);
 * - `active` defaults to true (Okta and Entra always send it; a body without it is a new, active user);
 * - emails, phoneNumbers, ims, photos and addresses hold at most one value per `type` (case-insensitive), and
 *   a multi-valued attribute at most one `primary: true`. roles and entitlements may repeat a type: Entra
 *   sends every app role with type "WindowsAzureActiveDirectoryRole";
 * - the enterprise `manager` is kept as `{value}` and dropped when its value is empty;
 * - the platform role comes from the platform extension's `role`, else from core `roles` (the primary value,
 *   else the most privileged); unknown values are refused, naming the allowed ones.
 */
import { checkValueCount, DEFAULT_SCIM_LIMITS, type ScimLimits } from './limits.js';
import { invalidValue } from './scim-error.js';
import {
  ENTERPRISE_USER_SCHEMA,
  PLATFORM_ROLES,
  PLATFORM_USER_SCHEMA,
  USER_RESOURCE,
  type PlatformRole,
} from './schema.js';
import { isPlainObject, normalizeResource } from './normalize.js';
import type { ScimObject } from './stored-layout.js';

export interface ValidatedUser {
  /** The normalized SCIM representation: `schemas` and writable attributes, extensions under their URN. */
  resource: ScimObject;
  userName: string;
  /** The effective platform role; absent: app-only access. */
  role?: PlatformRole;
}

/** Multi-valued attributes whose `type` identifies one value (ENTRA-DEV: "one work email"). */
export const TYPE_UNIQUE_ATTRIBUTES = ['emails', 'phoneNumbers', 'ims', 'photos', 'addresses'] as const;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

export function canonicalRole(v: unknown): PlatformRole | undefined {
  if (typeof v !== 'string') return undefined;
  const l = v.trim().toLowerCase();
  return PLATFORM_ROLES.find((r) => r.toLowerCase() === l);
}

const allowedRoles = () => PLATFORM_ROLES.join(', ');

function checkMultiValued(resource: ScimObject, limits: ScimLimits) {
  for (const [name, value] of Object.entries(resource)) {
    if (!Array.isArray(value) || name === 'schemas') continue;
    checkValueCount(name, value.length, limits);
    const types = new Map<string, number>();
    let primaries = 0;
    value.forEach((el, i) => {
      if (!isPlainObject(el)) return;
      if (el.primary === true) primaries++;
      if ((TYPE_UNIQUE_ATTRIBUTES as readonly string[]).includes(name) && typeof el.type === 'string') {
        const t = el.type.toLowerCase();
        if (types.has(t))
          throw invalidValue(
            `${name}: values ${types.get(t)} and ${i} both have type "${el.type}"; each type may appear once`,
          );
        types.set(t, i);
      }
    });
    if (primaries > 1) throw invalidValue(`${name}: ${primaries} values are marked primary; at most one may be`);
  }
}

function effectiveRole(resource: ScimObject): PlatformRole | undefined {
  const platform = resource[PLATFORM_USER_SCHEMA];
  if (isPlainObject(platform) && platform.role !== undefined) {
    const role = canonicalRole(platform.role);
    if (!role)
      throw invalidValue(
        `${PLATFORM_USER_SCHEMA}:role must be one of ${allowedRoles()} (got ${JSON.stringify(platform.role)})`,
      );
    platform.role = role;
    return role;
  }
  const roles = resource.roles;
  if (!Array.isArray(roles)) return undefined;
  let primary: PlatformRole | undefined;
  let highest: PlatformRole | undefined;
  roles.forEach((r: ScimObject, i) => {
    const role = canonicalRole(r.value);
    if (!role)
      throw invalidValue(`roles[${i}].value must be one of ${allowedRoles()} (got ${JSON.stringify(r.value)})`);
    if (r.primary === true) primary = role;
    if (!highest || PLATFORM_ROLES.indexOf(role) > PLATFORM_ROLES.indexOf(highest)) highest = role;
  });
  return primary ?? highest;
}

/** Validates a User body; throws `ScimError` 400 (invalidValue / invalidSyntax). */
export function validateUser(body: unknown, limits: ScimLimits = DEFAULT_SCIM_LIMITS): ValidatedUser {
  const resource = normalizeResource(USER_RESOURCE, body);
  if (!nonEmpty(resource.userName)) throw invalidValue('userName is required');
  const name = resource.name as ScimObject | undefined;
  if (!nonEmpty(name?.givenName)) throw invalidValue('name.givenName is required');
  if (!nonEmpty(name?.familyName)) throw invalidValue('name.familyName is required');
  const emails = (resource.emails as ScimObject[] | undefined) ?? [];
  if (!emails.some((e) => nonEmpty(e.value))) throw invalidValue('emails is required: at least one email with a value');
  if (resource.active === undefined) resource.active = true;
  checkMultiValued(resource, limits);

  const enterprise = resource[ENTERPRISE_USER_SCHEMA];
  if (isPlainObject(enterprise) && enterprise.manager !== undefined) {
    const m = enterprise.manager as ScimObject;
    if (nonEmpty(m.value)) enterprise.manager = { value: m.value };
    else delete enterprise.manager;
    if (!Object.keys(enterprise).length) {
      delete resource[ENTERPRISE_USER_SCHEMA];
      resource.schemas = (resource.schemas as string[]).filter((s) => s !== ENTERPRISE_USER_SCHEMA);
    }
  }

  const role = effectiveRole(resource);
  return { resource, userName: resource.userName, ...(role ? { role } : {}) };
}

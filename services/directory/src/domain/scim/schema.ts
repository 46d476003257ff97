/**
 * Attribute descriptors (RFC 7643 §2.2, §7) for the resources we serve: core User (§4.1), the Enterprise User
 * extension (§4.3), the platform's own extension (role) and core Group (§4.2). Validation, PATCH, filters,
 * projection and the discovery documents are all driven by these, so there is one truth about each attribute.
 */

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly subAttributes?: readonly AttributeDef[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDef[];
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PLATFORM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:platform:2.0:User';

/** The platform roles, least privileged first (the order decides between several roles, see user-input.ts). */
export { PLATFORM_ROLES, type PlatformRole } from '../../../../kit/src/roles.js';
import { PLATFORM_ROLES } from '../../../../kit/src/roles.js';

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttributeType, description: string, o: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: o.multiValued ?? false,
    description,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.referenceTypes ? { referenceTypes: o.referenceTypes } : {}),
  };
}

const str = (name: string, description: string, o: Options = {}) => attr(name, 'string', description, o);

/** The sub-attributes shared by emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates. */
function multiValue(
  name: string,
  description: string,
  valueType: AttributeType,
  types: readonly string[] | undefined,
  o: Options = {},
  value: Options = {},
): AttributeDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    ...o,
    subAttributes: [
      attr('value', valueType, `The value of ${name}.`, {
        ...(valueType === 'reference' ? { referenceTypes: ['external'] } : {}),
        ...value,
      }),
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', `A label indicating the attribute's function.`, types ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', `Whether this is the primary value; "true" appears no more than once.`),
    ],
  });
}

/** id, externalId and meta (RFC 7643 §3.1): on every resource, described in no schema document. */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  str('id', 'Unique identifier of the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  str('externalId', `The resource's identifier in the provisioning client.`, { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was added to the service provider.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      str('version', 'The version (entity tag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

const nameSub = (name: string, description: string) => str(name, description);

export const USER_SCHEMA_DEF: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    str(
      'userName',
      'Unique identifier for the User, typically used to sign in; the e-mail address by default. Unique per organization, compared case-insensitively. REQUIRED.',
      { required: true, uniqueness: 'server' },
    ),
    attr(
      'name',
      'complex',
      "The components of the user's real name. givenName and familyName are REQUIRED by this service provider.",
      {
        required: true,
        subAttributes: [
          nameSub('formatted', 'The full name, formatted for display.'),
          attr('familyName', 'string', 'The family name of the User. REQUIRED.', { required: true }),
          attr('givenName', 'string', 'The given name of the User. REQUIRED.', { required: true }),
          nameSub('middleName', 'The middle name(s) of the User.'),
          nameSub('honorificPrefix', 'The honorific prefix(es) of the User.'),
          nameSub('honorificSuffix', 'The honorific suffix(es) of the User.'),
        ],
      },
    ),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user.'),
    attr(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      { referenceTypes: ['external'] },
    ),
    str('title', 'The user\'s title, such as "Vice President".'),
    str('userType', 'The relationship between the organization and the user.'),
    str('preferredLanguage', "The User's preferred written or spoken language (RFC 7231 Accept-Language syntax)."),
    str('locale', 'The User\'s default location for localization (e.g. "en-US").'),
    str('timezone', 'The User\'s time zone in IANA Time Zone database format (e.g. "America/Los_Angeles").'),
    attr(
      'active',
      'boolean',
      "The User's administrative status. Inactive users cannot sign in and keep no sessions. True when omitted on create; it cannot be removed (PATCH remove answers 400 mutability): replace it with false to deactivate.",
    ),
    str('password', 'Accepted for compatibility and never stored or returned.', {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValue(
      'emails',
      'Email addresses for the user. At least one value is REQUIRED (an element without "value" is not an email); one value per type. Filters may name the address as email, emails.value or emails[type eq "work"].value (case-insensitive); any of these can be Okta\'s "Unique identifier field for users".',
      'string',
      ['work', 'home', 'other'],
      { required: true },
      { required: true },
    ),
    multiValue('phoneNumbers', 'Phone numbers for the User, stored as sent; one value per type.', 'string', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multiValue('ims', 'Instant messaging addresses for the User; one value per type.', 'string', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValue('photos', 'URLs of photos of the User; one value per type.', 'reference', ['photo', 'thumbnail']),
    attr('addresses', 'complex', 'A physical mailing address for this User; one value per type.', {
      multiValued: true,
      subAttributes: [
        str('formatted', 'The full mailing address, formatted for display.'),
        str('streetAddress', 'The full street address component.'),
        str('locality', 'The city or locality component.'),
        str('region', 'The state or region component.'),
        str('postalCode', 'The zip code or postal code component.'),
        str('country', 'The country name component (ISO 3166-1 alpha-2).'),
        str('type', "A label indicating the attribute's function.", { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean', 'Whether this is the primary address.'),
      ],
    }),
    attr(
      'groups',
      'complex',
      'The groups (teams) the user belongs to. Read-only: change memberships through /Groups.',
      {
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [
          str('value', 'The identifier of the group.', { mutability: 'readOnly' }),
          attr('$ref', 'reference', 'The URI of the group.', {
            mutability: 'readOnly',
            referenceTypes: ['User', 'Group'],
          }),
          str('display', 'The name of the group.', { mutability: 'readOnly' }),
          str('type', 'How the membership is derived.', {
            mutability: 'readOnly',
            canonicalValues: ['direct', 'indirect'],
          }),
        ],
      },
    ),
    multiValue('entitlements', 'Entitlements of the User.', 'string', undefined),
    multiValue(
      'roles',
      `Roles of the User. Each value must be one of ${PLATFORM_ROLES.join(', ')} (any case); it sets the platform role (the primary one, else the most privileged).`,
      'string',
      undefined,
      {},
      { required: true, canonicalValues: PLATFORM_ROLES },
    ),
    multiValue('x509Certificates', 'DER-encoded X.509 certificates of the User (base64).', 'binary', undefined),
  ],
};

export const ENTERPRISE_USER_SCHEMA_DEF: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization.'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    attr(
      'manager',
      'complex',
      'The User\'s manager. Accepted as an id, {"value": id} or [{"value": id}]; returned as {"value": id}.',
      {
        subAttributes: [
          str('value', "The id of the SCIM resource representing the User's manager.", { caseExact: true }),
          attr('$ref', 'reference', "The URI of the manager's resource, built from value (ignored on input).", {
            mutability: 'readOnly',
            referenceTypes: ['User'],
          }),
          str('displayName', 'The displayName of the manager.', { mutability: 'readOnly' }),
        ],
      },
    ),
  ],
};

export const PLATFORM_USER_SCHEMA_DEF: SchemaDef = {
  id: PLATFORM_USER_SCHEMA,
  name: 'PlatformUser',
  description: 'Platform-specific user attributes',
  attributes: [
    str(
      'role',
      'The user\'s platform role. Takes precedence over core "roles". A user with no role gets app-only access (no web portal).',
      {
        canonicalValues: PLATFORM_ROLES,
      },
    ),
  ],
};

export const GROUP_SCHEMA_DEF: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group (a team on the platform)',
  attributes: [
    str(
      'displayName',
      'A human-readable name for the Group; unique per organization, compared case-insensitively. REQUIRED.',
      { required: true, uniqueness: 'server' },
    ),
    attr('members', 'complex', 'The members of the Group (users only).', {
      multiValued: true,
      subAttributes: [
        str('value', 'The id of the member.', { caseExact: true, mutability: 'immutable' }),
        str('display', 'The display name of the member.', { mutability: 'readOnly' }),
        attr('$ref', 'reference', 'The URI of the member.', { mutability: 'immutable', referenceTypes: ['User'] }),
        str('type', 'The type of the member.', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
    }),
  ],
};

export interface ResourceSchema {
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

export const USER_RESOURCE: ResourceSchema = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  core: USER_SCHEMA_DEF,
  extensions: [ENTERPRISE_USER_SCHEMA_DEF, PLATFORM_USER_SCHEMA_DEF],
};

export const GROUP_RESOURCE: ResourceSchema = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group (a team on the platform)',
  core: GROUP_SCHEMA_DEF,
  extensions: [],
};

export const ALL_SCHEMAS: readonly SchemaDef[] = [
  USER_SCHEMA_DEF,
  ENTERPRISE_USER_SCHEMA_DEF,
  PLATFORM_USER_SCHEMA_DEF,
  GROUP_SCHEMA_DEF,
];

// ---------------------------------------------------------------------------------------------- resolution

/** Where an attribute lives: `schema` is the core schema for core and common attributes. */
export interface AttributeTarget {
  readonly schema: SchemaDef;
  /** The attribute sits under the extension's URN key in a resource representation. */
  readonly extension: boolean;
  readonly attr: AttributeDef;
  readonly sub?: AttributeDef;
}

export type Resolved = ({ kind: 'attribute' } & AttributeTarget) | { kind: 'extension'; schema: SchemaDef };

export const eqIgnoreCase = (a: string, b: string) => a.length === b.length && a.toLowerCase() === b.toLowerCase();

export function findAttribute(list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  return list?.find((a) => eqIgnoreCase(a.name, name));
}

/** The extension schema a key names (case-insensitive), if it names one. */
export function extensionNamed(rs: ResourceSchema, key: string): SchemaDef | undefined {
  return rs.extensions.find((s) => eqIgnoreCase(s.id, key));
}

/**
 * Resolves an attribute path written as `attr`, `attr.sub`, `urn:…:attr`, `urn:…:attr.sub` or an extension URN
 * alone, case-insensitively. Names without a URN are looked up in the common attributes, the core schema and
 * then the extensions (Entra sends `manager` bare; RFC 7644 §3.10 wants the URN, we accept both).
 */
export function resolveAttributePath(rs: ResourceSchema, path: string): Resolved | undefined {
  let known = resolvedPaths.get(rs);
  if (!known) resolvedPaths.set(rs, (known = new Map<string, Resolved | undefined>()));
  if (known.has(path)) return known.get(path);
  const r = resolvePath(rs, path);
  if (known.size < MAX_RESOLVED_PATHS) known.set(path, r && Object.freeze(r));
  return r;
}

/**
 * Paths resolved before, per resource schema (schemas are fixed; resolutions are frozen and shared). Paths come
 * from requests, so each table stops growing at a bound: other spellings are resolved each time.
 */
const resolvedPaths = new WeakMap<ResourceSchema, Map<string, Resolved | undefined>>();
const MAX_RESOLVED_PATHS = 2000;

function resolvePath(rs: ResourceSchema, path: string): Resolved | undefined {
  const ext = extensionNamed(rs, path);
  if (ext) return { kind: 'extension', schema: ext };
  const lower = path.toLowerCase();
  for (const schema of [rs.core, ...rs.extensions]) {
    const prefix = schema.id.toLowerCase() + ':';
    if (lower.startsWith(prefix)) {
      const rest = path.slice(prefix.length);
      return resolveIn(rs, schema, rest);
    }
  }
  if (path.includes(':')) return undefined;
  return resolveIn(rs, undefined, path);
}

/** Resolves `attr` / `attr.sub` in one schema (or, with `schema` undefined, in all of the resource's). */
export function resolveIn(rs: ResourceSchema, schema: SchemaDef | undefined, dotted: string): Resolved | undefined {
  const parts = dotted.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) return undefined;
  return resolveParts(rs, schema, parts[0], parts[1]);
}

export function resolveParts(
  rs: ResourceSchema,
  schema: SchemaDef | undefined,
  name: string,
  subName?: string,
): Resolved | undefined {
  const candidates: Array<[SchemaDef, readonly AttributeDef[], boolean]> = [];
  if (!schema || schema === rs.core)
    candidates.push([rs.core, COMMON_ATTRIBUTES, false], [rs.core, rs.core.attributes, false]);
  if (!schema) for (const e of rs.extensions) candidates.push([e, e.attributes, true]);
  else if (schema !== rs.core) candidates.push([schema, schema.attributes, true]);
  for (const [s, list, extension] of candidates) {
    const a = findAttribute(list, name);
    if (!a) continue;
    if (subName === undefined) return { kind: 'attribute', schema: s, extension, attr: a };
    const sub = findAttribute(a.subAttributes, subName);
    return sub ? { kind: 'attribute', schema: s, extension, attr: a, sub } : undefined;
  }
  return undefined;
}

/** The canonical name of a target, URN-qualified for extension attributes (used in error details). */
export function targetName(t: {
  schema: SchemaDef;
  extension: boolean;
  attr: AttributeDef;
  sub?: AttributeDef;
}): string {
  const local = t.sub ? `${t.attr.name}.${t.sub.name}` : t.attr.name;
  return t.extension ? `${t.schema.id}:${local}` : local;
}

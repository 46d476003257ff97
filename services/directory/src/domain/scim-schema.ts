/**
 * Attribute descriptors of the resources we serve (RFC 7643 core User and Group, the Enterprise User extension
 * and the platform's own extension). One table drives validation, filter compilation, PATCH path resolution,
 * projection and the /Schemas document, so that what we advertise is exactly what we do.
 */

export const URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  platform: 'urn:ietf:params:scim:schemas:extension:platform:2.0:User',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
} as const;

export const ROLES = ['ReadOnly', 'User', 'Admin', 'EnterpriseAdmin'] as const;
export type RoleName = (typeof ROLES)[number];

export type AttrType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex' | 'integer';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server' | 'global';
  required?: boolean;
  canonicalValues?: readonly string[];
  referenceTypes?: string[];
  subAttributes?: AttrDef[];
  description: string;
}

const s = (name: string, description: string, extra: Partial<AttrDef> = {}): AttrDef => ({ name, type: 'string', description, ...extra });
const multi = (name: string, description: string, types: string[], extraSubs: AttrDef[] = []): AttrDef => ({
  name,
  type: 'complex',
  multiValued: true,
  description,
  subAttributes: [
    s('value', `The ${name} value.`),
    s('display', 'A human-readable name.'),
    s('type', 'A label indicating the function.', { canonicalValues: types }),
    { name: 'primary', type: 'boolean', description: 'The primary value.' },
    ...extraSubs,
  ],
});

export const USER_ATTRS: AttrDef[] = [
  s('userName', 'Unique identifier for the user, by default the e-mail address.', { required: true, uniqueness: 'server' }),
  {
    name: 'name',
    type: 'complex',
    description: "The components of the user's name.",
    required: true,
    subAttributes: [s('formatted', 'The full name.'), s('familyName', 'The family name.', { required: true }), s('givenName', 'The given name.', { required: true }), s('middleName', 'The middle name.'), s('honorificPrefix', 'Prefix, e.g. Ms.'), s('honorificSuffix', 'Suffix, e.g. III.')],
  },
  s('displayName', 'The name displayed to end users.'),
  s('nickName', 'A casual name.'),
  s('profileUrl', 'A URL to the profile.', { type: 'reference', referenceTypes: ['external'] }),
  s('title', "The user's title."),
  s('userType', 'The relationship to the organization.'),
  s('preferredLanguage', 'Preferred written or spoken language.'),
  s('locale', 'Default location for localization.'),
  s('timezone', 'Time zone in IANA format.'),
  { name: 'active', type: 'boolean', description: 'Whether the user may sign in; false deactivates without deleting.' },
  { name: 'password', type: 'string', mutability: 'writeOnly', returned: 'never', description: 'Accepted and never stored or returned (sign-in is through the identity provider).' },
  { ...multi('emails', 'E-mail addresses; at least one is required.', ['work', 'home', 'other']), required: true },
  multi('phoneNumbers', 'Phone numbers, stored exactly as sent.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multi('ims', 'Instant messaging addresses.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multi('photos', 'URLs of photos.', ['photo', 'thumbnail']),
  {
    name: 'addresses',
    type: 'complex',
    multiValued: true,
    description: 'Physical mailing addresses.',
    subAttributes: [s('formatted', 'The full address.'), s('streetAddress', 'Street.'), s('locality', 'City.'), s('region', 'State or region.'), s('postalCode', 'Postal code.'), s('country', 'Country (ISO 3166-1 alpha-2).'), s('type', 'Label.', { canonicalValues: ['work', 'home', 'other'] }), { name: 'primary', type: 'boolean', description: 'The primary address.' }],
  },
  multi('entitlements', 'Entitlements of the user.', []),
  multi('roles', `Platform roles; the first (or primary) value grants web-portal access: ${ROLES.join(', ')}.`, []),
  { name: 'groups', type: 'complex', multiValued: true, mutability: 'readOnly', returned: 'request', description: 'Read-only; group membership is managed on Groups.', subAttributes: [s('value', 'Group id.'), s('display', 'Group name.')] },
];

export const ENTERPRISE_ATTRS: AttrDef[] = [
  s('employeeNumber', 'Employee number.'),
  s('costCenter', 'Cost center.'),
  s('organization', 'Organization.'),
  s('division', 'Division.'),
  s('department', 'Department.'),
  {
    name: 'manager',
    type: 'complex',
    description: "The user's manager; accepted as an id, {value} or [{value}], returned as {value}.",
    subAttributes: [s('value', 'The id of the manager.'), s('$ref', 'The URI of the manager.', { type: 'reference', referenceTypes: ['User'] }), s('displayName', 'The name of the manager.', { mutability: 'readOnly' })],
  },
];

export const PLATFORM_ATTRS: AttrDef[] = [s('role', `Web-portal role: ${ROLES.join(', ')}. No role means app-only access.`, { canonicalValues: ROLES })];

export const GROUP_ATTRS: AttrDef[] = [
  s('displayName', 'The team name, unique in the organization (case-insensitive).', { required: true, uniqueness: 'server' }),
  {
    name: 'members',
    type: 'complex',
    multiValued: true,
    description: 'Users of the same organization.',
    subAttributes: [s('value', 'User id.', { mutability: 'immutable' }), s('display', 'User name.', { mutability: 'readOnly' }), s('$ref', 'User URI.', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }), s('type', 'Always User.', { canonicalValues: ['User'], mutability: 'immutable' })],
  },
];

const COMMON_ATTRS: AttrDef[] = [
  s('id', 'Server-assigned, case-sensitive, never reused.', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  s('externalId', "The identity provider's id for the resource.", { caseExact: true }),
];

export function findAttr(list: AttrDef[], name: string): AttrDef | undefined {
  const lower = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === lower);
}

export const ALL_USER_TOP = [...COMMON_ATTRS, ...USER_ATTRS];
export const ALL_GROUP_TOP = [...COMMON_ATTRS, ...GROUP_ATTRS];

/** Renders descriptors as RFC 7643 §7 attribute definitions, with no null values. */
function render(a: AttrDef): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued ?? false,
    description: a.description,
    required: a.required ?? false,
    caseExact: a.caseExact ?? false,
    mutability: a.mutability ?? 'readWrite',
    returned: a.returned ?? (a.name === 'id' ? 'always' : 'default'),
    uniqueness: a.uniqueness ?? 'none',
    ...(a.canonicalValues && a.canonicalValues.length ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(render) } : {}),
  };
}

export function schemaDocuments(baseUrl: string) {
  const doc = (id: string, name: string, description: string, attrs: AttrDef[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description,
    attributes: attrs.map(render),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    doc(URN.user, 'User', 'User account', USER_ATTRS.filter((a) => a.name !== 'groups' || true)),
    doc(URN.group, 'Group', 'Group (a team in the platform)', GROUP_ATTRS),
    doc(URN.enterprise, 'EnterpriseUser', 'Enterprise User extension', ENTERPRISE_ATTRS),
    doc(URN.platform, 'PlatformUser', "The platform's extension: web-portal role", PLATFORM_ATTRS),
  ];
}

export function resourceTypeDocuments(baseUrl: string) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User account',
      schema: URN.user,
      schemaExtensions: [
        { schema: URN.enterprise, required: false },
        { schema: URN.platform, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group (a team in the platform)',
      schema: URN.group,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

export function serviceProviderConfig(baseUrl: string, opts: { maxResults: number; maxPayloadSize: number }) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2\/.*$/, '')}/docs/scim`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: opts.maxPayloadSize },
    filter: { supported: true, maxResults: opts.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Bearer token', description: "The connector's bearer token: Authorization: Bearer <token> (Okta HTTP Header / OAuth Bearer Token, Entra Secret Token).", primary: true },
      { type: 'httpbasic', name: 'HTTP Basic', description: "User name: the organization's Company ID; password: the connector's Integration Passkey." },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

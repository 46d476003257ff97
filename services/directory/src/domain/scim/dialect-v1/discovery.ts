/**
 * SCIM 1.1 discovery (draft-scim-api-01 §4): `/ServiceProviderConfigs` (1.1's name) and `/Schemas`, rendered
 * from the same attribute descriptors as 2.0's, so both dialects describe one truth. Bulk is offered on the
 * 2.0 base URL only, and 1.1 says so.
 */
import { notFound } from '../scim-error.js';
import {
  ENTERPRISE_USER_SCHEMA_DEF,
  GROUP_RESOURCE,
  PLATFORM_USER_SCHEMA_DEF,
  USER_RESOURCE,
  type AttributeDef,
  type SchemaDef,
} from '../schema.js';
import { V1_CORE_SCHEMA, V1_ENTERPRISE_SCHEMA } from './codec.js';

type Json = Record<string, unknown>;

interface V1Schema {
  id: string;
  name: string;
  description: string;
  schema: string;
  endpoint?: string;
  defs: readonly SchemaDef[];
}

const V1_SCHEMAS: readonly V1Schema[] = [
  {
    id: `${V1_CORE_SCHEMA}:User`,
    name: 'User',
    description: USER_RESOURCE.description,
    schema: V1_CORE_SCHEMA,
    endpoint: '/Users',
    defs: [USER_RESOURCE.core],
  },
  {
    id: `${V1_CORE_SCHEMA}:Group`,
    name: 'Group',
    description: GROUP_RESOURCE.description,
    schema: V1_CORE_SCHEMA,
    endpoint: '/Groups',
    defs: [GROUP_RESOURCE.core],
  },
  {
    id: V1_ENTERPRISE_SCHEMA,
    name: 'EnterpriseUser',
    description: ENTERPRISE_USER_SCHEMA_DEF.description,
    schema: V1_ENTERPRISE_SCHEMA,
    defs: [ENTERPRISE_USER_SCHEMA_DEF],
  },
  {
    id: PLATFORM_USER_SCHEMA_DEF.id,
    name: PLATFORM_USER_SCHEMA_DEF.name,
    description: PLATFORM_USER_SCHEMA_DEF.description,
    schema: PLATFORM_USER_SCHEMA_DEF.id,
    defs: [PLATFORM_USER_SCHEMA_DEF],
  },
];

function renderAttribute(a: AttributeDef, schema: string, enterprise: boolean): Json {
  // 1.1 names the enterprise manager's id managerId
  const name = enterprise && a.name === 'value' ? 'managerId' : a.name;
  return {
    name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    schema,
    readOnly: a.mutability === 'readOnly',
    required: a.required,
    caseExact: a.caseExact,
    ...(a.canonicalValues ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.subAttributes
      ? {
          subAttributes: a.subAttributes
            .filter((s) => s.name !== '$ref')
            .map((s) => renderAttribute(s, schema, enterprise && a.name === 'manager')),
        }
      : {}),
  };
}

function renderSchema(s: V1Schema, baseUrl: string): Json {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    schema: s.schema,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    attributes: s.defs
      .flatMap((d) => d.attributes)
      .map((a) => renderAttribute(a, s.schema, s.schema === V1_ENTERPRISE_SCHEMA)),
    meta: { location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function serviceProviderConfigV1(o: { baseUrl: string; maxResults: number }): Json {
  return {
    schemas: [V1_CORE_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: o.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    xmlDataFormat: { supported: false },
    authenticationSchemes: [
      {
        name: 'OAuth Bearer Token',
        description:
          'The connector\'s bearer token in the Authorization header, bare (Okta "SCIM 1.1 Header Auth") or as "Bearer <token>".',
        specUrl: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
      {
        name: 'HTTP Basic',
        description: "The organization's Company ID as user name and the connector's Integration Passkey as password.",
        specUrl: 'https://www.rfc-editor.org/info/rfc7617',
      },
    ],
    meta: { location: `${o.baseUrl}/ServiceProviderConfigs` },
  };
}

/** One entry point: `ServiceProviderConfigs` (also accepted as `ServiceProviderConfig`) and `Schemas[/id]`. */
export function discoveryDocumentV1(endpoint: string, id: string, o: { baseUrl: string; maxResults: number }): Json {
  if (endpoint === 'ServiceProviderConfigs' || endpoint === 'ServiceProviderConfig') return serviceProviderConfigV1(o);
  if (endpoint === 'Schemas') {
    if (id) {
      const s = V1_SCHEMAS.find(
        (x) =>
          x.id.toLowerCase() === id.toLowerCase() ||
          x.name.toLowerCase() === id.toLowerCase() ||
          (x.endpoint ?? '').slice(1).toLowerCase() === id.toLowerCase(),
      );
      if (!s)
        throw notFound(`no schema "${id}"; this service provider serves ${V1_SCHEMAS.map((x) => x.id).join(', ')}`);
      return renderSchema(s, o.baseUrl);
    }
    const all = V1_SCHEMAS.map((s) => renderSchema(s, o.baseUrl));
    return {
      schemas: [V1_CORE_SCHEMA],
      totalResults: all.length,
      itemsPerPage: all.length,
      startIndex: 1,
      Resources: all,
    };
  }
  throw notFound(`no SCIM 1.1 discovery endpoint "${endpoint}"; SCIM 1.1 serves /ServiceProviderConfigs and /Schemas`);
}

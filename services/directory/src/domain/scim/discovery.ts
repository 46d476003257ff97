/**
 * The discovery documents (RFC 7644 §4, RFC 7643 §5-7) rendered from the attribute descriptors in schema.ts:
 * `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig`. No null values anywhere and camelCase
 * characteristics, as Entra requires.
 */
import { DEFAULT_SCIM_LIMITS, type ScimLimits } from './limits.js';
import { notFound } from './scim-error.js';
import {
  ALL_SCHEMAS,
  GROUP_RESOURCE,
  USER_RESOURCE,
  type AttributeDef,
  type ResourceSchema,
  type SchemaDef,
} from './schema.js';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

export type Json = Record<string, unknown>;

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: Json[];
}

export function listResponse(resources: Json[]): ListResponse {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}

function renderAttribute(a: AttributeDef): Json {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.referenceTypes ? { referenceTypes: [...a.referenceTypes] } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(renderAttribute) } : {}),
  };
}

export function renderSchema(s: SchemaDef, baseUrl: string): Json {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(renderAttribute),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function renderResourceType(rs: ResourceSchema, baseUrl: string): Json {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: rs.name,
    name: rs.name,
    endpoint: rs.endpoint,
    description: rs.description,
    schema: rs.core.id,
    ...(rs.extensions.length
      ? { schemaExtensions: rs.extensions.map((e) => ({ schema: e.id, required: false })) }
      : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rs.name}` },
  };
}

/** `GET /Schemas` */
export function schemasDocument(baseUrl: string): ListResponse {
  return listResponse(ALL_SCHEMAS.map((s) => renderSchema(s, baseUrl)));
}

/** `GET /Schemas/{urn}` (case-insensitive); 404 when unknown. */
export function schemaDocument(id: string, baseUrl: string): Json {
  const s = ALL_SCHEMAS.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!s) throw notFound(`no schema "${id}"; this service provider serves ${ALL_SCHEMAS.map((x) => x.id).join(', ')}`);
  return renderSchema(s, baseUrl);
}

/** `GET /ResourceTypes` */
export function resourceTypesDocument(baseUrl: string): ListResponse {
  return listResponse([USER_RESOURCE, GROUP_RESOURCE].map((rs) => renderResourceType(rs, baseUrl)));
}

/** `GET /ResourceTypes/{User|Group}` (case-insensitive); 404 when unknown. */
export function resourceTypeDocument(id: string, baseUrl: string): Json {
  const rs = [USER_RESOURCE, GROUP_RESOURCE].find((x) => x.name.toLowerCase() === id.toLowerCase());
  if (!rs) throw notFound(`no resource type "${id}"; this service provider serves User and Group`);
  return renderResourceType(rs, baseUrl);
}

export interface ServiceProviderConfigOptions {
  baseUrl: string;
  /** The largest page a list or filter answers (`filter.maxResults`). */
  maxResults: number;
  /** Where an administrator reads how to connect an identity provider. */
  documentationUri?: string;
  /** The largest request body accepted, in bytes (advertised as `bulk.maxPayloadSize`). */
  maxPayloadSize?: number;
  /** Bounds on one request's work (limits.ts), advertised next to `patch.supported`. */
  limits?: ScimLimits;
  /** The most operations one POST /Bulk may carry; 0 or absent: Bulk is not offered. */
  maxOperations?: number;
}

/** `GET /ServiceProviderConfig`: exactly the features that work (patch, bulk, filter, sort, etag; no changePassword). */
export function serviceProviderConfig(o: ServiceProviderConfigOptions): Json {
  const doc = o.documentationUri ? { documentationUri: o.documentationUri } : {};
  return {
    schemas: [SPC_SCHEMA],
    ...doc,
    // maxOperations / maxValuesPerAttribute: this service's limits (limits.ts); RFC 7643 §5 has no member for them
    patch: {
      supported: true,
      maxOperations: (o.limits ?? DEFAULT_SCIM_LIMITS).maxPatchOperations,
      maxValuesPerAttribute: (o.limits ?? DEFAULT_SCIM_LIMITS).maxValuesPerAttribute,
    },
    bulk: {
      supported: (o.maxOperations ?? 0) > 0,
      maxOperations: o.maxOperations ?? 0,
      maxPayloadSize: o.maxPayloadSize ?? 0,
    },
    filter: { supported: true, maxResults: o.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'The connector\'s bearer token in "Authorization: Bearer <token>" (Okta "HTTP Header" or "OAuth Bearer Token", Entra "Secret Token").',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        ...doc,
        primary: true,
      },
      {
        type: 'httpbasic',
        name: 'HTTP Basic',
        description:
          "HTTP Basic authentication with the organization's Company ID as user name and the connector's Integration Passkey as password.",
        specUri: 'https://www.rfc-editor.org/info/rfc7617',
        ...doc,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${o.baseUrl}/ServiceProviderConfig` },
  };
}

/** One entry point for the three discovery endpoints; `id` is '' for the list. */
export function discoveryDocument(endpoint: string, id: string, o: ServiceProviderConfigOptions): Json {
  switch (endpoint) {
    case 'ServiceProviderConfig':
      return serviceProviderConfig(o);
    case 'Schemas':
      return id ? schemaDocument(id, o.baseUrl) : (schemasDocument(o.baseUrl) as unknown as Json);
    case 'ResourceTypes':
      return id ? resourceTypeDocument(id, o.baseUrl) : (resourceTypesDocument(o.baseUrl) as unknown as Json);
    default:
      throw notFound(`no discovery endpoint "${endpoint}"`);
  }
}

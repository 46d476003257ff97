/**
 * The SCIM dialect of a base URL: `/scim/v2/{org}` speaks SCIM 2.0 (RFC 7643/7644), `/scim/v1/{org}` SCIM 1.1
 * (Okta's SCIM 1.1 apps). A dialect only translates at the edge — bodies in, PATCH in, resources out,
 * discovery — and the engine behind is the same. A body written in the other dialect is refused with a 400
 * that names the right base URL: never half-understood.
 */
import { invalidSyntax } from './scim-error.js';
import { isPlainObject } from './normalize.js';
import type { ResourceSchema } from './schema.js';
import type { ScimObject } from './stored-layout.js';
import { listParamsFromV1, resourceFromV1, resourceToV1, V1_CORE_SCHEMA } from './dialect-v1/codec.js';
import { patchFromV1 } from './dialect-v1/patch.js';
import { discoveryDocumentV1 } from './dialect-v1/discovery.js';
import { discoveryDocument, type ServiceProviderConfigOptions } from './discovery.js';

export type DialectName = 'v1' | 'v2';

export interface ScimDialect {
  readonly name: DialectName;
  /** A POST/PUT body → the 2.0 body the engine validates. */
  readResource(rs: ResourceSchema, body: unknown): unknown;
  /** A PATCH body → a 2.0 PatchOp body. */
  readPatch(rs: ResourceSchema, body: unknown): unknown;
  /** Raw list parameters (query or .search body) → the names the engine knows (1.1 URN prefixes). */
  readListParams(params: Record<string, unknown>): Record<string, unknown>;
  /** A rendered 2.0 resource (JSON text) → this dialect's JSON text. */
  writeResource(rs: ResourceSchema, json: string): string;
  discovery(endpoint: string, id: string, o: ServiceProviderConfigOptions): unknown;
}

const schemasOf = (body: unknown): string[] =>
  isPlainObject(body) && Array.isArray(body.schemas)
    ? body.schemas.filter((s): s is string => typeof s === 'string')
    : [];
const isV1Urn = (s: string) => s.toLowerCase().startsWith('urn:scim:schemas:');
const isV2Urn = (s: string) =>
  s.toLowerCase().startsWith('urn:ietf:params:scim:schemas:core:2.0:') ||
  s.toLowerCase().startsWith('urn:ietf:params:scim:api:messages:2.0:');
const hasKey = (body: unknown, name: string) =>
  isPlainObject(body) && Object.keys(body).some((k) => k.toLowerCase() === name.toLowerCase());

/** Refuses a SCIM 1.1 body on the 2.0 base URL. */
export function refuseV1OnV2(body: unknown, v1BaseUrl: string) {
  const v1 = schemasOf(body).find(isV1Urn);
  if (v1)
    throw invalidSyntax(
      `this is the SCIM 2.0 base URL and the request uses the SCIM 1.1 schema ${v1}; send SCIM 1.1 requests to ${v1BaseUrl || "the connector's SCIM 1.1 base URL (scim.v1BaseUrl)"}`,
    );
}

/** Refuses a SCIM 2.0 body (2.0 schemas, or a PatchOp's "Operations") on the 1.1 base URL. */
export function refuseV2OnV1(body: unknown, v2BaseUrl: string) {
  const v2 = schemasOf(body).find(isV2Urn) ?? (hasKey(body, 'Operations') ? 'PatchOp ("Operations")' : undefined);
  if (v2)
    throw invalidSyntax(
      `this is the SCIM 1.1 base URL and the request uses SCIM 2.0 (${v2}); send SCIM 2.0 requests to ${v2BaseUrl || "the connector's SCIM 2.0 base URL (scim.baseUrl)"}`,
    );
}

export function scimDialect(name: DialectName, alternateBaseUrl: string): ScimDialect {
  if (name === 'v1') {
    return {
      name,
      readResource(rs, body) {
        refuseV2OnV1(body, alternateBaseUrl);
        return resourceFromV1(rs, body);
      },
      readPatch(rs, body) {
        refuseV2OnV1(body, alternateBaseUrl);
        return patchFromV1(rs, body);
      },
      readListParams: (params) => listParamsFromV1(params),
      writeResource: (rs, json) => JSON.stringify(resourceToV1(rs, JSON.parse(json) as ScimObject)),
      discovery: (endpoint, id, o) =>
        discoveryDocumentV1(endpoint, id, { baseUrl: o.baseUrl, maxResults: o.maxResults }),
    };
  }
  return {
    name,
    readResource(_rs, body) {
      refuseV1OnV2(body, alternateBaseUrl);
      return body;
    },
    readPatch(_rs, body) {
      refuseV1OnV2(body, alternateBaseUrl);
      if (
        isPlainObject(body) &&
        !hasKey(body, 'Operations') &&
        schemasOf(body).length === 0 &&
        Object.keys(body).length > 0
      ) {
        // a partial resource without schemas: the SCIM 1.1 PATCH shape
        throw invalidSyntax(
          `a SCIM 2.0 PATCH body needs "Operations"; a partial resource is a SCIM 1.1 PATCH: send it to ${alternateBaseUrl || "the connector's SCIM 1.1 base URL (scim.v1BaseUrl)"}`,
        );
      }
      return body;
    },
    readListParams: (params) => params,
    writeResource: (_rs, json) => json,
    discovery: (endpoint, id, o) => discoveryDocument(endpoint, id, o),
  };
}

export { V1_CORE_SCHEMA };

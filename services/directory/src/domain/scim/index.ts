/** The pure SCIM 2.0 domain: no I/O, no gRPC, no store; see docs/scim.md. */
export * from './scim-error.js';
export * from './schema.js';
export * from './discovery.js';
export * from './filter-parser.js';
export * from './filter-compiler.js';
export * from './stored-layout.js';
export { normalizeResource, canonicalize, coerceBoolean, parseDateTime, isPlainObject } from './normalize.js';
export * from './user-input.js';
export * from './group-input.js';
export * from './user-codec.js';
export * from './group-codec.js';
export * from './patch.js';
export * from './limits.js';
export * from './projection.js';
export * from './list-params.js';
export { matchesValueFilter } from './value-filter.js';
export * from './dialect.js';
export {
  resourceFromV1,
  resourceToV1,
  attributeNameFromV1,
  listParamsFromV1,
  V1_ENTERPRISE_SCHEMA,
} from './dialect-v1/codec.js';
export { patchFromV1 } from './dialect-v1/patch.js';
export { discoveryDocumentV1, serviceProviderConfigV1 } from './dialect-v1/discovery.js';
export * from './foreign-extensions.js';
export * from './bulk.js';

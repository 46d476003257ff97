/** The pure SCIM 2.0 domain: no I/O, no gRPC, no store; see docs/scim.md. */
export * from './scim-error.js';
export * from './schema.js';
export * from './discovery.js';
export * from './filter-parser.js';
export * from './filter-compiler.js';
export * from './stored-layout.js';
export { normalizeResource, canonicalize, coerceBoolean, parseDateTime } from './normalize.js';
export * from './user-input.js';
export * from './group-input.js';
export * from './user-codec.js';
export * from './group-codec.js';
export * from './patch.js';
export * from './limits.js';
export * from './projection.js';
export * from './list-params.js';
export { matchesValueFilter } from './value-filter.js';

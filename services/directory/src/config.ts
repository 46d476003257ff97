import { commonFields, field, loadConfig, mongodbUriField, type Env } from '../../kit/src/config.js';
import { eventsFields } from './events/events-config.js';

export function loadDirectoryConfig(env: Env) {
  return loadConfig(env, {
    ...commonFields,
    grpcPort: field.port('GRPC_PORT', 50052),
    // Plaintext gRPC health only (for kubelet probes, which cannot speak TLS); 0: none.
    grpcHealthPort: field.int('GRPC_HEALTH_PORT', 0, 0, 65535),
    metricsPort: field.port('METRICS_PORT', 9102),
    host: field.string('HOST', '0.0.0.0'),
    mongodbUri: mongodbUriField(),
    dataDir: field.string('DATA_DIR', './.data'),
    /** SCIM paging: default and maximum page size (Okta pages by 100, so the maximum must be ≥ 100). */
    scimDefaultPageSize: field.int('SCIM_DEFAULT_PAGE_SIZE', 100, 1, 10000),
    scimMaxPageSize: field.int('SCIM_MAX_PAGE_SIZE', 1000, 100, 10000),
    /** Bounds on one SCIM request's work (domain/scim/limits.ts), advertised in /ServiceProviderConfig. */
    scimPatchMaxOperations: field.int('SCIM_PATCH_MAX_OPERATIONS', 1000, 1, 100000),
    scimMaxValuesPerAttribute: field.int('SCIM_MAX_VALUES_PER_ATTRIBUTE', 100, 1, 10000),
    /** POST /Bulk: the most operations in one request (bulk.maxOperations). */
    scimBulkMaxOperations: field.int('SCIM_BULK_MAX_OPERATIONS', 1000, 1, 100000),
    ...eventsFields,
  });
}
export type DirectoryConfig = ReturnType<typeof loadDirectoryConfig>['config'];

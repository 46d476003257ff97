import { commonFields, field, loadConfig, mongodbUriField, type Env } from '../../kit/src/config.js';

export function loadEntitlementConfig(env: Env) {
  return loadConfig(env, {
    ...commonFields,
    grpcPort: field.port('GRPC_PORT', 50054),
    // Plaintext gRPC health only (for kubelet probes, which cannot speak TLS); 0: none.
    grpcHealthPort: field.int('GRPC_HEALTH_PORT', 0, 0, 65535),
    metricsPort: field.port('METRICS_PORT', 9104),
    host: field.string('HOST', '0.0.0.0'),
    mongodbUri: mongodbUriField(),
    dataDir: field.string('DATA_DIR', './.data'),
  });
}
export type EntitlementConfig = ReturnType<typeof loadEntitlementConfig>['config'];

import { commonFields, field, redisFields, loadConfig, mongodbUriField, type Env } from '../../kit/src/config.js';

export function loadCredentialsConfig(env: Env) {
  return loadConfig(env, {
    ...commonFields,
    grpcPort: field.port('GRPC_PORT', 50053),
    // Plaintext gRPC health only (for kubelet probes, which cannot speak TLS); 0: none.
    grpcHealthPort: field.int('GRPC_HEALTH_PORT', 0, 0, 65535),
    metricsPort: field.port('METRICS_PORT', 9103),
    host: field.string('HOST', '0.0.0.0'),
    mongodbUri: mongodbUriField(),
    redisUrl: field.optionalUrl('REDIS_URL', ['redis:', 'rediss:'], 'the credential verification cache lives in this process only'),
    ...redisFields,
    dataDir: field.string('DATA_DIR', './.data'),
    cacheTtlSeconds: field.int('CREDENTIAL_CACHE_TTL_SECONDS', 300, 1, 86400),
  });
}
export type CredentialsConfig = ReturnType<typeof loadCredentialsConfig>['config'];

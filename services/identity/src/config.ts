import {
  ConfigError,
  commonFields,
  field,
  redisFields,
  loadConfig,
  mongodbUriField,
  type Env,
} from '../../kit/src/config.js';

/**
 * Identity service settings. Issuers must use https; plain http is accepted only for loopback issuers
 * (http://127.0.0.1, http://[::1], http://localhost), which exist in tests and local development only.
 */
export function loadIdentityConfig(env: Env) {
  const loaded = loadConfig(env, {
    ...commonFields,
    grpcPort: field.port('GRPC_PORT', 50051),
    // Plaintext gRPC health only (for kubelet probes, which cannot speak TLS); 0: none.
    grpcHealthPort: field.int('GRPC_HEALTH_PORT', 0, 0, 65535),
    metricsPort: field.port('METRICS_PORT', 9101),
    host: field.string('HOST', '0.0.0.0'),
    mongodbUri: mongodbUriField(),
    redisUrl: field.optionalUrl(
      'REDIS_URL',
      ['redis:', 'rediss:'],
      'sessions and login transactions live in this process only: they end at restart and are not shared between replicas',
    ),
    ...redisFields,
    dataDir: field.string('DATA_DIR', './.data'),
    directoryAddr: field.address('DIRECTORY_ADDR', '127.0.0.1:50052'),
    /** A session ends after this long without use (sliding). */
    sessionIdleSeconds: field.int('SESSION_IDLE_SECONDS', 3600, 60, 7 * 86400),
    /** A session ends this long after sign-in, however active. */
    sessionAbsoluteSeconds: field.int('SESSION_ABSOLUTE_SECONDS', 43200, 300, 30 * 86400),
    /** An Organization Setup session (opened by a setup link) ends after this long without use. */
    setupSessionIdleSeconds: field.int('SETUP_SESSION_IDLE_SECONDS', 1800, 60, 86400),
    /** An Organization Setup session ends this long after the link was opened, however active. */
    setupSessionAbsoluteSeconds: field.int('SETUP_SESSION_ABSOLUTE_SECONDS', 28800, 300, 7 * 86400),
    /** Accepted clock difference with the identity provider when checking exp/iat/nbf of ID tokens. */
    clockToleranceSeconds: field.int('OIDC_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    /** Timeout of each request to an identity provider (discovery, token, JWKS, userinfo). */
    idpTimeoutSeconds: field.int('OIDC_HTTP_TIMEOUT_SECONDS', 10, 1, 60),
    /** How long a discovered provider configuration is reused before it is fetched again. */
    discoveryTtlSeconds: field.int('OIDC_DISCOVERY_TTL_SECONDS', 3600, 60, 86400),
  });
  if (loaded.config.sessionIdleSeconds > loaded.config.sessionAbsoluteSeconds) {
    throw new ConfigError([
      `SESSION_IDLE_SECONDS (${loaded.config.sessionIdleSeconds}) must not exceed SESSION_ABSOLUTE_SECONDS (${loaded.config.sessionAbsoluteSeconds})`,
    ]);
  }
  if (loaded.config.setupSessionIdleSeconds > loaded.config.setupSessionAbsoluteSeconds) {
    throw new ConfigError([
      `SETUP_SESSION_IDLE_SECONDS (${loaded.config.setupSessionIdleSeconds}) must not exceed SETUP_SESSION_ABSOLUTE_SECONDS (${loaded.config.setupSessionAbsoluteSeconds})`,
    ]);
  }
  return loaded;
}
export type IdentityConfig = ReturnType<typeof loadIdentityConfig>['config'];

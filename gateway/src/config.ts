import { commonFields, ConfigError, field, redisFields, loadConfig, type Env } from '../../services/kit/src/config.js';

export function loadGatewayConfig(env: Env) {
  const loaded = loadConfig(env, {
    ...commonFields,
    port: field.port('PORT', 8080),
    metricsPort: field.port('METRICS_PORT', 9100),
    host: field.string('HOST', '0.0.0.0'),
    publicUrl: field.url(
      'PUBLIC_URL',
      `http://localhost:${env.PORT?.trim() || 8080}`,
      'SCIM base URLs and redirect URIs use http://localhost; set PUBLIC_URL to the external https:// address',
    ),
    adminToken: field.secret(
      'ADMIN_TOKEN',
      32,
      'the operator token of the admin API; `npm start` generates one for local use',
    ),
    directoryAddr: field.address('DIRECTORY_ADDR', '127.0.0.1:50052'),
    credentialsAddr: field.address('CREDENTIALS_ADDR', '127.0.0.1:50053'),
    entitlementAddr: field.address('ENTITLEMENT_ADDR', '127.0.0.1:50054'),
    identityAddr: field.address('IDENTITY_ADDR', '127.0.0.1:50051'),
    redisUrl: field.optionalUrl(
      'REDIS_URL',
      ['redis:', 'rediss:'],
      'failed-authentication counters live in this process only (not shared between replicas)',
    ),
    ...redisFields,
    trustProxy: field.int('TRUST_PROXY', 0, 0, 10),
    scimMaxBodyBytes: field.int('SCIM_MAX_BODY_BYTES', 1048576, 1024, 64 * 1048576),
    /** SCIM requests one tenant may have in progress per gateway replica; more answer 429 (docs/faults.md). */
    scimMaxConcurrentPerTenant: field.int('SCIM_MAX_CONCURRENT_REQUESTS_PER_TENANT', 32, 1, 10000),
    authFailuresPerClient: field.int('AUTH_FAILURES_PER_CLIENT_PER_MINUTE', 20, 1, 100000),
    authFailuresPerTenant: field.int('AUTH_FAILURES_PER_TENANT_PER_MINUTE', 100, 1, 100000),
    entitlementCacheMs: field.int('ENTITLEMENT_CACHE_MS', 1000, 0, 1000),
    appRedirectUris: field.list('APP_REDIRECT_URIS', ['com.example.platform:/oidc/callback']),
    portalUrl: field.optionalString('PORTAL_URL'),
    // Operations (issue #16, #14.5): logs, HTTP hardening, metrics cardinality.
    accessLogSampleRate: field.number('ACCESS_LOG_SAMPLE_RATE', 1, 0, 1),
    httpHeadersTimeoutMs: field.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    httpRequestTimeoutMs: field.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    httpMaxConnections: field.int('HTTP_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    hstsMaxAgeSeconds: field.int('HSTS_MAX_AGE_SECONDS', 31_536_000, 0, 63_072_000),
    metricsTenantLabel: field.bool('METRICS_TENANT_LABEL', false),
    healthCheckIntervalMs: field.int('HEALTH_CHECK_INTERVAL_MS', 2_000, 100, 60_000),
  });
  // Node refuses a headers timeout longer than the request timeout.
  if (loaded.config.httpHeadersTimeoutMs > loaded.config.httpRequestTimeoutMs) {
    throw new ConfigError([
      `HTTP_HEADERS_TIMEOUT_MS (${loaded.config.httpHeadersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${loaded.config.httpRequestTimeoutMs})`,
    ]);
  }
  return loaded;
}
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>['config'];

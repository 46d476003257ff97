import { commonFields, field, redisFields, loadConfig, type Env } from '../../services/kit/src/config.js';

export function loadGatewayConfig(env: Env) {
  const loaded = loadConfig(env, {
    ...commonFields,
    port: field.port('PORT', 8080),
    metricsPort: field.port('METRICS_PORT', 9100),
    host: field.string('HOST', '0.0.0.0'),
    publicUrl: field.url('PUBLIC_URL', `http://localhost:${env.PORT?.trim() || 8080}`, 'SCIM base URLs and redirect URIs use http://localhost; set PUBLIC_URL to the external https:// address'),
    adminToken: field.secret('ADMIN_TOKEN', 32, 'the operator token of the admin API; `npm start` generates one for local use'),
    directoryAddr: field.address('DIRECTORY_ADDR', '127.0.0.1:50052'),
    credentialsAddr: field.address('CREDENTIALS_ADDR', '127.0.0.1:50053'),
    entitlementAddr: field.address('ENTITLEMENT_ADDR', '127.0.0.1:50054'),
    identityAddr: field.address('IDENTITY_ADDR', '127.0.0.1:50051'),
    redisUrl: field.optionalUrl('REDIS_URL', ['redis:', 'rediss:'], 'failed-authentication counters live in this process only (not shared between replicas)'),
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
  });
  return loaded;
}
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>['config'];

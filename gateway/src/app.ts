/** Assembles the gateway's express application from its routers (no listening here: tests mount it too). */
import express, { type Express, type Request, type Response } from 'express';
import { Counter } from 'prom-client';
import type { KeyValueStore } from '../../services/kit/src/kv.js';
import type { Logger } from '../../services/kit/src/logger.js';
import type { Metrics } from '../../services/kit/src/metrics.js';
import { adminRouter } from './admin/admin.routes.js';
import { apiRouter, oidcRouter, portalRouter, type OidcRouterDeps } from './oidc/oidc.routes.js';
import { auditor } from './audit.js';
import type { Backends } from './backends.js';
import type { GatewayConfig } from './config.js';
import { ENTERPRISE_TOOLKIT, EntitlementCache } from './entitlement-cache.js';
import { httpMetrics, requestIds } from './http/request-context.js';
import { AuthFailureLimiter } from './scim/auth-failure-limiter.js';
import { ScimAuthenticator } from './scim/scim-auth.js';
import { scimRouter } from './scim/scim.routes.js';
import { setupRouter } from './setup/setup.routes.js';

export interface GatewayDeps {
  config: GatewayConfig;
  backends: Backends;
  kv: KeyValueStore;
  logger: Logger;
  metrics: Metrics;
}

export function createApp({ config, backends, kv, logger, metrics }: GatewayDeps): { app: Express; close(): Promise<void> } {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.use(requestIds());
  app.use(httpMetrics(metrics.registry));

  app.get('/healthz', (_req: Request, res: Response) => {
    res.locals.route = '/healthz';
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req: Request, res: Response) => {
    res.locals.route = '/readyz';
    const names = Object.keys(backends.health) as Array<keyof Backends['health']>;
    const states = await Promise.all(names.map((n) => backends.health[n].check('', 1000)));
    const services = Object.fromEntries(names.map((n, i) => [n, states[i]]));
    const ready = states.every((s) => s === 'SERVING');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', services });
  });

  const audit = auditor(backends, logger);
  const entitlementRequests = new Counter({ name: 'entitlement_cache_requests_total', help: 'Entitlement checks by cache result (hit, miss).', labelNames: ['result'], registers: [metrics.registry] });
  const entitlements = new EntitlementCache(async (tenant) => (await backends.entitlement.checkEntitlement({ tenantId: tenant, name: ENTERPRISE_TOOLKIT })).enabled, config.entitlementCacheMs, entitlementRequests);
  const limiter = new AuthFailureLimiter(kv, config.authFailuresPerClient, config.authFailuresPerTenant);
  const authFailures = new Counter({ name: 'scim_auth_failures_total', help: 'Failed SCIM authentications by reason.', labelNames: ['reason'], registers: [metrics.registry] });
  const auth = new ScimAuthenticator(backends, limiter, authFailures, logger, (tenant) => {
    void audit.record(tenant, { action: 'credentials.repeated_failures', resourceType: 'connector', resourceId: '', resourceName: '', actor: 'system', outcome: 'failure', details: { limitPerMinute: config.authFailuresPerTenant } });
  });

  app.use('/scim/v2/:org', scimRouter({ backends, auth, entitlements, publicUrl: config.publicUrl, maxBodyBytes: config.scimMaxBodyBytes, logger, registry: metrics.registry }));
  app.use('/admin/v1', adminRouter({ backends, adminToken: config.adminToken, publicUrl: config.publicUrl, appRedirectUris: config.appRedirectUris, entitlements, audit, logger }));
  const oidcDeps: OidcRouterDeps = {
    backends,
    publicUrl: config.publicUrl,
    appRedirectUris: config.appRedirectUris,
    portalUrl: config.portalUrl,
    logger,
    registry: metrics.registry,
    resolveOrg: async (login) => (await backends.directory.resolveSignInOrg({ login })).tenantId || undefined,
  };
  app.use('/oidc', oidcRouter(oidcDeps));
  app.use('/api/v1', apiRouter(oidcDeps));
  app.use('/setup', setupRouter({ backends, publicUrl: config.publicUrl, appRedirectUris: config.appRedirectUris, audit, logger }));
  app.use('/', portalRouter(oidcDeps));

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
  });
  return { app, close: () => limiter.close() };
}


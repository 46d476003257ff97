/** Assembles the gateway's express application from its routers (no listening here: tests mount it too). */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { Counter } from 'prom-client';
import type { KeyValueStore } from '../../services/kit/src/kv.js';
import type { Logger } from '../../services/kit/src/logger.js';
import type { Metrics } from '../../services/kit/src/metrics.js';
import { adminRouter } from './admin/admin.routes.js';
import { connectorEvents } from './admin/connector-events.js';
import { apiRouter, oidcRouter, portalRouter, type OidcRouterDeps } from './oidc/oidc.routes.js';
import { auditor } from './audit.js';
import type { Backends, RequestBackends, RequestCallOptions } from './backends.js';
import type { GatewayConfig } from './config.js';
import { ENTERPRISE_TOOLKIT, EntitlementCache } from './entitlement-cache.js';
import { sendAdminError, sendScimError } from './http/errors.js';
import { httpMetrics, requestIds } from './http/request-context.js';
import { esc, sendPage } from './oidc/pages.js';
import { NEEDS, ServiceMonitor, type ServiceName } from './service-monitor.js';
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

export function createApp({ config, backends, kv, logger, metrics }: GatewayDeps): {
  app: Express;
  close: () => Promise<void>;
} {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.use(
    requestIds(logger, { hstsMaxAgeSeconds: config.publicUrl.startsWith('https:') ? config.hstsMaxAgeSeconds : 0 }),
  );
  app.use(httpMetrics(metrics.registry, { logger, sampleRate: config.accessLogSampleRate }));

  app.get('/healthz', (_req: Request, res: Response) => {
    res.locals.route = '/healthz';
    res.json({ status: 'ok' });
  });
  const monitor = new ServiceMonitor(backends.health, config.healthCheckIntervalMs, logger);
  void monitor.start();
  app.get('/readyz', (_req: Request, res: Response) => {
    res.locals.route = '/readyz';
    const services = monitor.snapshot();
    const ready = monitor.ready();
    const degraded = Object.fromEntries(
      Object.entries(NEEDS)
        .map(([surface, needs]): [string, ServiceName[]] => [surface, monitor.unavailable(needs)])
        .filter(([, down]) => down.length),
    );
    res.status(ready ? 200 : 503).json({
      status: ready ? (Object.keys(degraded).length ? 'degraded' : 'ready') : 'not ready',
      services,
      unavailable: degraded,
    });
  });

  // A surface whose services are known to be down answers 503 + Retry-After at once, in its own format.
  const retryAfter = String(Math.max(1, Math.ceil((2 * config.healthCheckIntervalMs) / 1000)));
  const gate =
    (needs: ServiceName[], send: (req: Request, res: Response, message: string) => void) =>
    (req: Request, res: Response, next: NextFunction) => {
      const down = monitor.unavailable(needs);
      if (!down.length) return next();
      res.set('retry-after', retryAfter);
      send(
        req,
        res,
        `the ${down.join(' and ')} service${down.length > 1 ? 's are' : ' is'} unavailable; retry in ${retryAfter} seconds`,
      );
    };
  const scimUnavailable = gate(NEEDS.scim, (_req, res, message) =>
    sendScimError(res, { status: 503, message, headers: {} }),
  );
  const adminUnavailable = gate(NEEDS.admin, (_req, res, message) =>
    sendAdminError(res, { status: 503, code: 'unavailable', message, headers: {} }),
  );
  const signInUnavailable = gate(NEEDS.signIn, (req, res, message) => {
    if (req.baseUrl === '/api/v1' || /application\/json/i.test(req.get('accept') ?? ''))
      return sendAdminError(res, { status: 503, code: 'unavailable', message, headers: {} });
    sendPage(res, 503, 'Sign-in unavailable', `<h1>Sign-in is unavailable for a moment</h1><p>${esc(message)}.</p>`);
  });

  // What request handlers use (every call names its request); SCIM and background work get `backends` itself.
  const forRequests: RequestBackends = backends;
  const audit = auditor(backends, logger);
  const entitlementRequests = new Counter({
    name: 'entitlement_cache_requests_total',
    help: 'Entitlement checks by cache result (hit, miss).',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  const entitlements = new EntitlementCache(
    async (tenant, call) =>
      (await backends.entitlement.checkEntitlement({ tenantId: tenant, name: ENTERPRISE_TOOLKIT }, call)).enabled,
    config.entitlementCacheMs,
    entitlementRequests,
  );
  const limiter = new AuthFailureLimiter(kv, config.authFailuresPerClient, config.authFailuresPerTenant);
  const authFailures = new Counter({
    name: 'scim_auth_failures_total',
    help: 'Failed SCIM authentications by reason.',
    labelNames: ['reason'],
    registers: [metrics.registry],
  });
  // `call`: the request that tripped the limit, once the SCIM authenticator passes it
  const auth = new ScimAuthenticator(backends, limiter, authFailures, logger, (tenant, call: RequestCallOptions) => {
    void audit.record(
      tenant,
      {
        action: 'credentials.repeated_failures',
        resourceType: 'connector',
        resourceId: '',
        resourceName: '',
        actor: 'system',
        outcome: 'failure',
        details: { limitPerMinute: config.authFailuresPerTenant },
      },
      call,
    );
  });

  const scimDeps = {
    backends,
    auth,
    entitlements,
    publicUrl: config.publicUrl,
    maxBodyBytes: config.scimMaxBodyBytes,
    maxConcurrentPerTenant: config.scimMaxConcurrentPerTenant,
    logger,
    registry: metrics.registry,
    tenantLabel: config.metricsTenantLabel,
    audit,
  };
  app.use('/scim/v2/:org', scimUnavailable, scimRouter(scimDeps));
  // SCIM 1.1 (Okta's SCIM 1.1 apps): the same engine and credentials, the 1.1 dialect at the edge
  app.use('/scim/v1/:org', scimUnavailable, scimRouter({ ...scimDeps, dialect: 'v1' }));
  app.use(
    '/admin/v1',
    adminUnavailable,
    adminRouter({
      backends: forRequests,
      adminToken: config.adminToken,
      publicUrl: config.publicUrl,
      appRedirectUris: config.appRedirectUris,
      entitlements,
      audit,
      logger,
    }),
  );
  const oidcDeps: OidcRouterDeps = {
    backends: forRequests,
    publicUrl: config.publicUrl,
    appRedirectUris: config.appRedirectUris,
    portalUrl: config.portalUrl,
    logger,
    registry: metrics.registry,
    resolveOrg: async (login, call) =>
      (await forRequests.directory.resolveSignInOrg({ login }, call)).tenantId || undefined,
  };
  app.use('/oidc', signInUnavailable, oidcRouter(oidcDeps));
  app.use('/api/v1', signInUnavailable, apiRouter(oidcDeps));
  app.use(
    '/setup',
    setupRouter({
      backends: forRequests,
      publicUrl: config.publicUrl,
      appRedirectUris: config.appRedirectUris,
      audit,
      logger,
      changeEvents: connectorEvents(forRequests, logger),
    }),
  );
  app.get(['/', '/portal'], signInUnavailable);
  app.use('/', portalRouter(oidcDeps));

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
  });
  return {
    app,
    close: () => {
      monitor.stop();
      return limiter.close();
    },
  };
}

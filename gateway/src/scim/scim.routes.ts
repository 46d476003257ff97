/**
 * SCIM over HTTP → directory gRPC, for one dialect: SCIM 2.0 (RFC 7644) at /scim/v2/:org, SCIM 1.1 (Okta's
 * SCIM 1.1 apps) at /scim/v1/:org. The gateway does transport concerns only: authentication, entitlement,
 * media types, size limits, ETags, status codes and error bodies. It hands the raw query and body to the
 * directory, where SCIM semantics (list parameters, filters, PATCH, schemas, the dialect) are parsed once.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ResourceType, type Projection } from '../../../proto/gen/directory/v1/directory.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import { childrenBy } from '../../../services/kit/src/metrics.js';
import type { Auditor } from '../audit.js';
import type { Backends } from '../backends.js';
import type { EntitlementCache } from '../entitlement-cache.js';
import { describeError, HttpError, SCIM_CONTENT_TYPE, type Described } from '../http/errors.js';
import { bodyErrorHandler } from '../http/body-errors.js';
import { weakEtag } from '../../../services/kit/src/etag.js';
import { scimBaseUrls } from './base-urls.js';
import { listResponseJson, protoDialect, sendDialectError, type DialectName } from './dialect.js';
import type { ScimAuthenticator, ScimCaller } from './scim-auth.js';
import { TenantConcurrency } from './tenant-concurrency.js';

export interface ScimRouterDeps {
  backends: Backends;
  auth: ScimAuthenticator;
  entitlements: EntitlementCache;
  publicUrl: string;
  maxBodyBytes: number;
  logger: Logger;
  registry: Registry;
  /** SCIM requests one tenant may have in progress in this gateway (tenant-concurrency.ts); 0: no cap. */
  maxConcurrentPerTenant?: number;
  /** METRICS_TENANT_LABEL: label scim_operations_total by tenant (~20 series per active tenant). */
  tenantLabel?: boolean;
  /** The dialect of this base URL; SCIM 2.0 when absent. */
  dialect?: DialectName;
  /** Where writes the gateway itself refuses (415, 413, …) are recorded; the directory records its own. */
  audit?: Auditor;
}

const WRITES: Record<string, string> = { POST: 'create', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' };
const RESOURCE_ACTIONS: Record<string, string> = { Users: 'user', Groups: 'group', Bulk: 'bulk' };
const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const RESOURCES: Record<string, ResourceType> = {
  Users: ResourceType.RESOURCE_TYPE_USER,
  Groups: ResourceType.RESOURCE_TYPE_GROUP,
};
const ACCEPTED_MEDIA = new Set(['application/scim+json', 'application/json']);

/** Query values as sent (the directory splits and resolves the attribute names). */
const values = (v: unknown): string[] =>
  typeof v === 'string' ? (v.trim() ? [v] : []) : Array.isArray(v) ? v.flatMap(values) : [];

function projectionOf(q: Record<string, unknown>): Projection {
  return { attributes: values(q.attributes), excludedAttributes: values(q.excludedAttributes) };
}

/**
 * What both dialects' routers share, one per registry: the SCIM metrics (registered once) and the per-tenant
 * concurrency cap (a tenant's SCIM 1.1 and 2.0 requests count against the same limit).
 */
interface ScimShared {
  ops: Counter<string>;
  duration: Histogram<string>;
  busy: Counter<string>;
  concurrency?: TenantConcurrency;
}
const sharedByRegistry = new WeakMap<Registry, ScimShared>();
function scimShared(deps: Pick<ScimRouterDeps, 'registry' | 'tenantLabel' | 'maxConcurrentPerTenant'>): ScimShared {
  let m = sharedByRegistry.get(deps.registry);
  if (!m) {
    const registers = [deps.registry];
    m = {
      ops: deps.tenantLabel
        ? new Counter({
            name: 'scim_operations_total',
            help: 'SCIM operations by tenant, resource, operation and outcome.',
            labelNames: ['tenant', 'resource', 'operation', 'outcome'],
            registers,
          })
        : new Counter({
            name: 'scim_operations_total',
            help: 'SCIM operations by resource, operation and outcome (METRICS_TENANT_LABEL=true adds the tenant).',
            labelNames: ['resource', 'operation', 'outcome'],
            registers,
          }),
      duration: new Histogram({
        name: 'scim_request_duration_seconds',
        help: 'SCIM request duration in seconds.',
        labelNames: ['resource', 'operation'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
      busy: new Counter({
        name: 'scim_tenant_concurrency_rejections_total',
        help: 'SCIM requests refused (429) because their tenant had too many in progress.',
        registers,
      }),
      ...(deps.maxConcurrentPerTenant ? { concurrency: new TenantConcurrency(deps.maxConcurrentPerTenant) } : {}),
    };
    sharedByRegistry.set(deps.registry, m);
  }
  return m;
}

/** The entity tag of a resource version; weak because representations vary with projection. */
const etagOf = weakEtag;
const versionOfTag = (tag: string | undefined) => (tag ? tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '') : '');

export function scimRouter(deps: ScimRouterDeps): Router {
  const router = Router({ mergeParams: true });
  const { ops, duration, busy, concurrency } = scimShared(deps);
  const dialect: DialectName = deps.dialect ?? 'v2';
  const mount = `/scim/${dialect}/:org`;
  const sendError = (res: Response, d: Pick<Described, 'status' | 'message' | 'scimType' | 'headers'>) =>
    sendDialectError(dialect, res, d);

  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  /** Reads the body as JSON text (or parsed JSON when `parse`), enforcing media type and size. */
  function bodyOf(req: Request): string {
    const media = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!ACCEPTED_MEDIA.has(media))
      throw new HttpError(
        415,
        'unsupported_media_type',
        `Content-Type must be application/scim+json or application/json (got "${media || 'none'}")`,
      );
    const buf = req.body as Buffer | undefined;
    const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : '';
    if (!text.trim())
      throw new HttpError(
        400,
        'invalid_request',
        'the request body is empty; a JSON object is required',
        'invalidSyntax',
      );
    return text;
  }

  // Authentication, entitlement and per-request context for everything under the base URL.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = mount;
    const tenant = String(req.params.org ?? '');
    res.locals.tenant = tenant.slice(0, 64);
    try {
      // Okta's "SCIM 1.1 Header Auth" app sends the token bare in Authorization
      const caller = await deps.auth.authenticate(req, tenant, { allowBareToken: dialect === 'v1' });
      if (!(await deps.entitlements.enabled(caller.tenantId))) {
        throw new HttpError(
          403,
          'entitlement_required',
          'SCIM provisioning requires the Enterprise Toolkit option for this organization; an administrator must enable it on the Billing page',
        );
      }
      res.locals.caller = caller;
      if (concurrency) {
        const release = concurrency.tryAcquire(caller.tenantId);
        if (!release) {
          busy.inc();
          throw new HttpError(
            429,
            'too_many_requests',
            `this organization already has ${concurrency.maxPerTenant} SCIM requests in progress; retry in a second`,
            undefined,
            { 'retry-after': '1' },
          );
        }
        // the client may have hung up while it was being authenticated: its 'close' has come and gone
        if (res.closed || req.socket.destroyed) {
          release();
          return;
        }
        res.once('close', release);
      }
      next();
    } catch (err) {
      fail(res, err);
    }
  });

  function fail(res: Response, err: unknown) {
    sendError(res, describeError(err, deps.logger));
  }

  /** A write refused here (media type, size, unreadable body) goes to the activity log: status and reason only. */
  function recordRefusal(req: Request, res: Response, d: Pick<Described, 'status' | 'message'>) {
    const caller = res.locals.caller as ScimCaller | undefined;
    // from the path: in the router's error handler the route's params are gone
    const [, resource = '', id = ''] = req.path.split('/');
    const write = WRITES[req.method];
    const kind = RESOURCE_ACTIONS[resource];
    if (!deps.audit || !caller || !write || !kind || id === '.search' || d.status >= 500) return;
    const action = kind === 'bulk' ? 'bulk.process' : `${kind}.${write}`;
    void deps.audit.record(caller.tenantId, {
      action,
      resourceType: kind === 'bulk' ? 'Bulk' : kind === 'user' ? 'User' : 'Group',
      resourceId: safeDecode(id),
      resourceName: '',
      actor: `connector:${caller.connectorId}`,
      outcome: 'failure',
      details: { status: d.status, reason: d.message },
    });
  }

  function contextOf(res: Response) {
    const caller = res.locals.caller as ScimCaller;
    const urls = scimBaseUrls(deps.publicUrl, caller.tenantId);
    const [baseUrl, alternateBaseUrl] =
      dialect === 'v1' ? [urls.v1BaseUrl, urls.baseUrl] : [urls.baseUrl, urls.v1BaseUrl];
    return {
      tenantId: caller.tenantId,
      connectorId: caller.connectorId,
      baseUrl,
      dialect: protoDialect(dialect),
      alternateBaseUrl,
    };
  }

  /** A SCIM body, written as is: no express `send` (no charset, ETag or freshness work it would redo). */
  function sendJson(res: Response, status: number, json: string, headers: Record<string, string> = {}) {
    for (const name in headers) res.setHeader(name, headers[name]);
    res.setHeader('content-type', SCIM_CONTENT_TYPE);
    res.setHeader('content-length', Buffer.byteLength(json));
    res.statusCode = status;
    res.end(json);
  }

  const timerOf = childrenBy((resource, operation) => duration.labels(resource, operation));
  const counterOf = childrenBy((resource, operation, outcome) => ops.labels(resource, operation, outcome));

  /** Wraps a handler with metrics and SCIM error rendering. */
  const handle =
    (
      resourceOf: (req: Request) => string,
      operation: string,
      route: string,
      fn: (req: Request, res: Response) => Promise<void>,
    ) =>
    async (req: Request, res: Response) => {
      res.locals.route = `${mount}${route}`;
      const resource = resourceOf(req);
      const end = timerOf(resource, operation).startTimer();
      let outcome = 'success';
      try {
        await fn(req, res);
      } catch (err) {
        const d = describeError(err, deps.logger);
        outcome = d.status >= 500 ? 'error' : 'failure';
        if (err instanceof HttpError) recordRefusal(req, res, d);
        sendError(res, d);
      } finally {
        end();
        if (deps.tenantLabel)
          ops.inc({
            tenant: (res.locals.caller as ScimCaller | undefined)?.tenantId ?? 'unknown',
            resource,
            operation,
            outcome,
          });
        else counterOf(resource, operation, outcome).inc();
      }
    };

  // Discovery (RFC 7644 §4; SCIM 1.1 calls the first /ServiceProviderConfigs and has no /ResourceTypes).
  // A filter on these endpoints answers 403 (RFC 7644 §4).
  const discovery =
    dialect === 'v1'
      ? (['ServiceProviderConfigs', 'Schemas'] as const)
      : (['ServiceProviderConfig', 'ResourceTypes', 'Schemas'] as const);
  for (const endpoint of discovery) {
    const serve = handle(
      () => endpoint,
      'discover',
      `/${endpoint}`,
      async (req, res) => {
        if (req.query.filter !== undefined)
          throw new HttpError(403, 'forbidden', `filtering is not supported on /${endpoint}`);
        const id = req.params.id ? String(req.params.id) : '';
        const out = await deps.backends.directory.getScimDiscovery({
          context: contextOf(res),
          endpoint,
          id,
          maxPayloadBytes: deps.maxBodyBytes,
        });
        sendJson(res, 200, out.bodyJson);
      },
    );
    router.get(`/${endpoint}`, serve);
    if (!endpoint.startsWith('ServiceProviderConfig')) router.get(`/${endpoint}/:id`, serve);
  }

  if (dialect === 'v2') {
    // Bulk (RFC 7644 §3.7): limits in /ServiceProviderConfig; over the size limit the body parser answers 413
    router.post(
      '/Bulk',
      raw,
      handle(
        () => 'Bulk',
        'bulk',
        '/Bulk',
        async (req, res) => {
          const out = await deps.backends.directory.processBulk({
            context: contextOf(res),
            bodyJson: bodyOf(req),
            maxPayloadBytes: deps.maxBodyBytes,
          });
          sendJson(res, 200, out.bodyJson);
        },
      ),
    );
    // POST /.search at the base URL (RFC 7644 §3.4.3): Users and Groups in one ListResponse
    router.post(
      '/.search',
      raw,
      handle(
        () => 'all',
        'search',
        '/.search',
        async (req, res) => {
          const out = await deps.backends.directory.searchAllResources({
            context: contextOf(res),
            paramsJson: bodyOf(req),
          });
          sendJson(res, 200, listResponseJson(dialect, out.totalResults, out.startIndex, out.resourcesJson));
        },
      ),
    );
  }
  router.all(
    ['/Bulk', '/Me'],
    handle(
      () => 'Bulk',
      'unsupported',
      '/Bulk',
      async (req) => {
        if (dialect === 'v2' && req.path === '/Bulk')
          throw new HttpError(
            405,
            'method_not_allowed',
            `${req.method} /Bulk: a bulk request is a POST (RFC 7644 §3.7)`,
            undefined,
            { allow: 'POST' },
          );
        throw new HttpError(
          501,
          'not_implemented',
          dialect === 'v1'
            ? `${req.path} is not supported on the SCIM 1.1 base URL${req.path === '/Bulk' ? '; Bulk is offered on the SCIM 2.0 base URL' : ''}`
            : `${req.path} is not supported by this service provider (see /ServiceProviderConfig)`,
        );
      },
    ),
  );

  const typeOf = (req: Request): ResourceType => {
    const name = String(req.params.resource);
    const t = RESOURCES[name];
    if (t) return t;
    // the other dialect's discovery names: say where they are
    if (dialect === 'v2' && name === 'ServiceProviderConfigs')
      throw new HttpError(
        404,
        'not_found',
        `/ServiceProviderConfigs is the SCIM 1.1 name: this SCIM 2.0 base URL serves /ServiceProviderConfig, and ${scimBaseUrls(deps.publicUrl, String(req.params.org)).v1BaseUrl} is the SCIM 1.1 base URL`,
      );
    if (dialect === 'v1' && (name === 'ServiceProviderConfig' || name === 'ResourceTypes'))
      throw new HttpError(
        404,
        'not_found',
        `/${name} is SCIM 2.0: this SCIM 1.1 base URL serves /ServiceProviderConfigs and /Schemas, and ${scimBaseUrls(deps.publicUrl, String(req.params.org)).baseUrl} is the SCIM 2.0 base URL`,
      );
    throw new HttpError(
      404,
      'not_found',
      `unknown SCIM endpoint /${name}; this service provider serves /Users and /Groups`,
    );
  };
  const resourceName = (req: Request) =>
    String(req.params.resource) in RESOURCES ? String(req.params.resource) : 'unknown';

  /** The raw query parameters (or a .search body) go to the directory, which parses them once. */
  async function listResources(req: Request, res: Response, paramsJson: string, search: boolean) {
    const type = typeOf(req);
    const out = await deps.backends.directory.listResources({ context: contextOf(res), type, paramsJson, search });
    sendJson(res, 200, listResponseJson(dialect, out.totalResults, out.startIndex, out.resourcesJson));
  }

  router.get(
    '/:resource',
    handle(resourceName, 'list', '/:resource', (req, res) =>
      listResources(req, res, JSON.stringify(req.query ?? {}), false),
    ),
  );

  router.post(
    '/:resource/.search',
    raw,
    handle(resourceName, 'search', '/:resource/.search', async (req, res) => {
      typeOf(req);
      await listResources(req, res, bodyOf(req), true);
    }),
  );

  router.post(
    '/:resource',
    raw,
    handle(resourceName, 'create', '/:resource', async (req, res) => {
      const type = typeOf(req);
      const out = await deps.backends.directory.createResource({
        context: contextOf(res),
        type,
        bodyJson: bodyOf(req),
        projection: projectionOf(req.query),
      });
      const r = out.resource!;
      sendJson(res, 201, r.resourceJson, {
        location: `${contextOf(res).baseUrl}/${String(req.params.resource)}/${r.id}`,
        etag: etagOf(r.version),
      });
    }),
  );

  router.get(
    '/:resource/:id',
    handle(resourceName, 'get', '/:resource/:id', async (req, res) => {
      const out = await deps.backends.directory.getResource({
        context: contextOf(res),
        type: typeOf(req),
        id: String(req.params.id),
        projection: projectionOf(req.query),
      });
      const r = out.resource!;
      const inm = req.get('if-none-match');
      if (inm && (inm.trim() === '*' || inm.split(',').some((t) => versionOfTag(t) === r.version))) {
        res.status(304).set('etag', etagOf(r.version)).end();
        return;
      }
      sendJson(res, 200, r.resourceJson, { etag: etagOf(r.version) });
    }),
  );

  router.put(
    '/:resource/:id',
    raw,
    handle(resourceName, 'replace', '/:resource/:id', async (req, res) => {
      const out = await deps.backends.directory.replaceResource({
        context: contextOf(res),
        type: typeOf(req),
        id: String(req.params.id),
        bodyJson: bodyOf(req),
        projection: projectionOf(req.query),
        ifMatch: versionOfTag(req.get('if-match')),
      });
      const r = out.resource!;
      sendJson(res, 200, r.resourceJson, { etag: etagOf(r.version) });
    }),
  );

  router.patch(
    '/:resource/:id',
    raw,
    handle(resourceName, 'patch', '/:resource/:id', async (req, res) => {
      const type = typeOf(req);
      const projection = projectionOf(req.query);
      // Groups answer 204 unless the client asked for attributes (both IdPs accept it; 100k members are not rendered).
      const returnResource =
        type === ResourceType.RESOURCE_TYPE_USER ||
        projection.attributes.length > 0 ||
        projection.excludedAttributes.length > 0;
      const out = await deps.backends.directory.patchResource({
        context: contextOf(res),
        type,
        id: String(req.params.id),
        bodyJson: bodyOf(req),
        projection,
        ifMatch: versionOfTag(req.get('if-match')),
        returnResource,
      });
      if (!out.resource) {
        res.status(204).end();
        return;
      }
      sendJson(res, 200, out.resource.resourceJson, { etag: etagOf(out.resource.version) });
    }),
  );

  router.delete(
    '/:resource/:id',
    handle(resourceName, 'delete', '/:resource/:id', async (req, res) => {
      await deps.backends.directory.deleteResource({
        context: contextOf(res),
        type: typeOf(req),
        id: String(req.params.id),
        ifMatch: versionOfTag(req.get('if-match')),
      });
      res.status(204).end();
    }),
  );

  router.use(
    handle(
      () => 'unknown',
      'unknown',
      '/*',
      async (req) => {
        throw new HttpError(404, 'not_found', `no SCIM endpoint ${req.method} ${req.path}`);
      },
    ),
  );

  // Body parser errors (size, encoding) in SCIM form; nothing has been sent to the directory then.
  router.use(
    bodyErrorHandler({
      limitBytes: deps.maxBodyBytes,
      unreadable: 'the request body could not be read',
      send: (res, f, req) => {
        const d = {
          status: f.status,
          message:
            f.status === 413 && req.path === '/Bulk'
              ? `${f.message} (maxPayloadSize in /ServiceProviderConfig)`
              : f.message,
          ...(f.status === 400 ? { scimType: 'invalidSyntax' } : {}),
          headers: {},
        };
        recordRefusal(req, res, d);
        sendError(res, d);
      },
      otherwise: fail,
    }),
  );
  return router;
}

/**
 * SCIM 2.0 over HTTP (RFC 7644) → directory gRPC. The gateway does transport concerns only: authentication,
 * entitlement, media types, size limits, query parameters, ETags, status codes and error bodies. SCIM
 * semantics (filters, PATCH, schemas) live in the directory service.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ResourceType, type Projection } from '../../../proto/gen/directory/v1/directory.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import type { Backends } from '../backends.js';
import type { EntitlementCache } from '../entitlement-cache.js';
import { describeError, HttpError, SCIM_CONTENT_TYPE, sendScimError } from '../http/errors.js';
import { bodyErrorHandler } from '../http/body-errors.js';
import { weakEtag } from '../../../services/kit/src/etag.js';
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
}

const RESOURCES: Record<string, ResourceType> = { Users: ResourceType.RESOURCE_TYPE_USER, Groups: ResourceType.RESOURCE_TYPE_GROUP };
const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const ACCEPTED_MEDIA = new Set(['application/scim+json', 'application/json']);

const list = (v: unknown): string[] =>
  typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : Array.isArray(v) ? v.flatMap(list) : [];

function projectionOf(q: Record<string, unknown>): Projection {
  return { attributes: list(q.attributes), excludedAttributes: list(q.excludedAttributes) };
}

function intParam(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw new HttpError(400, 'invalid_request', `${name} must be an integer`, 'invalidValue');
  return Math.max(Math.min(n, 2_147_483_647), -2_147_483_648);
}

/** The entity tag of a resource version; weak because representations vary with projection. */
const etagOf = weakEtag;
const versionOfTag = (tag: string | undefined) => (tag ? tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '') : '');

export function scimRouter(deps: ScimRouterDeps): Router {
  const router = Router({ mergeParams: true });
  const ops: Counter<string> = deps.tenantLabel
    ? new Counter({ name: 'scim_operations_total', help: 'SCIM operations by tenant, resource, operation and outcome.', labelNames: ['tenant', 'resource', 'operation', 'outcome'], registers: [deps.registry] })
    : new Counter({ name: 'scim_operations_total', help: 'SCIM operations by resource, operation and outcome (METRICS_TENANT_LABEL=true adds the tenant).', labelNames: ['resource', 'operation', 'outcome'], registers: [deps.registry] });
  const duration = new Histogram({ name: 'scim_request_duration_seconds', help: 'SCIM request duration in seconds.', labelNames: ['resource', 'operation'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [deps.registry] });

  const concurrency = deps.maxConcurrentPerTenant ? new TenantConcurrency(deps.maxConcurrentPerTenant) : undefined;
  const busy = new Counter({ name: 'scim_tenant_concurrency_rejections_total', help: 'SCIM requests refused (429) because their tenant had too many in progress.', registers: [deps.registry] });
  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  /** Reads the body as JSON text (or parsed JSON when `parse`), enforcing media type and size. */
  function bodyOf(req: Request): string {
    const media = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!ACCEPTED_MEDIA.has(media)) throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/scim+json or application/json (got "${media || 'none'}")`);
    const buf = req.body as Buffer | undefined;
    const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : '';
    if (!text.trim()) throw new HttpError(400, 'invalid_request', 'the request body is empty; a JSON object is required', 'invalidSyntax');
    return text;
  }

  function parseJson(text: string): Record<string, unknown> {
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
    } catch {
      /* reported below */
    }
    throw new HttpError(400, 'invalid_request', 'the request body is not a JSON object', 'invalidSyntax');
  }

  // Authentication, entitlement and per-request context for everything under /scim/v2/:org.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/scim/v2/:org';
    const tenant = String(req.params.org ?? '');
    res.locals.tenant = tenant.slice(0, 64);
    try {
      const caller = await deps.auth.authenticate(req, tenant);
      if (!(await deps.entitlements.enabled(caller.tenantId))) {
        throw new HttpError(403, 'entitlement_required', 'SCIM provisioning requires the Enterprise Toolkit option for this organization; an administrator must enable it on the Billing page');
      }
      res.locals.caller = caller;
      if (concurrency) {
        const release = concurrency.tryAcquire(caller.tenantId);
        if (!release) {
          busy.inc();
          throw new HttpError(429, 'too_many_requests', `this organization already has ${concurrency.maxPerTenant} SCIM requests in progress; retry in a second`, undefined, { 'retry-after': '1' });
        }
        res.once('close', release);
      }
      next();
    } catch (err) {
      fail(res, err);
    }
  });

  function fail(res: Response, err: unknown) {
    sendScimError(res, describeError(err, deps.logger));
  }

  function contextOf(res: Response) {
    const caller = res.locals.caller as ScimCaller;
    return { tenantId: caller.tenantId, connectorId: caller.connectorId, baseUrl: `${deps.publicUrl}/scim/v2/${caller.tenantId}` };
  }

  function sendJson(res: Response, status: number, json: string, headers: Record<string, string> = {}) {
    res.status(status).set(headers).type(SCIM_CONTENT_TYPE).send(json);
  }

  /** Wraps a handler with metrics and SCIM error rendering. */
  const handle =
    (resourceOf: (req: Request) => string, operation: string, route: string, fn: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response) => {
      res.locals.route = `/scim/v2/:org${route}`;
      const resource = resourceOf(req);
      const end = duration.startTimer({ resource, operation });
      let outcome = 'success';
      try {
        await fn(req, res);
      } catch (err) {
        const d = describeError(err, deps.logger);
        outcome = d.status >= 500 ? 'error' : 'failure';
        sendScimError(res, d);
      } finally {
        end();
        if (deps.tenantLabel) ops.inc({ tenant: (res.locals.caller as ScimCaller | undefined)?.tenantId ?? 'unknown', resource, operation, outcome });
        else ops.inc({ resource, operation, outcome });
      }
    };

  // Discovery (RFC 7644 §4). A filter on these endpoints answers 403 (RFC 7644 §4).
  for (const endpoint of ['ServiceProviderConfig', 'ResourceTypes', 'Schemas'] as const) {
    const serve = handle(() => endpoint, 'discover', `/${endpoint}`, async (req, res) => {
      if (req.query.filter !== undefined) throw new HttpError(403, 'forbidden', `filtering is not supported on /${endpoint}`);
      const id = req.params.id ? String(req.params.id) : '';
      const out = await deps.backends.directory.getScimDiscovery({ context: contextOf(res), endpoint, id, maxPayloadBytes: deps.maxBodyBytes });
      sendJson(res, 200, out.bodyJson);
    });
    router.get(`/${endpoint}`, serve);
    if (endpoint !== 'ServiceProviderConfig') router.get(`/${endpoint}/:id`, serve);
  }

  router.all(['/Bulk', '/Me'], handle(() => 'Bulk', 'unsupported', '/Bulk', async (req) => {
    throw new HttpError(501, 'not_implemented', `${req.path} is not supported by this service provider (see /ServiceProviderConfig)`);
  }));

  const typeOf = (req: Request): ResourceType => {
    const t = RESOURCES[String(req.params.resource)];
    if (!t) throw new HttpError(404, 'not_found', `unknown SCIM endpoint /${req.params.resource}; this service provider serves /Users and /Groups`);
    return t;
  };
  const resourceName = (req: Request) => (String(req.params.resource) in RESOURCES ? String(req.params.resource) : 'unknown');

  async function listResources(req: Request, res: Response, params: Record<string, unknown>) {
    const type = typeOf(req);
    const out = await deps.backends.directory.listResources({
      context: contextOf(res),
      type,
      filter: typeof params.filter === 'string' ? params.filter : '',
      startIndex: intParam('startIndex', params.startIndex) ?? 1,
      count: intParam('count', params.count),
      sortBy: typeof params.sortBy === 'string' ? params.sortBy : '',
      sortOrder: typeof params.sortOrder === 'string' ? params.sortOrder : '',
      projection: projectionOf(params),
    });
    const body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${out.totalResults},"itemsPerPage":${out.resourcesJson.length},"startIndex":${out.startIndex},"Resources":[${out.resourcesJson.join(',')}]}`;
    sendJson(res, 200, body);
  }

  router.get('/:resource', handle(resourceName, 'list', '/:resource', (req, res) => listResources(req, res, req.query as Record<string, unknown>)));

  router.post(
    '/:resource/.search',
    raw,
    handle(resourceName, 'search', '/:resource/.search', async (req, res) => {
      const body = parseJson(bodyOf(req));
      const schemas = Array.isArray(body.schemas) ? body.schemas : [];
      if (!schemas.includes(SEARCH_SCHEMA)) throw new HttpError(400, 'invalid_request', `a search request must list the schema ${SEARCH_SCHEMA}`, 'invalidValue');
      await listResources(req, res, body);
    }),
  );

  router.post(
    '/:resource',
    raw,
    handle(resourceName, 'create', '/:resource', async (req, res) => {
      const type = typeOf(req);
      const out = await deps.backends.directory.createResource({ context: contextOf(res), type, bodyJson: bodyOf(req), projection: projectionOf(req.query) });
      const r = out.resource!;
      sendJson(res, 201, r.resourceJson, { location: `${contextOf(res).baseUrl}/${req.params.resource}/${r.id}`, etag: etagOf(r.version) });
    }),
  );

  router.get(
    '/:resource/:id',
    handle(resourceName, 'get', '/:resource/:id', async (req, res) => {
      const out = await deps.backends.directory.getResource({ context: contextOf(res), type: typeOf(req), id: String(req.params.id), projection: projectionOf(req.query) });
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
      const out = await deps.backends.directory.replaceResource({ context: contextOf(res), type: typeOf(req), id: String(req.params.id), bodyJson: bodyOf(req), projection: projectionOf(req.query), ifMatch: versionOfTag(req.get('if-match')) });
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
      const returnResource = type === ResourceType.RESOURCE_TYPE_USER || projection.attributes.length > 0 || projection.excludedAttributes.length > 0;
      const out = await deps.backends.directory.patchResource({ context: contextOf(res), type, id: String(req.params.id), bodyJson: bodyOf(req), projection, ifMatch: versionOfTag(req.get('if-match')), returnResource });
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
      await deps.backends.directory.deleteResource({ context: contextOf(res), type: typeOf(req), id: String(req.params.id), ifMatch: versionOfTag(req.get('if-match')) });
      res.status(204).end();
    }),
  );

  router.use(handle(() => 'unknown', 'unknown', '/*', async (req) => {
    throw new HttpError(404, 'not_found', `no SCIM endpoint ${req.method} ${req.path}`);
  }));

  // Body parser errors (size, encoding) in SCIM form; nothing has been sent to the directory then.
  router.use(
    bodyErrorHandler({
      limitBytes: deps.maxBodyBytes,
      unreadable: 'the request body could not be read',
      send: (res, f) => sendScimError(res, { status: f.status, message: f.message, ...(f.status === 400 ? { scimType: 'invalidSyntax' } : {}), headers: {} }),
      otherwise: fail,
    }),
  );
  return router;
}

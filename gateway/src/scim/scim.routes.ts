/**
 * SCIM over HTTP → directory gRPC, for one dialect: SCIM 2.0 (RFC 7644) at /scim/v2/:org, SCIM 1.1 (Okta's
 * SCIM 1.1 apps) at /scim/v1/:org. The gateway does transport concerns only: authentication, entitlement,
 * media types, size limits, ETags, status codes and error bodies. It hands the raw query and body to the
 * directory, where SCIM semantics (list parameters, filters, PATCH, schemas, the dialect) are parsed once.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ResourceType, type Projection, type ScimDialect } from '../../../proto/gen/directory/v1/directory.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import { childrenBy } from '../../../services/kit/src/metrics.js';
import type { Auditor } from '../audit.js';
import type { Backends } from '../backends.js';
import type { EntitlementCache } from '../entitlement-cache.js';
import { describeError, HttpError, SCIM_CONTENT_TYPE, type Described } from '../http/errors.js';
import { bodyFault } from '../http/body-errors.js';
import { scopeOf, type RequestScope } from '../http/request-context.js';
import { weakEtag } from '../../../services/kit/src/etag.js';
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

/** What a request under the base URL asks for, decided from its method and path alone (no route table walk). */
interface Op {
  /** Metric label: the resource or endpoint, `all` for /.search, `unknown` for anything else. */
  resource: string;
  operation: string;
  /** The route pattern under the base URL (metrics and the access log). */
  route: string;
  /** The request has a body to read (media type and size are enforced before `run`). */
  body: boolean;
  /** For the activity log of a refused write: the resource type's action prefix and the id in the path. */
  refusal?: { kind: string; write: string; id: string };
  run: (req: Request, res: Response, call: ScimCall) => Promise<void>;
}

/** One authenticated SCIM request: who calls, the directory's context for it, the request's ids for the calls. */
interface ScimCall {
  caller: ScimCaller;
  scim: {
    tenantId: string;
    connectorId: string;
    baseUrl: string;
    dialect: ScimDialect;
    alternateBaseUrl: string;
  };
  /** The request's scope: the options of every call made for it (its id and trace travel on), its logger. */
  options: RequestScope;
}

/** A path segment as express would decode a route parameter; malformed percent-encoding is the client's error. */
function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'invalid_request', `the path segment "${s.slice(0, 64)}" is not valid percent-encoding`);
  }
}

/**
 * The SCIM base URL of one dialect as one express handler, mounted at `/scim/{v2|v1}/:org`: authentication,
 * entitlement and the tenant's concurrency slot first (an unauthenticated client learns nothing, not even which
 * endpoints exist), then the request's body when it has one, then the directory call. The endpoint is chosen
 * from the method and path segments directly: a SCIM request walks no route table.
 */
export function scimRouter(deps: ScimRouterDeps): RequestHandler {
  const { ops, duration, busy, concurrency } = scimShared(deps);
  const dialect: DialectName = deps.dialect ?? 'v2';
  const mount = `/scim/${dialect}/:org`;
  const sendError = (res: Response, d: Pick<Described, 'status' | 'message' | 'scimType' | 'headers'>) =>
    sendDialectError(dialect, res, d);
  const root = deps.publicUrl.replace(/\/+$/, '');
  const otherDialect = dialect === 'v1' ? 'v2' : 'v1';

  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const readBody = (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) =>
      // body-parser's errors are http-errors (Error instances with status and type), read by bodyFault
      raw(req, res, (err?: Error) => (err ? reject(err) : resolve())),
    );

  /** Reads the body as JSON text, enforcing the media type; the size limit was enforced when it was read. */
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

  function fail(res: Response, err: unknown) {
    // (no scope only when requestIds is not mounted, a wiring error that `scopeOf` names)
    sendError(res, describeError(err, deps.logger, (res.locals.scope as RequestScope | undefined)?.context));
  }

  /** A write refused here (media type, size, unreadable body) goes to the activity log: status and reason only. */
  function recordRefusal(res: Response, op: Op, call: ScimCall | undefined, d: Pick<Described, 'status' | 'message'>) {
    if (!deps.audit || !call || !op.refusal || d.status >= 500) return;
    const { kind, write, id } = op.refusal;
    void deps.audit.record(
      call.caller.tenantId,
      {
        action: kind === 'bulk' ? 'bulk.process' : `${kind}.${write}`,
        resourceType: kind === 'bulk' ? 'Bulk' : kind === 'user' ? 'User' : 'Group',
        resourceId: id,
        resourceName: '',
        actor: `connector:${call.caller.connectorId}`,
        outcome: 'failure',
        details: { status: d.status, reason: d.message },
      },
      call.options,
    );
  }

  /** Authentication, entitlement and the tenant's slot; undefined when the client has already gone. */
  async function admit(req: Request, res: Response, tenant: string, scope: RequestScope) {
    // Okta's "SCIM 1.1 Header Auth" app sends the token bare in Authorization
    const caller = await deps.auth.authenticate(req, tenant, { allowBareToken: dialect === 'v1', scope });
    if (!(await deps.entitlements.enabled(caller.tenantId, scope))) {
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
        return undefined;
      }
      res.once('close', release);
    }
    const scim = {
      tenantId: caller.tenantId,
      connectorId: caller.connectorId,
      baseUrl: `${root}/scim/${dialect}/${caller.tenantId}`,
      dialect: protoDialect(dialect),
      alternateBaseUrl: `${root}/scim/${otherDialect}/${caller.tenantId}`,
    };
    return { caller, scim, options: scope };
  }

  /** A SCIM body, written as is: no express `send` (no charset, ETag or freshness work it would redo). */
  function sendJson(res: Response, status: number, json: string, headers?: Record<string, string>) {
    if (headers) for (const name in headers) res.setHeader(name, headers[name]);
    res.setHeader('content-type', SCIM_CONTENT_TYPE);
    res.setHeader('content-length', Buffer.byteLength(json));
    res.statusCode = status;
    res.end(json);
  }

  const timerOf = childrenBy((resource, operation) => duration.labels(resource, operation));
  const counterOf = childrenBy((resource, operation, outcome) => ops.labels(resource, operation, outcome));

  /** Runs an admitted request's operation with its metrics and SCIM error rendering. */
  async function perform(req: Request, res: Response, op: Op, call: ScimCall) {
    res.locals.route = `${mount}${op.route}`;
    const end = timerOf(op.resource, op.operation).startTimer();
    let outcome = 'success';
    try {
      await op.run(req, res, call);
    } catch (err) {
      const d = describeError(err, deps.logger, call.options.context);
      outcome = d.status >= 500 ? 'error' : 'failure';
      if (err instanceof HttpError) recordRefusal(res, op, call, d);
      sendError(res, d);
    } finally {
      end();
      if (deps.tenantLabel)
        ops.inc({ tenant: call.caller.tenantId, resource: op.resource, operation: op.operation, outcome });
      else counterOf(op.resource, op.operation, outcome).inc();
    }
  }

  /** Body parser failures (size, encoding) in SCIM form; nothing has been sent to the directory then. */
  function bodyFailed(req: Request, res: Response, op: Op, call: ScimCall, err: unknown) {
    const fault = bodyFault(err, deps.maxBodyBytes, 'the request body could not be read');
    if (!fault) return fail(res, err);
    const d = {
      status: fault.status,
      message:
        fault.status === 413 && op.resource === 'Bulk'
          ? `${fault.message} (maxPayloadSize in /ServiceProviderConfig)`
          : fault.message,
      ...(fault.status === 400 ? { scimType: 'invalidSyntax' } : {}),
      headers: {},
    };
    recordRefusal(res, op, call, d);
    sendError(res, d);
  }

  // ---- the operations ----

  const unknown = (message: string): Op => ({
    resource: 'unknown',
    operation: 'unknown',
    route: '/*',
    body: false,
    run: async () => {
      throw new HttpError(404, 'not_found', message);
    },
  });

  const typeOf = (name: string, call: ScimCall): ResourceType => {
    const t = RESOURCES[name];
    if (t) return t;
    // the other dialect's discovery names: say where they are
    if (dialect === 'v2' && name === 'ServiceProviderConfigs')
      throw new HttpError(
        404,
        'not_found',
        `/ServiceProviderConfigs is the SCIM 1.1 name: this SCIM 2.0 base URL serves /ServiceProviderConfig, and ${call.scim.alternateBaseUrl} is the SCIM 1.1 base URL`,
      );
    if (dialect === 'v1' && (name === 'ServiceProviderConfig' || name === 'ResourceTypes'))
      throw new HttpError(
        404,
        'not_found',
        `/${name} is SCIM 2.0: this SCIM 1.1 base URL serves /ServiceProviderConfigs and /Schemas, and ${call.scim.alternateBaseUrl} is the SCIM 2.0 base URL`,
      );
    throw new HttpError(
      404,
      'not_found',
      `unknown SCIM endpoint /${name}; this service provider serves /Users and /Groups`,
    );
  };
  const resourceLabel = (name: string) => (name in RESOURCES ? name : 'unknown');
  const refusalOf = (name: string, method: string, id = '') => {
    const kind = RESOURCE_ACTIONS[name];
    const write = WRITES[method];
    return kind && write ? { kind, write, id } : undefined;
  };

  // Discovery (RFC 7644 §4; SCIM 1.1 calls the first /ServiceProviderConfigs and has no /ResourceTypes).
  // A filter on these endpoints answers 403 (RFC 7644 §4). Their names match whatever the case.
  const discovery = new Map<string, string>(
    (dialect === 'v1'
      ? ['ServiceProviderConfigs', 'Schemas']
      : ['ServiceProviderConfig', 'ResourceTypes', 'Schemas']
    ).map((e) => [e.toLowerCase(), e]),
  );
  const discover = (endpoint: string, id: string): Op => ({
    resource: endpoint,
    operation: 'discover',
    route: `/${endpoint}`,
    body: false,
    run: async (req, res, call) => {
      if (req.query.filter !== undefined)
        throw new HttpError(403, 'forbidden', `filtering is not supported on /${endpoint}`);
      const out = await deps.backends.directory.getScimDiscovery(
        { context: call.scim, endpoint, id, maxPayloadBytes: deps.maxBodyBytes },
        call.options,
      );
      sendJson(res, 200, out.bodyJson);
    },
  });

  // Bulk (RFC 7644 §3.7): limits in /ServiceProviderConfig; over the size limit the body parser answers 413
  const bulk: Op = {
    resource: 'Bulk',
    operation: 'bulk',
    route: '/Bulk',
    body: true,
    refusal: { kind: 'bulk', write: 'create', id: '' },
    run: async (req, res, call) => {
      const out = await deps.backends.directory.processBulk(
        { context: call.scim, bodyJson: bodyOf(req), maxPayloadBytes: deps.maxBodyBytes },
        call.options,
      );
      sendJson(res, 200, out.bodyJson);
    },
  };
  const unsupported = (segment: string, method: string): Op => ({
    resource: 'Bulk',
    operation: 'unsupported',
    route: '/Bulk',
    body: false,
    run: async () => {
      if (dialect === 'v2' && segment === 'Bulk')
        throw new HttpError(
          405,
          'method_not_allowed',
          `${method} /Bulk: a bulk request is a POST (RFC 7644 §3.7)`,
          undefined,
          { allow: 'POST' },
        );
      throw new HttpError(
        501,
        'not_implemented',
        dialect === 'v1'
          ? `/${segment} is not supported on the SCIM 1.1 base URL${segment === 'Bulk' ? '; Bulk is offered on the SCIM 2.0 base URL' : ''}`
          : `/${segment} is not supported by this service provider (see /ServiceProviderConfig)`,
      );
    },
  });
  // POST /.search at the base URL (RFC 7644 §3.4.3): Users and Groups in one ListResponse
  const searchAll: Op = {
    resource: 'all',
    operation: 'search',
    route: '/.search',
    body: true,
    run: async (req, res, call) => {
      const out = await deps.backends.directory.searchAllResources(
        { context: call.scim, paramsJson: bodyOf(req) },
        call.options,
      );
      sendJson(res, 200, listResponseJson(dialect, out.totalResults, out.startIndex, out.resourcesJson));
    },
  };

  /** The raw query parameters (or a .search body) go to the directory, which parses them once. */
  async function listResources(res: Response, call: ScimCall, type: ResourceType, paramsJson: string, search: boolean) {
    const out = await deps.backends.directory.listResources(
      { context: call.scim, type, paramsJson, search },
      call.options,
    );
    sendJson(res, 200, listResponseJson(dialect, out.totalResults, out.startIndex, out.resourcesJson));
  }
  const list = (name: string): Op => ({
    resource: resourceLabel(name),
    operation: 'list',
    route: '/:resource',
    body: false,
    run: (req, res, call) => listResources(res, call, typeOf(name, call), JSON.stringify(req.query ?? {}), false),
  });
  const search = (name: string): Op => ({
    resource: resourceLabel(name),
    operation: 'search',
    route: '/:resource/.search',
    body: true,
    run: async (req, res, call) => {
      const type = typeOf(name, call);
      await listResources(res, call, type, bodyOf(req), true);
    },
  });
  const create = (name: string): Op => ({
    resource: resourceLabel(name),
    operation: 'create',
    route: '/:resource',
    body: true,
    refusal: refusalOf(name, 'POST'),
    run: async (req, res, call) => {
      const type = typeOf(name, call);
      const out = await deps.backends.directory.createResource(
        { context: call.scim, type, bodyJson: bodyOf(req), projection: projectionOf(req.query) },
        call.options,
      );
      const r = out.resource!;
      sendJson(res, 201, r.resourceJson, {
        location: `${call.scim.baseUrl}/${name}/${r.id}`,
        etag: etagOf(r.version),
      });
    },
  });
  const get = (name: string, id: string): Op => ({
    resource: resourceLabel(name),
    operation: 'get',
    route: '/:resource/:id',
    body: false,
    run: async (req, res, call) => {
      const out = await deps.backends.directory.getResource(
        { context: call.scim, type: typeOf(name, call), id, projection: projectionOf(req.query) },
        call.options,
      );
      const r = out.resource!;
      const inm = req.get('if-none-match');
      if (inm && (inm.trim() === '*' || inm.split(',').some((t) => versionOfTag(t) === r.version))) {
        res.status(304).set('etag', etagOf(r.version)).end();
        return;
      }
      sendJson(res, 200, r.resourceJson, { etag: etagOf(r.version) });
    },
  });
  const replace = (name: string, id: string): Op => ({
    resource: resourceLabel(name),
    operation: 'replace',
    route: '/:resource/:id',
    body: true,
    refusal: refusalOf(name, 'PUT', id),
    run: async (req, res, call) => {
      const out = await deps.backends.directory.replaceResource(
        {
          context: call.scim,
          type: typeOf(name, call),
          id,
          bodyJson: bodyOf(req),
          projection: projectionOf(req.query),
          ifMatch: versionOfTag(req.get('if-match')),
        },
        call.options,
      );
      const r = out.resource!;
      sendJson(res, 200, r.resourceJson, { etag: etagOf(r.version) });
    },
  });
  const patch = (name: string, id: string): Op => ({
    resource: resourceLabel(name),
    operation: 'patch',
    route: '/:resource/:id',
    body: true,
    refusal: refusalOf(name, 'PATCH', id),
    run: async (req, res, call) => {
      const type = typeOf(name, call);
      const projection = projectionOf(req.query);
      // Groups answer 204 unless the client asked for attributes (both IdPs accept it; 100k members are not rendered).
      const returnResource =
        type === ResourceType.RESOURCE_TYPE_USER ||
        projection.attributes.length > 0 ||
        projection.excludedAttributes.length > 0;
      const out = await deps.backends.directory.patchResource(
        {
          context: call.scim,
          type,
          id,
          bodyJson: bodyOf(req),
          projection,
          ifMatch: versionOfTag(req.get('if-match')),
          returnResource,
        },
        call.options,
      );
      if (!out.resource) {
        res.status(204).end();
        return;
      }
      sendJson(res, 200, out.resource.resourceJson, { etag: etagOf(out.resource.version) });
    },
  });
  const remove = (name: string, id: string): Op => ({
    resource: resourceLabel(name),
    operation: 'delete',
    route: '/:resource/:id',
    body: false,
    run: async (req, res, call) => {
      await deps.backends.directory.deleteResource(
        { context: call.scim, type: typeOf(name, call), id, ifMatch: versionOfTag(req.get('if-match')) },
        call.options,
      );
      res.status(204).end();
    },
  });

  /** The operation a method and a path under the base URL name (HEAD is GET without a body, as in express). */
  function opOf(method: string, path: string): Op {
    const segs = path.split('/');
    // path starts with "/"; one trailing slash is ignored (express's non-strict routing)
    if (segs.length > 2 && segs[segs.length - 1] === '') segs.pop();
    const n = segs.length - 1;
    const read = method === 'GET' || method === 'HEAD';
    const noEndpoint = () => unknown(`no SCIM endpoint ${method} ${path}`);
    if (n === 1 && segs[1] !== '') {
      const name = decodeSegment(segs[1]);
      const lower = name.toLowerCase();
      const endpoint = discovery.get(lower);
      if (endpoint && read) return discover(endpoint, '');
      if (lower === 'bulk') return dialect === 'v2' && method === 'POST' ? bulk : unsupported('Bulk', method);
      if (lower === 'me') return unsupported('Me', method);
      if (lower === '.search' && dialect === 'v2' && method === 'POST') return searchAll;
      if (read) return list(name);
      if (method === 'POST') return create(name);
      return noEndpoint();
    }
    if (n === 2 && segs[1] !== '' && segs[2] !== '') {
      const name = decodeSegment(segs[1]);
      const id = decodeSegment(segs[2]);
      const endpoint = discovery.get(name.toLowerCase());
      if (endpoint && read && !endpoint.startsWith('ServiceProviderConfig')) return discover(endpoint, id);
      if (id.toLowerCase() === '.search' && method === 'POST') return search(name);
      if (read) return get(name, id);
      if (method === 'PUT') return replace(name, id);
      if (method === 'PATCH') return patch(name, id);
      if (method === 'DELETE') return remove(name, id);
    }
    return noEndpoint();
  }

  async function serve(req: Request, res: Response, tenant: string) {
    let call: ScimCall | undefined;
    let op: Op;
    try {
      call = await admit(req, res, tenant, scopeOf(res));
      if (!call) return;
      op = opOf(req.method, req.path);
    } catch (err) {
      return fail(res, err);
    }
    if (op.body) {
      try {
        await readBody(req, res);
      } catch (err) {
        return bodyFailed(req, res, op, call, err);
      }
    }
    await perform(req, res, op, call);
  }

  return (req: Request, res: Response) => {
    res.locals.route = mount;
    const tenant = String(req.params.org ?? '');
    res.locals.tenant = tenant.slice(0, 64);
    void serve(req, res, tenant);
  };
}

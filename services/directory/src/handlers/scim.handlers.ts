/**
 * gRPC ↔ SCIM application layer: the SCIM edge of the directory. Raw bodies and list parameters are parsed
 * and validated here, once, in the dialect of the base URL; SCIM faults cross gRPC by kit/src/scim-status.ts.
 */
import { AppError } from '../../../kit/src/errors.js';
import type { CallContext } from '../../../kit/src/grpc-server.js';
import { scimFaultToAppError } from '../../../kit/src/scim-status.js';
import { newId } from '../../../kit/src/ids.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import {
  ResourceType,
  ScimDialect,
  type Projection,
  type ScimContext as ProtoScimContext,
} from '../../../../proto/gen/directory/v1/directory.js';
import type { ResourceModel } from '../domain/resource-model.js';
import { groupModel, userModel } from '../domain/scim-models.js';
import type { ScimContext, ScimService } from '../domain/scim-service.js';
import { asScimFault } from '../domain/scim-fault.js';
import type { ScimLimits } from '../domain/scim/limits.js';
import {
  GROUP_RESOURCE,
  ScimError,
  invalidSyntax,
  isPlainObject,
  parseBulkRequest,
  parseListParams,
  parseSearchRequest,
  scimDialect,
  USER_RESOURCE,
  type ScimDialect as Dialect,
} from '../domain/scim/index.js';
import { refusedName, type ScimRefusals, type ScimWrite } from '../domain/scim-refusals.js';
import { runBulk } from '../domain/scim-bulk.js';
import { searchAll } from '../domain/scim-search-all.js';

/** A SCIM fault of the domain → gRPC, by the one shared mapping (kit/src/scim-status.ts). */
export function scimErrorToAppError(err: unknown): AppError | undefined {
  const fault = asScimFault(err);
  return fault ? scimFaultToAppError(fault.status, fault.detail, fault.scimType) : undefined;
}

function modelOf(type: ResourceType): ResourceModel {
  if (type === ResourceType.RESOURCE_TYPE_USER) return userModel;
  if (type === ResourceType.RESOURCE_TYPE_GROUP) return groupModel;
  throw new AppError('INVALID_ARGUMENT', 'type must be USER or GROUP');
}

const projectionOf = (p?: Projection) => ({
  attributes: p?.attributes ?? [],
  excludedAttributes: p?.excludedAttributes ?? [],
});

function parseBody(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw invalidSyntax('the request body is not valid JSON');
  }
}

export interface ScimEdgeOptions {
  defaultPageSize: number;
  maxPageSize: number;
  /** The most operations one POST /Bulk may carry (advertised as bulk.maxOperations). */
  maxBulkOperations: number;
  refusals: ScimRefusals;
  /** Bounds on one request's work (limits.ts), advertised in /ServiceProviderConfig. */
  limits?: ScimLimits;
}

const schemaOf = (model: ResourceModel) => (model.name === 'User' ? USER_RESOURCE : GROUP_RESOURCE);
const dialectOf = (c?: ProtoScimContext): Dialect =>
  scimDialect(c?.dialect === ScimDialect.SCIM_DIALECT_V1 ? 'v1' : 'v2', c?.alternateBaseUrl ?? '');

export function scimHandlers(scim: ScimService, o: ScimEdgeOptions) {
  // Every SCIM operation starts with ScimService.requireProvisioning: the tenant's connector must exist and be
  // enabled, which also proves the organization exists (no separate lookup on the hot path).
  // `stopWhenCallEnds`: the work stops at its next step once the caller has gone (not for a bulk request, whose
  // operations, each atomic, run to the end once started).
  const ctxOf = async (
    c: ProtoScimContext | undefined,
    call: CallContext,
    stopWhenCallEnds = true,
  ): Promise<ScimContext> => ({
    tenant: requireTenant(c?.tenantId),
    connectorId: c?.connectorId ?? '',
    baseUrl: c?.baseUrl ?? '',
    requestId: call.requestId,
    ...(stopWhenCallEnds && call.signal ? { signal: call.signal } : {}),
  });
  const out = (d: Dialect, model: ResourceModel, r: { id: string; version: string; json: string }) => ({
    resource: { id: r.id, version: r.version, resourceJson: d.writeResource(schemaOf(model), r.json) },
  });
  const limits = { defaultPageSize: o.defaultPageSize, maxPageSize: o.maxPageSize };

  /** A write refused with a SCIM fault is recorded in the activity log (status and reason), then answered. */
  async function write<T>(
    ctx: ScimContext,
    model: ResourceModel,
    kind: ScimWrite,
    id: string,
    fn: () => Promise<T>,
    body?: string,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const fault = asScimFault(err);
      if (fault)
        await o.refusals.record(ctx.tenant, {
          connectorId: ctx.connectorId,
          resourceType: model.name,
          write: kind,
          resourceId: id,
          resourceName: body ? refusedName(model.name, body) : '',
          error: fault,
          requestId: ctx.requestId,
        });
      throw err;
    }
  }

  return {
    async createResource(
      req: { context?: ProtoScimContext; type: ResourceType; bodyJson: string; projection?: Projection },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call);
      const model = modelOf(req.type);
      const d = dialectOf(req.context);
      return out(
        d,
        model,
        await write(
          ctx,
          model,
          'create',
          '',
          async () =>
            scim.create(
              ctx,
              model,
              d.readResource(schemaOf(model), parseBody(req.bodyJson)),
              projectionOf(req.projection),
            ),
          req.bodyJson,
        ),
      );
    },
    async getResource(
      req: { context?: ProtoScimContext; type: ResourceType; id: string; projection?: Projection },
      call: CallContext,
    ) {
      const model = modelOf(req.type);
      return out(
        dialectOf(req.context),
        model,
        await scim.get(await ctxOf(req.context, call), model, req.id, projectionOf(req.projection)),
      );
    },
    async replaceResource(
      req: {
        context?: ProtoScimContext;
        type: ResourceType;
        id: string;
        bodyJson: string;
        projection?: Projection;
        ifMatch: string;
      },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call);
      const model = modelOf(req.type);
      const d = dialectOf(req.context);
      return out(
        d,
        model,
        await write(
          ctx,
          model,
          'replace',
          req.id,
          async () =>
            scim.replace(
              ctx,
              model,
              req.id,
              d.readResource(schemaOf(model), parseBody(req.bodyJson)),
              projectionOf(req.projection),
              req.ifMatch,
            ),
          req.bodyJson,
        ),
      );
    },
    async patchResource(
      req: {
        context?: ProtoScimContext;
        type: ResourceType;
        id: string;
        bodyJson: string;
        projection?: Projection;
        ifMatch: string;
        returnResource: boolean;
      },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call);
      const model = modelOf(req.type);
      const d = dialectOf(req.context);
      const r = await write(ctx, model, 'patch', req.id, async () =>
        scim.patch(
          ctx,
          model,
          req.id,
          d.readPatch(schemaOf(model), parseBody(req.bodyJson)),
          projectionOf(req.projection),
          req.ifMatch,
          req.returnResource,
        ),
      );
      return r ? out(d, model, r) : { resource: undefined };
    },
    async deleteResource(
      req: { context?: ProtoScimContext; type: ResourceType; id: string; ifMatch: string },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call);
      const model = modelOf(req.type);
      await write(ctx, model, 'delete', req.id, () => scim.delete(ctx, model, req.id, req.ifMatch));
      return {};
    },
    async listResources(
      req: { context?: ProtoScimContext; type: ResourceType; paramsJson: string; search: boolean },
      call: CallContext,
    ) {
      const model = modelOf(req.type);
      const d = dialectOf(req.context);
      const ctx = await ctxOf(req.context, call);
      // the raw query (or .search body): parsed and validated here, once (RFC 7644 §3.4.2)
      const body = req.paramsJson ? parseBody(req.paramsJson) : {};
      const raw = isPlainObject(body) ? d.readListParams(body) : body;
      const p = req.search ? parseSearchRequest(raw, limits) : parseListParams(raw as Record<string, unknown>, limits);
      const r = await scim.list(ctx, model, {
        filter: p.filter ?? '',
        startIndex: p.startIndex,
        count: p.count,
        sortBy: p.sortBy ?? '',
        sortOrder: p.sortOrder,
        projection: { attributes: p.attributes, excludedAttributes: p.excludedAttributes },
      });
      return {
        totalResults: r.total,
        startIndex: r.startIndex,
        resourcesJson: r.resources.map((j) => d.writeResource(schemaOf(model), j)),
      };
    },
    async searchAllResources(req: { context?: ProtoScimContext; paramsJson: string }, call: CallContext) {
      const ctx = await ctxOf(req.context, call);
      const p = parseSearchRequest(parseBody(req.paramsJson), limits);
      const r = await searchAll(scim, ctx, [userModel, groupModel], p);
      return { totalResults: r.total, startIndex: r.startIndex, resourcesJson: r.resources };
    },
    async processBulk(
      req: { context?: ProtoScimContext; bodyJson: string; maxPayloadBytes: number },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call, false);
      await scim.requireProvisioning(ctx);
      const max = req.maxPayloadBytes || 1048576;
      const size = Buffer.byteLength(req.bodyJson);
      if (size > max)
        throw new ScimError(
          413,
          `the bulk request is ${size} bytes; the maximum is ${max} (maxPayloadSize in /ServiceProviderConfig)`,
        );
      const bulk = parseBulkRequest(parseBody(req.bodyJson), { maxOperations: o.maxBulkOperations });
      const reportUnexpected = (err: unknown) => {
        const errorId = newId();
        call.log.error('bulk operation failed', { errorId, err });
        return errorId;
      };
      const body = await runBulk(
        { scim, refusals: o.refusals, models: { Users: userModel, Groups: groupModel }, reportUnexpected },
        ctx,
        bulk,
      );
      return { bodyJson: JSON.stringify(body) };
    },
    async getScimDiscovery(
      req: { context?: ProtoScimContext; endpoint: string; id: string; maxPayloadBytes: number },
      call: CallContext,
    ) {
      const ctx = await ctxOf(req.context, call);
      await scim.requireProvisioning(ctx);
      const doc = dialectOf(req.context).discovery(req.endpoint, req.id, {
        baseUrl: ctx.baseUrl,
        maxResults: o.maxPageSize,
        maxPayloadSize: req.maxPayloadBytes || 1048576,
        maxOperations: o.maxBulkOperations,
        ...(o.limits ? { limits: o.limits } : {}),
      });
      return { bodyJson: JSON.stringify(doc) };
    },
  };
}

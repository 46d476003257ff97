/** gRPC ↔ SCIM application layer. SCIM faults travel as gRPC status + "scim-status"/"scim-type" metadata. */
import { AppError, type ErrorCode } from '../../../kit/src/errors.js';
import type { CallContext } from '../../../kit/src/grpc-server.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import { ResourceType, type Projection, type ScimContext as ProtoScimContext } from '../../../../proto/gen/directory/v1/directory.js';
import type { ResourceModel } from '../domain/resource-model.js';
import { discoveryDocument, groupModel, userModel } from '../domain/scim-models.js';
import type { ScimContext, ScimService } from '../domain/scim-service.js';
import { asScimFault } from '../domain/scim-fault.js';
import type { ScimLimits } from '../domain/scim/limits.js';

const codeOfStatus = (status: number): ErrorCode =>
  status === 404 ? 'NOT_FOUND' : status === 409 ? 'ALREADY_EXISTS' : status === 403 ? 'PERMISSION_DENIED' : status === 401 ? 'UNAUTHENTICATED' : status === 412 ? 'FAILED_PRECONDITION' : status === 413 || status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';

export function scimErrorToAppError(err: unknown): AppError | undefined {
  const fault = asScimFault(err);
  if (!fault) return undefined;
  return new AppError(codeOfStatus(fault.status), fault.detail, fault.scimType ?? `scim_${fault.status}`, { 'scim-status': String(fault.status), ...(fault.scimType ? { 'scim-type': fault.scimType } : {}) });
}

function modelOf(type: ResourceType): ResourceModel {
  if (type === ResourceType.RESOURCE_TYPE_USER) return userModel;
  if (type === ResourceType.RESOURCE_TYPE_GROUP) return groupModel;
  throw new AppError('INVALID_ARGUMENT', 'type must be USER or GROUP');
}

const projectionOf = (p?: Projection) => ({ attributes: p?.attributes ?? [], excludedAttributes: p?.excludedAttributes ?? [] });

function parseBody(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new AppError('INVALID_ARGUMENT', 'the request body is not valid JSON', 'invalidSyntax', { 'scim-status': '400', 'scim-type': 'invalidSyntax' });
  }
}

export function scimHandlers(scim: ScimService, limits: { maxPageSize: number; limits?: ScimLimits }) {
  // Every SCIM operation starts with ScimService.requireProvisioning: the tenant's connector must exist and be
  // enabled, which also proves the organization exists (no separate lookup on the hot path).
  const ctxOf = async (c?: ProtoScimContext, call?: CallContext): Promise<ScimContext> => ({ tenant: requireTenant(c?.tenantId), connectorId: c?.connectorId ?? '', baseUrl: c?.baseUrl ?? '', ...(call?.signal ? { signal: call.signal } : {}) });
  const out = (r: { id: string; version: string; json: string }) => ({ resource: { id: r.id, version: r.version, resourceJson: r.json } });
  return {
    async createResource(req: { context?: ProtoScimContext; type: ResourceType; bodyJson: string; projection?: Projection }, call?: CallContext) {
      return out(await scim.create(await ctxOf(req.context, call), modelOf(req.type), parseBody(req.bodyJson), projectionOf(req.projection)));
    },
    async getResource(req: { context?: ProtoScimContext; type: ResourceType; id: string; projection?: Projection }, call?: CallContext) {
      return out(await scim.get(await ctxOf(req.context, call), modelOf(req.type), req.id, projectionOf(req.projection)));
    },
    async replaceResource(req: { context?: ProtoScimContext; type: ResourceType; id: string; bodyJson: string; projection?: Projection; ifMatch: string }, call?: CallContext) {
      return out(await scim.replace(await ctxOf(req.context, call), modelOf(req.type), req.id, parseBody(req.bodyJson), projectionOf(req.projection), req.ifMatch));
    },
    async patchResource(req: { context?: ProtoScimContext; type: ResourceType; id: string; bodyJson: string; projection?: Projection; ifMatch: string; returnResource: boolean }, call?: CallContext) {
      const r = await scim.patch(await ctxOf(req.context, call), modelOf(req.type), req.id, parseBody(req.bodyJson), projectionOf(req.projection), req.ifMatch, req.returnResource);
      return r ? out(r) : { resource: undefined };
    },
    async deleteResource(req: { context?: ProtoScimContext; type: ResourceType; id: string; ifMatch: string }, call?: CallContext) {
      await scim.delete(await ctxOf(req.context, call), modelOf(req.type), req.id, req.ifMatch);
      return {};
    },
    async listResources(req: { context?: ProtoScimContext; type: ResourceType; filter: string; startIndex: number; count?: number | undefined; sortBy: string; sortOrder: string; projection?: Projection }, call?: CallContext) {
      const r = await scim.list(await ctxOf(req.context, call), modelOf(req.type), { filter: req.filter, startIndex: req.startIndex, count: req.count, sortBy: req.sortBy, sortOrder: req.sortOrder, projection: projectionOf(req.projection) });
      return { totalResults: r.total, startIndex: r.startIndex, resourcesJson: r.resources };
    },
    async getScimDiscovery(req: { context?: ProtoScimContext; endpoint: string; id: string; maxPayloadBytes: number }) {
      const ctx = await ctxOf(req.context);
      await scim.requireProvisioning(ctx);
      return { bodyJson: JSON.stringify(discoveryDocument(req.endpoint, req.id, ctx.baseUrl, { maxResults: limits.maxPageSize, maxPayloadSize: req.maxPayloadBytes || 1048576, ...(limits.limits ? { limits: limits.limits } : {}) })) };
    },
  };
}

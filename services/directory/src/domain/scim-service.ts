/**
 * The SCIM application layer of the directory: one engine for Users and Groups. It owns ids, meta (created,
 * lastModified, version), tenancy, uniqueness conflicts, preconditions, memberships and the activity log; the
 * resource models (pure domain) own validation, rendering, PATCH, filters and projection.
 */
import { newId } from '../../../kit/src/ids.js';
import { currentRequestId } from '../../../kit/src/logger.js';
import { DuplicateKeyError, type Collection, type Filter, type TenantId } from '../../../kit/src/store/store.js';
import type { ChangeEvents } from '../events/change-events.js';
import type { ActivityEntry, ActivityStore } from '../store/activity-store.js';
import type { ConnectorStore } from '../store/connector-store.js';
import type { MembershipChange, MembershipStore } from '../store/membership-store.js';
import type { ResourceStores } from '../store/resource-store.js';
import type { ProjectionSpec, ResourceModel, ScimObject, StoredResource } from './resource-model.js';
import { scimFault } from './scim-fault.js';
import { parseListParams } from './scim/list-params.js';

export interface ScimContext {
  tenant: TenantId;
  connectorId: string;
  baseUrl: string;
}

export interface RenderedResource {
  id: string;
  version: string;
  json: string;
}

export interface ListRequest {
  filter: string;
  startIndex: number;
  count?: number;
  sortBy: string;
  sortOrder: string;
  projection: ProjectionSpec;
}

export interface ScimServiceDeps {
  resources: ResourceStores;
  memberships: MembershipStore;
  connectors: ConnectorStore;
  activity: ActivityStore;
  /** The outbox's write side (events/change-events.ts). */
  events: ChangeEvents;
  defaultPageSize: number;
  maxPageSize: number;
}

const weak = (version: number) => `W/"${version}"`;

export class ScimService {
  constructor(private readonly deps: ScimServiceDeps) {}

  private col(model: ResourceModel): Collection<StoredResource> {
    return model.name === 'User' ? this.deps.resources.users : this.deps.resources.groups;
  }

  /** SCIM is refused while the connector is disabled (or gone): 403, never a silent 200. */
  async requireProvisioning(ctx: ScimContext) {
    const c = await this.deps.connectors.get(ctx.tenant, ctx.connectorId);
    if (!c) throw scimFault.forbidden('this connector no longer exists; create a new connector and enter its credentials in your identity provider');
    if (!c.enabled) throw scimFault.forbidden('provisioning is turned off for this connector; an administrator can turn it on in the Organization Setup page');
  }

  private entry(ctx: ScimContext, action: string, model: ResourceModel, id: string, name: string, outcome: 'success' | 'failure' = 'success', details?: Record<string, unknown>): ActivityEntry {
    return {
      actor: `connector:${ctx.connectorId}`,
      action,
      resourceType: model.name,
      resourceId: id,
      resourceName: name,
      outcome,
      requestId: currentRequestId() ?? '',
      ...(details ? { details } : {}),
    };
  }

  private async audit(ctx: ScimContext, action: string, model: ResourceModel, id: string, name: string, outcome: 'success' | 'failure' = 'success', details?: Record<string, unknown>) {
    await this.deps.activity.record(ctx.tenant, this.entry(ctx, action, model, id, name, outcome, details));
  }

  /** What a write did, as one batch of activity entries (one store write per request, not one per entry). */
  private changeEntries(ctx: ScimContext, action: string, model: ResourceModel, before: StoredResource, after: StoredResource, label: string, delta?: MembershipDelta, memberEntries = false): ActivityEntry[] {
    const id = after._id;
    const entries = [this.entry(ctx, action, model, id, label, 'success', membershipDetails(delta))];
    if (memberEntries && delta?.added.length) entries.push(this.entry(ctx, 'group.members.add', model, id, label, 'success', { members: delta.added }));
    if (memberEntries && delta?.removed.length) entries.push(this.entry(ctx, 'group.members.remove', model, id, label, 'success', { members: delta.removed }));
    if (model.name === 'User' && before.active !== after.active) entries.push(this.entry(ctx, after.active ? 'user.reactivate' : 'user.deactivate', model, id, label));
    return entries;
  }

  /** The change's events (outbox); joins the change's unit of work when units exist. */
  private async changed(ctx: ScimContext, model: ResourceModel, before: StoredResource | null, after: StoredResource | null, delta?: MembershipDelta) {
    const actor = `connector:${ctx.connectorId}`;
    if (model.name === 'User') await this.deps.events.user(ctx.tenant, actor, before, after);
    else await this.deps.events.team(ctx.tenant, actor, before, after, delta);
  }

  private async load(ctx: ScimContext, model: ResourceModel, id: string): Promise<StoredResource> {
    const doc = await this.col(model).findOne({ _id: id, tenantId: ctx.tenant });
    if (!doc) throw scimFault.notFound(`${model.name} ${id} not found`);
    return doc;
  }

  private checkIfMatch(doc: StoredResource, ifMatch: string) {
    if (ifMatch && ifMatch !== '*' && ifMatch !== String(doc.meta.version)) {
      throw scimFault.preconditionFailed(`the resource has changed (current version ${weak(doc.meta.version)}); read it again before changing it`);
    }
  }

  /** Users named as members must exist in this tenant; the first unknown ids are named. */
  private async requireUsers(ctx: ScimContext, ids: string[]) {
    const unique = [...new Set(ids)];
    if (!unique.length) return;
    const found = await this.deps.resources.users.find({ _id: { $in: unique }, tenantId: ctx.tenant }, { projection: { _id: 1 } });
    if (found.length === unique.length) return;
    const known = new Set(found.map((d) => d._id));
    const missing = unique.filter((id) => !known.has(id));
    throw scimFault.invalidValue(`members must be users of this organization; unknown: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
  }

  private async members(ctx: ScimContext, groupId: string): Promise<Array<{ value: string; display?: string; $ref: string; type: 'User' }>> {
    const ids = await this.deps.memberships.members(ctx.tenant, groupId);
    if (!ids.length) return [];
    const users = await this.deps.resources.users.find({ _id: { $in: ids }, tenantId: ctx.tenant }, { projection: { _id: 1, userName: 1, displayName: 1 } });
    const byId = new Map(users.map((u) => [u._id, u]));
    return ids.map((id) => {
      const u = byId.get(id);
      const display = (u?.displayName as string | undefined) || (u?.userName as string | undefined);
      return { value: id, ...(display ? { display } : {}), $ref: `${ctx.baseUrl}/Users/${id}`, type: 'User' as const };
    });
  }

  private async render(ctx: ScimContext, model: ResourceModel, doc: StoredResource, projection: ProjectionSpec): Promise<RenderedResource> {
    const scim = model.toScim(doc, ctx.baseUrl);
    if (model.name === 'Group' && model.wantsMembers(projection)) scim.members = await this.members(ctx, doc._id);
    return { id: doc._id, version: String(doc.meta.version), json: JSON.stringify(model.project(scim, projection)) };
  }

  private conflict(model: ResourceModel, err: DuplicateKeyError): never {
    throw scimFault.uniqueness(model.name === 'User' ? `a user with this userName already exists in this organization (${err.index})` : `a group with this displayName already exists in this organization`);
  }

  async create(ctx: ScimContext, model: ResourceModel, body: unknown, projection: ProjectionSpec): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    const input = model.fromInput(body);
    if (input.memberIds) await this.requireUsers(ctx, input.memberIds);
    const now = new Date();
    const doc: StoredResource = { ...input.fields, _id: newId(now.getTime()), tenantId: ctx.tenant, meta: { created: now, lastModified: now, version: 1 }, provisioned: true };
    try {
      await this.col(model).insertOne(doc);
    } catch (err) {
      if (err instanceof DuplicateKeyError) {
        await this.audit(ctx, `${model.name.toLowerCase()}.create`, model, '', input.label, 'failure', { reason: 'uniqueness' });
        this.conflict(model, err);
      }
      throw err;
    }
    if (input.memberIds?.length) {
      await this.deps.memberships.apply(ctx.tenant, doc._id, [{ op: 'add', userIds: input.memberIds }]);
    }
    await this.audit(ctx, `${model.name.toLowerCase()}.create`, model, doc._id, input.label, 'success', input.memberIds?.length ? { membersAdded: input.memberIds } : undefined);
    await this.changed(ctx, model, null, doc, input.memberIds?.length ? { added: input.memberIds, removed: [] } : undefined);
    return this.render(ctx, model, doc, projection);
  }

  async get(ctx: ScimContext, model: ResourceModel, id: string, projection: ProjectionSpec): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    return this.render(ctx, model, await this.load(ctx, model, id), projection);
  }

  /** Stores new fields with optimistic concurrency on meta.version; returns the stored document. */
  private async write(ctx: ScimContext, model: ResourceModel, before: StoredResource, fields: Record<string, unknown>): Promise<StoredResource> {
    const now = new Date();
    const next: StoredResource = { ...fields, _id: before._id, tenantId: before.tenantId, provisioned: before.provisioned, meta: { created: before.meta.created, lastModified: now, version: before.meta.version + 1 } };
    try {
      const res = await this.col(model).updateOne({ _id: before._id, tenantId: ctx.tenant, 'meta.version': before.meta.version }, replaceUpdate(before, next));
      if (res.matched === 0) throw scimFault.preconditionFailed('the resource was changed by another request meanwhile; read it again and retry');
    } catch (err) {
      if (err instanceof DuplicateKeyError) this.conflict(model, err);
      throw err;
    }
    return next;
  }

  async replace(ctx: ScimContext, model: ResourceModel, id: string, body: unknown, projection: ProjectionSpec, ifMatch: string): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    const before = await this.load(ctx, model, id);
    this.checkIfMatch(before, ifMatch);
    const input = model.fromInput(body);
    const changes: MembershipChange[] = input.memberIds ? [{ op: 'replace', userIds: input.memberIds }] : [];
    if (input.memberIds) await this.requireUsers(ctx, input.memberIds);
    const after = await this.write(ctx, model, before, input.fields);
    const delta = changes.length ? await this.deps.memberships.apply(ctx.tenant, id, changes) : undefined;
    await this.deps.activity.recordAll(ctx.tenant, this.changeEntries(ctx, `${model.name.toLowerCase()}.replace`, model, before, after, input.label, delta));
    await this.changed(ctx, model, before, after, delta);
    return this.render(ctx, model, after, projection);
  }

  async patch(ctx: ScimContext, model: ResourceModel, id: string, body: unknown, projection: ProjectionSpec, ifMatch: string, returnResource: boolean): Promise<RenderedResource | undefined> {
    await this.requireProvisioning(ctx);
    const before = await this.load(ctx, model, id);
    this.checkIfMatch(before, ifMatch);
    const { membership, input } = model.patch(model.toScim(before, ctx.baseUrl), body);
    const added = membership.flatMap((m) => (m.op === 'add' || m.op === 'replace' ? m.userIds : []));
    await this.requireUsers(ctx, added);
    const after = await this.write(ctx, model, before, input.fields);
    const delta = membership.length ? await this.deps.memberships.apply(ctx.tenant, id, membership) : undefined;
    await this.deps.activity.recordAll(ctx.tenant, this.changeEntries(ctx, `${model.name.toLowerCase()}.patch`, model, before, after, input.label, delta, true));
    await this.changed(ctx, model, before, after, delta);
    return returnResource ? this.render(ctx, model, after, projection) : undefined;
  }

  async delete(ctx: ScimContext, model: ResourceModel, id: string, ifMatch: string): Promise<void> {
    await this.requireProvisioning(ctx);
    const before = await this.load(ctx, model, id);
    this.checkIfMatch(before, ifMatch);
    const removed = await this.col(model).deleteOne({ _id: id, tenantId: ctx.tenant, 'meta.version': before.meta.version });
    if (!removed) throw scimFault.preconditionFailed('the resource was changed by another request meanwhile; read it again and retry');
    if (model.name === 'User') await this.deps.memberships.removeUser(ctx.tenant, id);
    else await this.deps.memberships.removeGroup(ctx.tenant, id);
    await this.audit(ctx, `${model.name.toLowerCase()}.delete`, model, id, labelOf(model, before));
    await this.changed(ctx, model, before, null);
  }

  async list(ctx: ScimContext, model: ResourceModel, req: ListRequest): Promise<{ total: number; startIndex: number; resources: string[] }> {
    await this.requireProvisioning(ctx);
    // paging and sort order by RFC 7644 §3.4.2 (startIndex < 1 → 1, count clamped to [0, max])
    const { startIndex, count, sortOrder } = parseListParams(
      { startIndex: req.startIndex, ...(req.count === undefined ? {} : { count: req.count }), ...(req.sortOrder ? { sortOrder: req.sortOrder } : {}) },
      { defaultPageSize: this.deps.defaultPageSize, maxPageSize: this.deps.maxPageSize },
    );
    const compiled: Filter = req.filter.trim() ? await model.compileFilter(req.filter, { groupIdsOfMembers: (ids) => this.deps.memberships.groupsOf(ctx.tenant, ids) }) : {};
    const filter: Filter = Object.keys(compiled).length ? { tenantId: ctx.tenant, ...(compiled.tenantId === undefined ? compiled : { $and: [compiled] }) } : { tenantId: ctx.tenant };
    const col = this.col(model);
    const total = await col.countDocuments(filter);
    if (count === 0 || startIndex > total) return { total, startIndex, resources: [] };
    const sort = req.sortBy ? model.compileSort(req.sortBy, sortOrder) : { _id: 1 as const };
    const docs = await col.find(filter, { sort, skip: startIndex - 1, limit: count });
    const resources = await Promise.all(docs.map(async (d) => (await this.render(ctx, model, d, req.projection)).json));
    return { total, startIndex, resources };
  }
}

/** A whole-document replacement as an update document both stores evaluate alike: $set new fields, $unset gone ones. */
function replaceUpdate(before: StoredResource, next: StoredResource) {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  for (const [k, v] of Object.entries(next)) if (k !== '_id') $set[k] = v;
  for (const k of Object.keys(before)) if (!(k in next)) $unset[k] = '';
  return Object.keys($unset).length ? { $set, $unset } : { $set };
}

function labelOf(model: ResourceModel, doc: StoredResource): string {
  return String((model.name === 'User' ? doc.userName : doc.displayName) ?? '');
}

type MembershipDelta = { added: string[]; removed: string[] };

function membershipDetails(delta: MembershipDelta | undefined) {
  return delta && (delta.added.length || delta.removed.length) ? { membersAdded: delta.added, membersRemoved: delta.removed } : undefined;
}

export type { ScimObject };

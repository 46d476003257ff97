/**
 * The SCIM application layer of the directory: one engine for Users and Groups. It owns ids, meta (created,
 * lastModified, version), tenancy, uniqueness conflicts, preconditions, memberships and the activity log; the
 * resource models (pure domain) own validation, rendering, PATCH, filters and projection.
 */
import { stopIfCallEnded, type CallEnd } from '../../../kit/src/errors.js';
import { DuplicateKeyError, IndexKeyLimitError, type Filter, type TenantId } from '../../../kit/src/store/store.js';
import type {
  ActivityEntry,
  DirectoryRepositories,
  MembershipChange,
  ResourceRepository,
  UnitRunner,
} from './ports.js';
import {
  sameContent,
  type ProjectionSpec,
  type ResourceModel,
  type ScimObject,
  type StoredResource,
} from './resource-model.js';
import { activityEntry, firstVersion, nextVersion, writeVersion } from './directory-service.js';
import { scimFault } from './scim-fault.js';
import { weakEtag } from '../../../kit/src/etag.js';
import { parseListParams } from './scim/list-params.js';
import type { ScimLimits } from './scim/limits.js';
import { ChangeEvents } from '../events/change-events.js';
import type { ChangeMeta } from '../events/event-types.js';
import { textOf } from './scim/normalize.js';

export interface ScimContext {
  tenant: TenantId;
  connectorId: string;
  baseUrl: string;
  /** The request id of the call (its CallContext): recorded with the activity entries and events it writes. */
  requestId: string;
  /** Aborted when the caller has gone: work stops at the next step and nothing more is written. */
  signal?: CallEnd;
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
  store: DirectoryRepositories & UnitRunner;
  defaultPageSize: number;
  maxPageSize: number;
  limits?: ScimLimits;
}

/** The repository of a resource type. */
const repo = (r: DirectoryRepositories, model: ResourceModel): ResourceRepository =>
  model.name === 'User' ? r.users : r.groups;

export class ScimService {
  private readonly events = new ChangeEvents();

  constructor(private readonly deps: ScimServiceDeps) {}

  /** The change's events (outbox), written in the change's unit. */
  private async changed(
    tx: DirectoryRepositories,
    ctx: ScimContext,
    model: ResourceModel,
    before: StoredResource | null,
    after: StoredResource | null,
    delta?: MembershipDelta,
  ) {
    const by = changeBy(ctx);
    if (model.name === 'User') await this.events.user(tx, ctx.tenant, by, before, after);
    else await this.events.team(tx, ctx.tenant, by, before, after, delta);
  }

  private col(model: ResourceModel): ResourceRepository {
    return repo(this.deps.store, model);
  }

  /** SCIM is refused while the connector is disabled (or gone): 403, never a silent 200. */
  async requireProvisioning(ctx: ScimContext) {
    const c = await this.deps.store.connectors.get(ctx.tenant, ctx.connectorId);
    if (!c)
      throw scimFault.forbidden(
        'this connector no longer exists; create a new connector and enter its credentials in your identity provider',
      );
    if (!c.enabled)
      throw scimFault.forbidden(
        'provisioning is turned off for this connector; an administrator can turn it on in the Organization Setup page',
      );
  }

  private entry(
    ctx: ScimContext,
    action: string,
    model: ResourceModel,
    id: string,
    name: string,
    outcome: 'success' | 'failure' = 'success',
    details?: Record<string, unknown>,
  ): ActivityEntry {
    return activityEntry(changeBy(ctx), action, model.name, id, name, outcome, details);
  }

  /**
   * One write of the SCIM path: the resource, its memberships and its activity entries in one unit. Store
   * faults a client can cause become SCIM faults: uniqueness → 409, too many index keys → 400.
   */
  private async unit<R>(model: ResourceModel, work: (tx: DirectoryRepositories) => Promise<R>): Promise<R> {
    try {
      return await this.deps.store.unit(work);
    } catch (err) {
      if (err instanceof DuplicateKeyError) this.conflict(model, err);
      if (err instanceof IndexKeyLimitError)
        throw scimFault.invalidValue(
          `the ${model.name.toLowerCase()} has more values than can be stored (${err.message}); send fewer`,
        );
      throw err;
    }
  }

  /** What a write did, as one batch of activity entries (one store write per request, not one per entry). */
  private changeEntries(
    ctx: ScimContext,
    action: string,
    model: ResourceModel,
    before: StoredResource,
    after: StoredResource,
    label: string,
    delta?: MembershipDelta,
    memberEntries = false,
  ): ActivityEntry[] {
    const id = after._id;
    const entries = [this.entry(ctx, action, model, id, label, 'success', membershipDetails(delta))];
    if (memberEntries && delta?.added.length)
      entries.push(this.entry(ctx, 'group.members.add', model, id, label, 'success', { members: delta.added }));
    if (memberEntries && delta?.removed.length)
      entries.push(this.entry(ctx, 'group.members.remove', model, id, label, 'success', { members: delta.removed }));
    if (model.name === 'User' && before.active !== after.active)
      entries.push(this.entry(ctx, after.active ? 'user.reactivate' : 'user.deactivate', model, id, label));
    return entries;
  }

  private async load(ctx: ScimContext, model: ResourceModel, id: string): Promise<StoredResource> {
    return this.loadIn(this.deps.store, ctx, model, id);
  }

  private async loadIn(
    r: DirectoryRepositories,
    ctx: ScimContext,
    model: ResourceModel,
    id: string,
  ): Promise<StoredResource> {
    const doc = await repo(r, model).get(ctx.tenant, id);
    if (!doc) throw scimFault.notFound(`${model.name} ${id} not found`);
    return doc;
  }

  private checkIfMatch(doc: StoredResource, ifMatch: string) {
    if (ifMatch && ifMatch !== '*' && ifMatch !== String(doc.meta.version)) {
      throw scimFault.preconditionFailed(
        `the resource has changed (current version ${weakEtag(doc.meta.version)}); read it again before changing it`,
      );
    }
  }

  /** Users named as members must exist in this tenant; the first unknown ids are named. */
  private async requireUsers(tx: DirectoryRepositories, ctx: ScimContext, ids: string[]) {
    const unique = [...new Set(ids)];
    if (!unique.length) return;
    const found = await tx.users.byIds(ctx.tenant, unique, []);
    if (found.length === unique.length) return;
    const known = new Set(found.map((d) => d._id));
    const missing = unique.filter((id) => !known.has(id));
    throw scimFault.invalidValue(
      `members must be users of this organization; unknown: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`,
    );
  }

  private async members(
    ctx: ScimContext,
    groupId: string,
  ): Promise<Array<{ value: string; display?: string; $ref: string; type: 'User' }>> {
    const ids = await this.deps.store.memberships.members(ctx.tenant, groupId);
    if (!ids.length) return [];
    const users = await this.deps.store.users.byIds(ctx.tenant, ids, ['userName', 'displayName']);
    const byId = new Map(users.map((u) => [u._id, u]));
    return ids.map((id) => {
      const u = byId.get(id);
      const display = (u?.displayName as string | undefined) || (u?.userName as string | undefined);
      return { value: id, ...(display ? { display } : {}), $ref: `${ctx.baseUrl}/Users/${id}`, type: 'User' as const };
    });
  }

  private async render(
    ctx: ScimContext,
    model: ResourceModel,
    doc: StoredResource,
    projection: ProjectionSpec,
  ): Promise<RenderedResource> {
    const scim = model.toScim(doc, ctx.baseUrl);
    if (model.name === 'Group' && model.wantsMembers(projection)) scim.members = await this.members(ctx, doc._id);
    return { id: doc._id, version: String(doc.meta.version), json: JSON.stringify(model.project(scim, projection)) };
  }

  private conflict(model: ResourceModel, err: DuplicateKeyError): never {
    throw scimFault.uniqueness(
      model.name === 'User'
        ? `a user with this userName already exists in this organization (${err.index})`
        : `a group with this displayName already exists in this organization`,
    );
  }

  async create(
    ctx: ScimContext,
    model: ResourceModel,
    body: unknown,
    projection: ProjectionSpec,
  ): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    const input = model.fromInput(body, this.deps.limits);
    stopIfCallEnded(ctx.signal);
    const doc = firstVersion(ctx.tenant, input.fields, true);
    const action = `${model.name.toLowerCase()}.create`;
    // a refusal (e.g. 409 uniqueness) is recorded by the SCIM edge (scim-refusals.ts), like every refused write
    await this.unit(model, async (tx) => {
      if (input.memberIds) await this.requireUsers(tx, ctx, input.memberIds);
      await repo(tx, model).insert(ctx.tenant, doc);
      const delta = input.memberIds?.length
        ? await tx.memberships.apply(ctx.tenant, doc._id, [{ op: 'add', userIds: input.memberIds }])
        : undefined;
      await tx.activity.record(
        ctx.tenant,
        this.entry(
          ctx,
          action,
          model,
          doc._id,
          input.label,
          'success',
          input.memberIds?.length ? { membersAdded: input.memberIds } : undefined,
        ),
      );
      await this.changed(tx, ctx, model, null, doc, delta);
    });
    return this.render(ctx, model, doc, projection);
  }

  async get(ctx: ScimContext, model: ResourceModel, id: string, projection: ProjectionSpec): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    return this.render(ctx, model, await this.load(ctx, model, id), projection);
  }

  /** Stores new fields with optimistic concurrency on meta.version; returns the stored document. */
  private async write(
    tx: DirectoryRepositories,
    ctx: ScimContext,
    model: ResourceModel,
    before: StoredResource,
    fields: Record<string, unknown>,
  ): Promise<StoredResource> {
    const next = nextVersion(before, fields);
    await writeVersion(repo(tx, model), ctx.tenant, before, next, () =>
      scimFault.preconditionFailed('the resource was changed by another request meanwhile; read it again and retry'),
    );
    return next;
  }

  async replace(
    ctx: ScimContext,
    model: ResourceModel,
    id: string,
    body: unknown,
    projection: ProjectionSpec,
    ifMatch: string,
  ): Promise<RenderedResource> {
    await this.requireProvisioning(ctx);
    const input = model.fromInput(body, this.deps.limits);
    const changes: MembershipChange[] = input.memberIds ? [{ op: 'replace', userIds: input.memberIds }] : [];
    const after = await this.unit(model, async (tx) => {
      const before = await this.loadIn(tx, ctx, model, id);
      this.checkIfMatch(before, ifMatch);
      if (input.memberIds) await this.requireUsers(tx, ctx, input.memberIds);
      stopIfCallEnded(ctx.signal);
      const after = await this.write(tx, ctx, model, before, input.fields);
      const delta = changes.length ? await tx.memberships.apply(ctx.tenant, id, changes) : undefined;
      await tx.activity.recordAll(
        ctx.tenant,
        this.changeEntries(ctx, `${model.name.toLowerCase()}.replace`, model, before, after, input.label, delta),
      );
      await this.changed(tx, ctx, model, before, after, delta);
      return after;
    });
    return this.render(ctx, model, after, projection);
  }

  async patch(
    ctx: ScimContext,
    model: ResourceModel,
    id: string,
    body: unknown,
    projection: ProjectionSpec,
    ifMatch: string,
    returnResource: boolean,
  ): Promise<RenderedResource | undefined> {
    await this.requireProvisioning(ctx);
    const after = await this.unit(model, async (tx) => {
      const before = await this.loadIn(tx, ctx, model, id);
      this.checkIfMatch(before, ifMatch);
      const { membership, input } = model.patch(model.toScim(before, ctx.baseUrl), body, this.deps.limits);
      const added = membership.flatMap((m) => (m.op === 'add' || m.op === 'replace' ? m.userIds : []));
      await this.requireUsers(tx, ctx, added);
      stopIfCallEnded(ctx.signal);
      // A PATCH that changes nothing (an IdP repeating a deactivation) writes nothing: same version, no
      // activity entry, no event — the unit commits no record and waits for no flush.
      if (!membership.length && sameContent(before, nextVersion(before, input.fields))) return before;
      const after = await this.write(tx, ctx, model, before, input.fields);
      const delta = membership.length ? await tx.memberships.apply(ctx.tenant, id, membership) : undefined;
      await tx.activity.recordAll(
        ctx.tenant,
        this.changeEntries(ctx, `${model.name.toLowerCase()}.patch`, model, before, after, input.label, delta, true),
      );
      await this.changed(tx, ctx, model, before, after, delta);
      return after;
    });
    return returnResource ? this.render(ctx, model, after, projection) : undefined;
  }

  /** A user's memberships or a group's go with it, in the same unit. */
  async delete(ctx: ScimContext, model: ResourceModel, id: string, ifMatch: string): Promise<void> {
    await this.requireProvisioning(ctx);
    await this.unit(model, async (tx) => {
      const before = await this.loadIn(tx, ctx, model, id);
      this.checkIfMatch(before, ifMatch);
      if (!(await repo(tx, model).delete(ctx.tenant, id, before.meta.version)))
        throw scimFault.preconditionFailed(
          'the resource was changed by another request meanwhile; read it again and retry',
        );
      if (model.name === 'User') await tx.memberships.removeUser(ctx.tenant, id);
      else await tx.memberships.removeGroup(ctx.tenant, id);
      await tx.activity.record(
        ctx.tenant,
        this.entry(ctx, `${model.name.toLowerCase()}.delete`, model, id, labelOf(model, before)),
      );
      await this.changed(tx, ctx, model, before, null);
    });
  }

  async list(
    ctx: ScimContext,
    model: ResourceModel,
    req: ListRequest,
  ): Promise<{ total: number; startIndex: number; resources: string[] }> {
    await this.requireProvisioning(ctx);
    // paging and sort order by RFC 7644 §3.4.2 (startIndex < 1 → 1, count clamped to [0, max])
    const { startIndex, count, sortOrder } = parseListParams(
      {
        startIndex: req.startIndex,
        ...(req.count === undefined ? {} : { count: req.count }),
        ...(req.sortOrder ? { sortOrder: req.sortOrder } : {}),
      },
      { defaultPageSize: this.deps.defaultPageSize, maxPageSize: this.deps.maxPageSize },
    );
    const compiled: Filter = req.filter.trim()
      ? await model.compileFilter(req.filter, {
          groupIdsOfMembers: (ids) => this.deps.store.memberships.groupsOf(ctx.tenant, ids),
        })
      : {};
    // the repository adds the tenant; a compiled filter naming a `tenantId` attribute is kept apart from it
    const filter: Filter = compiled.tenantId === undefined ? compiled : { $and: [compiled] };
    const col = this.col(model);
    if (count === 0) return { total: await col.count(ctx.tenant, filter), startIndex, resources: [] };
    const sort = req.sortBy ? model.compileSort(req.sortBy, sortOrder) : { _id: 1 as const };
    const skip = startIndex - 1;
    stopIfCallEnded(ctx.signal);
    const docs = await col.find(ctx.tenant, filter, { sort, skip, limit: count });
    stopIfCallEnded(ctx.signal);
    // A page that is not full and starts inside the results ends them: its end is the total, no count needed
    // (a lookup by userName or externalId, the commonest list, is one such page).
    const total =
      docs.length < count && (docs.length > 0 || skip === 0) ? skip + docs.length : await col.count(ctx.tenant, filter);
    const resources = await Promise.all(docs.map(async (d) => (await this.render(ctx, model, d, req.projection)).json));
    return { total, startIndex, resources };
  }
}

/** Who makes a SCIM change (the connector) and under which request. */
const changeBy = (ctx: ScimContext): ChangeMeta => ({
  actor: `connector:${ctx.connectorId}`,
  requestId: ctx.requestId,
});

function labelOf(model: ResourceModel, doc: StoredResource): string {
  return textOf(model.name === 'User' ? doc.userName : doc.displayName);
}

type MembershipDelta = { added: string[]; removed: string[] };

function membershipDetails(delta: MembershipDelta | undefined) {
  return delta && (delta.added.length || delta.removed.length)
    ? { membersAdded: delta.added, membersRemoved: delta.removed }
    : undefined;
}

export type { ScimObject };

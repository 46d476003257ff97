/**
 * The one writer of users and teams. Versioning (`meta.version` + 1 on every change, compared on write), the
 * activity entry of every change, the read-only rules (provisioned objects are read-only in the admin API while
 * provisioning is on; a manual user cannot join a provisioned team) and store uniqueness → faults live here;
 * the SCIM path (`scim-service.ts`) and the admin path (`handlers/platform.handlers.ts`) both write through it,
 * each change in one unit with its activity entries and its change events (events/change-events.ts).
 */
import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { roleName } from '../../../kit/src/roles.js';
import { textOf } from './scim/normalize.js';
import { DuplicateKeyError, type TenantId } from '../../../kit/src/store/store.js';
import type { ActivityEntry, DirectoryRepositories, ResourceRepository, UnitRunner } from './ports.js';
import type { StoredResource } from './resource-model.js';
import { newManualTeamFields } from './scim-models.js';
import { ChangeEvents } from '../events/change-events.js';
import type { ChangeMeta } from '../events/event-types.js';

/** The next version of a resource: new fields, same identity, `meta.version` + 1. */
export function nextVersion(before: StoredResource, fields: Record<string, unknown>, now = new Date()): StoredResource {
  return {
    ...fields,
    _id: before._id,
    tenantId: before.tenantId,
    provisioned: before.provisioned,
    meta: { created: before.meta.created, lastModified: now, version: before.meta.version + 1 },
  };
}

/** Stores `next` if the resource is still at `before`'s version; `stale()` is thrown otherwise. */
export async function writeVersion(
  repo: ResourceRepository,
  tenant: TenantId,
  before: StoredResource,
  next: StoredResource,
  stale: () => Error,
): Promise<void> {
  if (!(await repo.replace(tenant, before, next))) throw stale();
}

/** A new resource at version 1. */
export function firstVersion(
  tenant: TenantId,
  fields: Record<string, unknown>,
  provisioned: boolean,
  now = new Date(),
): StoredResource {
  return {
    ...fields,
    _id: newId(now.getTime()),
    tenantId: tenant,
    meta: { created: now, lastModified: now, version: 1 },
    provisioned,
  };
}

/** One activity entry of a change made by `by` (the actor, and the request id of the call that made it). */
export function activityEntry(
  by: ChangeMeta,
  action: string,
  resourceType: string,
  resourceId: string,
  resourceName: string,
  outcome: 'success' | 'failure' = 'success',
  details?: Record<string, unknown>,
): ActivityEntry {
  return {
    actor: by.actor,
    action,
    resourceType,
    resourceId,
    resourceName,
    outcome,
    requestId: by.requestId,
    ...(details ? { details } : {}),
  };
}

/** The read-only rules of the admin API. */
export const editRules = {
  /** Provisioned objects belong to the IdP while provisioning is on. */
  requireEditable(doc: StoredResource, provisioningOn: boolean, what: 'user' | 'team', advice: string) {
    if (doc.provisioned && provisioningOn)
      throw new AppError(
        'FAILED_PRECONDITION',
        `this ${what} is provisioned by your identity provider and read-only while provisioning is on; ${advice}`,
        `${what}_read_only`,
      );
  },
  /** A provisioned team holds provisioned users only; a provisioned user may join a manual team. */
  requireCanJoin(team: StoredResource, user: StoredResource) {
    if (team.provisioned && !user.provisioned)
      throw new AppError(
        'FAILED_PRECONDITION',
        'a manually created user cannot join a team provisioned by the identity provider',
        'manual_user_in_provisioned_team',
      );
  },
};

const teamExists = (name: string) =>
  new AppError('ALREADY_EXISTS', `a team named "${name}" already exists`, 'team_exists');
const changedMeanwhile = (what: string) => () =>
  new AppError('ABORTED', `the ${what} was changed by another request meanwhile; retry`, 'concurrent_change');

/**
 * The admin API's writes (the platform's own edits), each one unit with its activity entry and its events; each
 * takes who made it and under which request (`by`).
 */
export class DirectoryService {
  private readonly events = new ChangeEvents();

  constructor(private readonly store: UnitRunner) {}

  private async unit<R>(work: (tx: DirectoryRepositories) => Promise<R>, onDuplicate?: () => Error): Promise<R> {
    try {
      return await this.store.unit(work);
    } catch (err) {
      if (err instanceof DuplicateKeyError && onDuplicate) throw onDuplicate();
      throw err;
    }
  }

  /** Role (a directory.v1.Role value; 0: none) and active flag of a manual user, or of any user while provisioning is off. */
  updateUser(
    tenant: TenantId,
    userId: string,
    change: { role?: number; active?: boolean },
    by: ChangeMeta,
  ): Promise<{ user: StoredResource; provisioningOn: boolean }> {
    if (change.role !== undefined && change.role !== 0 && !roleName(change.role))
      throw new AppError('INVALID_ARGUMENT', 'role is not a platform role');
    return this.unit(async (tx) => {
      const user = await tx.users.get(tenant, userId);
      if (!user) throw new AppError('NOT_FOUND', `user ${userId} not found`);
      const on = await tx.connectors.provisioningOn(tenant);
      editRules.requireEditable(user, on, 'user', 'change it in the identity provider, or turn provisioning off first');
      const { _id, tenantId, meta, provisioned, ...fields } = user;
      if (change.active !== undefined) fields.active = change.active;
      if (change.role === 0) delete fields.role;
      else if (change.role !== undefined) fields.role = roleName(change.role);
      const next = nextVersion(user, fields);
      await writeVersion(tx.users, tenant, user, next, changedMeanwhile('user'));
      const details = {
        ...(change.active !== undefined ? { active: change.active } : {}),
        ...(change.role !== undefined ? { role: roleName(change.role) || null } : {}),
      };
      await tx.activity.record(
        tenant,
        activityEntry(by, 'user.update', 'User', user._id, textOf(user.userName), 'success', details),
      );
      await this.events.user(tx, tenant, by, user, next);
      return { user: next, provisioningOn: on };
    });
  }

  async createTeam(tenant: TenantId, name: string, by: ChangeMeta): Promise<StoredResource> {
    const doc = firstVersion(tenant, newManualTeamFields(name), false);
    await this.unit(
      async (tx) => {
        await tx.groups.insert(tenant, doc);
        await tx.activity.record(tenant, activityEntry(by, 'team.create', 'Group', doc._id, name));
        await this.events.team(tx, tenant, by, null, doc);
      },
      () => teamExists(name),
    );
    return doc;
  }

  renameTeam(
    tenant: TenantId,
    teamId: string,
    name: string,
    by: ChangeMeta,
  ): Promise<{ team: StoredResource; provisioningOn: boolean }> {
    return this.unit(
      async (tx) => {
        const team = await tx.groups.get(tenant, teamId);
        if (!team) throw new AppError('NOT_FOUND', `team ${teamId} not found`);
        const on = await tx.connectors.provisioningOn(tenant);
        editRules.requireEditable(team, on, 'team', 'rename it in the identity provider');
        const { _id, tenantId, meta, provisioned, ...fields } = team;
        const next = nextVersion(team, { ...fields, ...newManualTeamFields(name) });
        await writeVersion(tx.groups, tenant, team, next, changedMeanwhile('team'));
        // A provisioned team renamed here is no longer found by the IdP's displayName lookup (docs/okta.md).
        await tx.activity.record(
          tenant,
          activityEntry(by, 'team.rename', 'Group', team._id, name, 'success', { from: textOf(team.displayName) }),
        );
        await this.events.team(tx, tenant, by, team, next);
        return { team: next, provisioningOn: on };
      },
      () => teamExists(name),
    );
  }

  /** Idempotent: adding a member twice (or twice at once) adds and records it once. */
  addTeamMember(
    tenant: TenantId,
    teamId: string,
    userId: string,
    by: ChangeMeta,
  ): Promise<{ team: StoredResource; provisioningOn: boolean }> {
    return this.unit(async (tx) => {
      const team = await tx.groups.get(tenant, teamId);
      if (!team) throw new AppError('NOT_FOUND', `team ${teamId} not found`);
      const user = await tx.users.get(tenant, userId);
      if (!user) throw new AppError('NOT_FOUND', `user ${userId} not found`);
      const on = await tx.connectors.provisioningOn(tenant);
      editRules.requireEditable(team, on, 'team', 'change its members in the identity provider');
      editRules.requireCanJoin(team, user);
      const delta = await tx.memberships.apply(tenant, team._id, [{ op: 'add', userIds: [user._id] }]);
      if (delta.added.length)
        await tx.activity.record(
          tenant,
          activityEntry(by, 'group.members.add', 'Group', team._id, textOf(team.displayName), 'success', {
            members: delta.added,
          }),
        );
      await this.events.team(tx, tenant, by, team, team, delta);
      return { team, provisioningOn: on };
    });
  }
}

/** The platform's own view of users and teams (admin API) and sign-in lookups for the identity service. */
import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { currentRequestId } from '../../../kit/src/logger.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import { DuplicateKeyError, type TenantId } from '../../../kit/src/store/store.js';
import type { Team, User } from '../../../../proto/gen/directory/v1/directory.js';
import type { DirectoryRepositories, ResourceRepository } from '../domain/ports.js';
import type { StoredResource } from '../domain/resource-model.js';
import { ROLES, loginFilter, newManualTeamFields, userSummary } from '../domain/scim-models.js';
import type { DirectoryStore } from '../store/directory-store.js';

export interface PlatformDeps {
  store: DirectoryStore;
  requireOrg: (tenant: string) => Promise<unknown>;
}

export function userToProto(doc: StoredResource, provisioningOn: boolean): User {
  const s = userSummary(doc);
  return { id: doc._id, tenantId: doc.tenantId, userName: s.userName, displayName: s.displayName, email: s.email, active: s.active, role: s.role, provisioned: doc.provisioned, createdAt: doc.meta.created, updatedAt: doc.meta.lastModified, externalId: s.externalId, editable: !doc.provisioned || !provisioningOn };
}

const ROLE_NAMES = ['', ...ROLES];

export function platformHandlers({ store, requireOrg }: PlatformDeps) {
  const { orgs, memberships, connectors } = store;
  /** Concurrent identical adds: the losing unit runs again and finds the membership there. */
  const unit = async <R>(work: (tx: DirectoryRepositories) => Promise<R>): Promise<R> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.unit(work);
      } catch (err) {
        if (err instanceof DuplicateKeyError && err.collection === 'memberships' && attempt < 5) continue;
        throw err;
      }
    }
  };
  const tenantOf = async (value: string): Promise<TenantId> => {
    const t = requireTenant(value);
    await requireOrg(t);
    return t;
  };
  /** A keyset page of a tenant's resources in _id order (limit 1–500, default 100); `next` is '' on the last page. */
  const page = async (col: ResourceRepository, tenant: TenantId, req: { limit: number; pageToken: string }) => {
    const limit = Math.min(Math.max(req.limit || 100, 1), 500);
    const rows = await col.page(tenant, req.pageToken, limit + 1);
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    return { items, next: more ? items[items.length - 1]._id : '' };
  };
  const teamToProto = async (tenant: TenantId, doc: StoredResource, provisioningOn: boolean): Promise<Team> => ({
    id: doc._id,
    tenantId: doc.tenantId,
    name: String(doc.displayName ?? ''),
    provisioned: doc.provisioned,
    memberCount: await memberships.count(tenant, doc._id),
    editable: !doc.provisioned || !provisioningOn,
    createdAt: doc.meta.created,
  });

  return {
    async listUsers(req: { tenantId: string; limit: number; pageToken: string }) {
      const tenant = await tenantOf(req.tenantId);
      const { items, next } = await page(store.users, tenant, req);
      const on = await connectors.provisioningOn(tenant);
      return { users: items.map((u) => userToProto(u, on)), nextPageToken: next, total: await store.users.count(tenant, {}) };
    },
    async updateUser(req: { tenantId: string; userId: string; role?: number | undefined; active?: boolean | undefined; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      if (req.role !== undefined && (req.role < 0 || req.role >= ROLE_NAMES.length)) throw new AppError('INVALID_ARGUMENT', `role must be one of ${ROLES.join(', ')} or none`);
      const { updated, on } = await unit(async (tx) => {
        const user = await tx.users.get(tenant, req.userId);
        if (!user) throw new AppError('NOT_FOUND', `user ${req.userId} not found`);
        const on = await tx.connectors.provisioningOn(tenant);
        if (user.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this user is provisioned by your identity provider and read-only while provisioning is on; change it in the identity provider, or turn provisioning off first', 'user_read_only');
        const next: StoredResource = { ...user, meta: { ...user.meta, lastModified: new Date(), version: user.meta.version + 1 } };
        if (req.active !== undefined) next.active = req.active;
        if (req.role === 0) delete next.role;
        else if (req.role !== undefined) next.role = ROLE_NAMES[req.role];
        if (!(await tx.users.replace(tenant, user, next))) throw new AppError('ABORTED', 'the user was changed by another request meanwhile; retry', 'concurrent_change');
        await tx.activity.record(tenant, { actor: req.actor || 'operator', action: 'user.update', resourceType: 'User', resourceId: user._id, resourceName: String(user.userName ?? ''), outcome: 'success', requestId: currentRequestId() ?? '', details: { ...(req.active !== undefined ? { active: req.active } : {}), ...(req.role !== undefined ? { role: ROLE_NAMES[req.role] || null } : {}) } });
        return { updated: next, on };
      });
      return { user: userToProto(updated, on) };
    },
    async listTeams(req: { tenantId: string; limit: number; pageToken: string }) {
      const tenant = await tenantOf(req.tenantId);
      const { items, next } = await page(store.groups, tenant, req);
      const on = await connectors.provisioningOn(tenant);
      return { teams: await Promise.all(items.map((d) => teamToProto(tenant, d, on))), nextPageToken: next };
    },
    async createTeam(req: { tenantId: string; name: string; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const name = req.name?.trim();
      if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
      const now = new Date();
      const doc: StoredResource = { ...newManualTeamFields(name), _id: newId(now.getTime()), tenantId: tenant, meta: { created: now, lastModified: now, version: 1 }, provisioned: false };
      try {
        await unit(async (tx) => {
          await tx.groups.insert(tenant, doc);
          await tx.activity.record(tenant, { actor: req.actor || 'operator', action: 'team.create', resourceType: 'Group', resourceId: doc._id, resourceName: name, outcome: 'success', requestId: currentRequestId() ?? '' });
        });
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError('ALREADY_EXISTS', `a team named "${name}" already exists`, 'team_exists');
        throw err;
      }
      return { team: await teamToProto(tenant, doc, await connectors.provisioningOn(tenant)) };
    },
    async updateTeam(req: { tenantId: string; teamId: string; name: string; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const name = req.name?.trim();
      if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
      let result: { updated: StoredResource; on: boolean };
      try {
        result = await unit(async (tx) => {
          const team = await tx.groups.get(tenant, req.teamId);
          if (!team) throw new AppError('NOT_FOUND', `team ${req.teamId} not found`);
          const on = await tx.connectors.provisioningOn(tenant);
          if (team.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this team is provisioned by your identity provider and read-only while provisioning is on; rename it in the identity provider', 'team_read_only');
          const updated: StoredResource = { ...team, ...newManualTeamFields(name), meta: { ...team.meta, lastModified: new Date(), version: team.meta.version + 1 } };
          if (!(await tx.groups.replace(tenant, team, updated))) throw new AppError('ABORTED', 'the team was changed by another request meanwhile; retry', 'concurrent_change');
          // A provisioned team renamed here is no longer found by the IdP's displayName lookup (docs/okta.md).
          await tx.activity.record(tenant, { actor: req.actor || 'operator', action: 'team.rename', resourceType: 'Group', resourceId: team._id, resourceName: name, outcome: 'success', requestId: currentRequestId() ?? '', details: { from: String(team.displayName ?? '') } });
          return { updated, on };
        });
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError('ALREADY_EXISTS', `a team named "${name}" already exists`, 'team_exists');
        throw err;
      }
      const { updated, on } = result;
      return { team: await teamToProto(tenant, updated, on) };
    },
    async addTeamMember(req: { tenantId: string; teamId: string; userId: string; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const { team, on } = await unit(async (tx) => {
        const team = await tx.groups.get(tenant, req.teamId);
        if (!team) throw new AppError('NOT_FOUND', `team ${req.teamId} not found`);
        const user = await tx.users.get(tenant, req.userId);
        if (!user) throw new AppError('NOT_FOUND', `user ${req.userId} not found`);
        const on = await tx.connectors.provisioningOn(tenant);
        if (team.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this team is provisioned by your identity provider and read-only while provisioning is on; change its members in the identity provider', 'team_read_only');
        if (team.provisioned && !user.provisioned) throw new AppError('FAILED_PRECONDITION', 'a manually created user cannot join a team provisioned by the identity provider', 'manual_user_in_provisioned_team');
        const delta = await tx.memberships.apply(tenant, team._id, [{ op: 'add', userIds: [user._id] }]);
        if (delta.added.length) await tx.activity.record(tenant, { actor: req.actor || 'operator', action: 'group.members.add', resourceType: 'Group', resourceId: team._id, resourceName: String(team.displayName ?? ''), outcome: 'success', requestId: currentRequestId() ?? '', details: { members: delta.added } });
        return { team, on };
      });
      return { team: await teamToProto(tenant, team, on) };
    },
    async findLoginUser(req: { tenantId: string; login: string }) {
      const tenant = await tenantOf(req.tenantId);
      const login = req.login?.trim();
      if (!login) throw new AppError('INVALID_ARGUMENT', 'login is required');
      const [user] = await store.users.find(tenant, loginFilter(login), { limit: 1 });
      if (user) return { user: userToProto(user, await connectors.provisioningOn(tenant)), existsInOtherTenant: false };
      return { user: undefined, existsInOtherTenant: await store.signIn.loginExistsOutside(tenant, login) };
    },
    async resolveSignInOrg(req: { login: string }) {
      const login = req.login?.trim();
      if (!login) return { tenantId: '' };
      const org = await orgs.findByCompanyId(login);
      if (org) return { tenantId: org._id };
      // an e-mail names an organization only when exactly one has it as an active user
      const tenants = await store.signIn.tenantsWithActiveLogin(login, 2);
      return { tenantId: tenants.length === 1 ? tenants[0] : '' };
    },
    async getUserStatus(req: { tenantId: string; userId: string }) {
      const tenant = requireTenant(req.tenantId);
      const user = await store.users.get(tenant, req.userId);
      if (!user) return { exists: false, active: false, role: 0 };
      const s = userSummary(user);
      return { exists: true, active: s.active, role: s.role };
    },
  };
}


/** The platform's own view of users and teams (admin API) and sign-in lookups for the identity service. */
import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { currentRequestId } from '../../../kit/src/logger.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import { DuplicateKeyError, type Collection, type TenantId } from '../../../kit/src/store/store.js';
import type { Team, User } from '../../../../proto/gen/directory/v1/directory.js';
import type { StoredResource } from '../domain/resource-model.js';
import { ROLES, loginFilter, newManualTeamFields, userSummary } from '../domain/scim-models.js';
import type { ChangeEvents } from '../events/change-events.js';
import type { ActivityStore } from '../store/activity-store.js';
import type { ConnectorStore } from '../store/connector-store.js';
import type { MembershipStore } from '../store/membership-store.js';
import type { OrgStore } from '../store/org-store.js';
import type { ResourceStores } from '../store/resource-store.js';

export interface PlatformDeps {
  orgs: OrgStore;
  resources: ResourceStores;
  memberships: MembershipStore;
  connectors: ConnectorStore;
  activity: ActivityStore;
  events: ChangeEvents;
  requireOrg: (tenant: string) => Promise<unknown>;
}

export function userToProto(doc: StoredResource, provisioningOn: boolean): User {
  const s = userSummary(doc);
  return { id: doc._id, tenantId: doc.tenantId, userName: s.userName, displayName: s.displayName, email: s.email, active: s.active, role: s.role, provisioned: doc.provisioned, createdAt: doc.meta.created, updatedAt: doc.meta.lastModified, externalId: s.externalId, editable: !doc.provisioned || !provisioningOn };
}

const ROLE_NAMES = ['', ...ROLES];

export function platformHandlers({ orgs, resources, memberships, connectors, activity, events, requireOrg }: PlatformDeps) {
  const tenantOf = async (value: string): Promise<TenantId> => {
    const t = requireTenant(value);
    await requireOrg(t);
    return t;
  };
  /** A keyset page of a tenant's resources in _id order (limit 1–500, default 100); `next` is '' on the last page. */
  const page = async (col: Collection<StoredResource>, tenant: TenantId, req: { limit: number; pageToken: string }) => {
    const limit = Math.min(Math.max(req.limit || 100, 1), 500);
    const filter = { tenantId: tenant, ...(req.pageToken ? { _id: { $gt: req.pageToken } } : {}) };
    const rows = await col.find(filter, { sort: { _id: 1 }, limit: limit + 1 });
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
      const { items, next } = await page(resources.users, tenant, req);
      const on = await connectors.provisioningOn(tenant);
      return { users: items.map((u) => userToProto(u, on)), nextPageToken: next, total: await resources.users.countDocuments({ tenantId: tenant }) };
    },
    async updateUser(req: { tenantId: string; userId: string; role?: number | undefined; active?: boolean | undefined; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const user = await resources.users.findOne({ _id: req.userId, tenantId: tenant });
      if (!user) throw new AppError('NOT_FOUND', `user ${req.userId} not found`);
      const on = await connectors.provisioningOn(tenant);
      if (user.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this user is provisioned by your identity provider and read-only while provisioning is on; change it in the identity provider, or turn provisioning off first', 'user_read_only');
      const $set: Record<string, unknown> = { 'meta.lastModified': new Date() };
      const $unset: Record<string, ''> = {};
      if (req.active !== undefined) $set.active = req.active;
      if (req.role !== undefined) {
        if (req.role < 0 || req.role >= ROLE_NAMES.length) throw new AppError('INVALID_ARGUMENT', `role must be one of ${ROLES.join(', ')} or none`);
        if (req.role === 0) $unset.role = '';
        else $set.role = ROLE_NAMES[req.role];
      }
      const updated = await resources.users.findOneAndUpdate({ _id: user._id, tenantId: tenant }, { $set, $inc: { 'meta.version': 1 }, ...(Object.keys($unset).length ? { $unset } : {}) }, { returnDocument: 'after' });
      if (!updated) throw new AppError('NOT_FOUND', `user ${req.userId} not found`);
      await activity.record(tenant, { actor: req.actor || 'operator', action: 'user.update', resourceType: 'User', resourceId: user._id, resourceName: String(user.userName ?? ''), outcome: 'success', requestId: currentRequestId() ?? '', details: { ...(req.active !== undefined ? { active: req.active } : {}), ...(req.role !== undefined ? { role: ROLE_NAMES[req.role] || null } : {}) } });
      await events.user(tenant, req.actor || 'operator', user, updated);
      return { user: userToProto(updated, on) };
    },
    async listTeams(req: { tenantId: string; limit: number; pageToken: string }) {
      const tenant = await tenantOf(req.tenantId);
      const { items, next } = await page(resources.groups, tenant, req);
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
        await resources.groups.insertOne(doc);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError('ALREADY_EXISTS', `a team named "${name}" already exists`, 'team_exists');
        throw err;
      }
      await events.team(tenant, req.actor || 'operator', null, doc);
      await activity.record(tenant, { actor: req.actor || 'operator', action: 'team.create', resourceType: 'Group', resourceId: doc._id, resourceName: name, outcome: 'success', requestId: currentRequestId() ?? '' });
      return { team: await teamToProto(tenant, doc, await connectors.provisioningOn(tenant)) };
    },
    async updateTeam(req: { tenantId: string; teamId: string; name: string; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const name = req.name?.trim();
      if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
      const team = await resources.groups.findOne({ _id: req.teamId, tenantId: tenant });
      if (!team) throw new AppError('NOT_FOUND', `team ${req.teamId} not found`);
      const on = await connectors.provisioningOn(tenant);
      if (team.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this team is provisioned by your identity provider and read-only while provisioning is on; rename it in the identity provider', 'team_read_only');
      let updated: StoredResource | null;
      try {
        updated = await resources.groups.findOneAndUpdate({ _id: team._id, tenantId: tenant }, { $set: { displayName: name, displayNameLower: name.toLowerCase(), 'meta.lastModified': new Date() }, $inc: { 'meta.version': 1 } }, { returnDocument: 'after' });
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError('ALREADY_EXISTS', `a team named "${name}" already exists`, 'team_exists');
        throw err;
      }
      if (!updated) throw new AppError('NOT_FOUND', `team ${req.teamId} not found`);
      // A provisioned team renamed here is no longer found by the IdP's displayName lookup (docs/okta.md).
      await activity.record(tenant, { actor: req.actor || 'operator', action: 'team.rename', resourceType: 'Group', resourceId: team._id, resourceName: name, outcome: 'success', requestId: currentRequestId() ?? '', details: { from: String(team.displayName ?? '') } });
      await events.team(tenant, req.actor || 'operator', team, updated);
      return { team: await teamToProto(tenant, updated, on) };
    },
    async addTeamMember(req: { tenantId: string; teamId: string; userId: string; actor: string }) {
      const tenant = await tenantOf(req.tenantId);
      const team = await resources.groups.findOne({ _id: req.teamId, tenantId: tenant });
      if (!team) throw new AppError('NOT_FOUND', `team ${req.teamId} not found`);
      const user = await resources.users.findOne({ _id: req.userId, tenantId: tenant });
      if (!user) throw new AppError('NOT_FOUND', `user ${req.userId} not found`);
      const on = await connectors.provisioningOn(tenant);
      if (team.provisioned && on) throw new AppError('FAILED_PRECONDITION', 'this team is provisioned by your identity provider and read-only while provisioning is on; change its members in the identity provider', 'team_read_only');
      if (team.provisioned && !user.provisioned) throw new AppError('FAILED_PRECONDITION', 'a manually created user cannot join a team provisioned by the identity provider', 'manual_user_in_provisioned_team');
      const delta = await memberships.apply(tenant, team._id, [{ op: 'add', userIds: [user._id] }]);
      await events.team(tenant, req.actor || 'operator', team, team, delta);
      if (delta.added.length) await activity.record(tenant, { actor: req.actor || 'operator', action: 'group.members.add', resourceType: 'Group', resourceId: team._id, resourceName: String(team.displayName ?? ''), outcome: 'success', requestId: currentRequestId() ?? '', details: { members: delta.added } });
      return { team: await teamToProto(tenant, team, on) };
    },
    async findLoginUser(req: { tenantId: string; login: string }) {
      const tenant = await tenantOf(req.tenantId);
      const login = req.login?.trim();
      if (!login) throw new AppError('INVALID_ARGUMENT', 'login is required');
      const user = await resources.users.findOne({ tenantId: tenant, ...loginFilter(login) });
      if (user) return { user: userToProto(user, await connectors.provisioningOn(tenant)), existsInOtherTenant: false };
      const elsewhere = await resources.users.findOne({ tenantId: { $ne: tenant }, ...loginFilter(login) }, { projection: { _id: 1 } });
      return { user: undefined, existsInOtherTenant: elsewhere !== null };
    },
    async resolveSignInOrg(req: { login: string }) {
      const login = req.login?.trim();
      if (!login) return { tenantId: '' };
      const org = await orgs.findByCompanyId(login);
      if (org) return { tenantId: org._id };
      // an e-mail names an organization only when exactly one has it as an active user
      const users = await resources.users.find({ ...loginFilter(login), active: true }, { projection: { tenantId: 1 }, limit: 2 });
      const tenants = new Set(users.map((u) => u.tenantId));
      return { tenantId: tenants.size === 1 ? [...tenants][0] : '' };
    },
    async getUserStatus(req: { tenantId: string; userId: string }) {
      const tenant = requireTenant(req.tenantId);
      const user = await resources.users.findOne({ _id: req.userId, tenantId: tenant });
      if (!user) return { exists: false, active: false, role: 0 };
      const s = userSummary(user);
      return { exists: true, active: s.active, role: s.role };
    },
  };
}


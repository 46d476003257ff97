/** The platform's own view of users and teams (admin API) and sign-in lookups for the identity service. */
import { AppError } from '../../../kit/src/errors.js';
import type { CallContext } from '../../../kit/src/grpc-server.js';
import { PLATFORM_ROLES, roleName } from '../../../kit/src/roles.js';
import { textOf } from '../domain/scim/normalize.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { Team, User } from '../../../../proto/gen/directory/v1/directory.js';
import { DirectoryService } from '../domain/directory-service.js';
import { changeBy } from './change-by.js';
import type { ResourceRepository } from '../domain/ports.js';
import type { StoredResource } from '../domain/resource-model.js';
import { loginFilter, userSummary } from '../domain/scim-models.js';
import type { DirectoryStore } from '../store/directory-store.js';

export interface PlatformDeps {
  store: DirectoryStore;
  requireOrg: (tenant: string) => Promise<unknown>;
}

export function userToProto(doc: StoredResource, provisioningOn: boolean): User {
  const s = userSummary(doc);
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    userName: s.userName,
    displayName: s.displayName,
    email: s.email,
    active: s.active,
    role: s.role,
    provisioned: doc.provisioned,
    createdAt: doc.meta.created,
    updatedAt: doc.meta.lastModified,
    externalId: s.externalId,
    editable: !doc.provisioned || !provisioningOn,
  };
}

/** The Organization Setup search: userName or an e-mail starting with the text, or a name containing it. */
export function userSearchFilter(query: string): Record<string, unknown> {
  const q = query.trim().toLowerCase().slice(0, 200);
  if (!q) return {};
  const prefix = { $gte: q, $lt: `${q}\uffff` };
  const contains = { $regex: q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
  return {
    $or: [
      { userNameLower: prefix },
      { 'emails.valueLower': prefix },
      { displayName: contains },
      { 'name.givenName': contains },
      { 'name.familyName': contains },
    ],
  };
}

export function platformHandlers({ store, requireOrg }: PlatformDeps) {
  const { orgs, memberships, connectors } = store;
  const writes = new DirectoryService(store);
  const tenantOf = async (value: string): Promise<TenantId> => {
    const t = requireTenant(value);
    await requireOrg(t);
    return t;
  };
  /** A keyset page of a tenant's resources in _id order (limit 1–500, default 100); `next` is '' on the last page. */
  const page = async (
    col: ResourceRepository,
    tenant: TenantId,
    req: { limit: number; pageToken: string },
    match: Record<string, unknown> = {},
  ) => {
    const limit = Math.min(Math.max(req.limit || 100, 1), 500);
    const rows = await col.page(tenant, req.pageToken, limit + 1, match);
    const more = rows.length > limit;
    const items = more ? rows.slice(0, limit) : rows;
    return { items, next: more ? items[items.length - 1]._id : '' };
  };
  const teamToProto = async (tenant: TenantId, doc: StoredResource, provisioningOn: boolean): Promise<Team> => ({
    id: doc._id,
    tenantId: doc.tenantId,
    name: textOf(doc.displayName),
    provisioned: doc.provisioned,
    memberCount: await memberships.count(tenant, doc._id),
    editable: !doc.provisioned || !provisioningOn,
    createdAt: doc.meta.created,
  });

  return {
    async listUsers(req: { tenantId: string; limit: number; pageToken: string; query?: string }) {
      const tenant = await tenantOf(req.tenantId);
      const on = await connectors.provisioningOn(tenant);
      // A whole user name or e-mail (what an admin pastes) is found through the indexes, without a scan.
      const exact = (req.query ?? '').trim().toLowerCase();
      if (exact && !req.pageToken) {
        const [byName, byEmail] = await Promise.all([
          store.users.find(tenant, { userNameLower: exact }, { limit: 10 }),
          store.users.find(tenant, { 'emails.valueLower': exact }, { limit: 10 }),
        ]);
        const hits = [...new Map([...byName, ...byEmail].map((u) => [u._id, u])).values()].sort((a, b) =>
          a._id < b._id ? -1 : 1,
        );
        if (hits.length) return { users: hits.map((u) => userToProto(u, on)), nextPageToken: '', total: hits.length };
      }
      const match = userSearchFilter(req.query ?? '');
      const { items, next } = await page(store.users, tenant, req, match);
      return {
        users: items.map((u) => userToProto(u, on)),
        nextPageToken: next,
        total: await store.users.count(tenant, match),
      };
    },
    async updateUser(
      req: { tenantId: string; userId: string; role?: number | undefined; active?: boolean | undefined; actor: string },
      call: CallContext,
    ) {
      const tenant = await tenantOf(req.tenantId);
      if (req.role !== undefined && req.role !== 0 && !roleName(req.role))
        throw new AppError('INVALID_ARGUMENT', `role must be one of ${PLATFORM_ROLES.join(', ')} or none`);
      const { user, provisioningOn } = await writes.updateUser(
        tenant,
        req.userId,
        {
          ...(req.role !== undefined ? { role: req.role } : {}),
          ...(req.active !== undefined ? { active: req.active } : {}),
        },
        changeBy(req, call),
      );
      return { user: userToProto(user, provisioningOn) };
    },
    async listTeams(req: { tenantId: string; limit: number; pageToken: string }) {
      const tenant = await tenantOf(req.tenantId);
      const { items, next } = await page(store.groups, tenant, req);
      const on = await connectors.provisioningOn(tenant);
      return { teams: await Promise.all(items.map((d) => teamToProto(tenant, d, on))), nextPageToken: next };
    },
    async createTeam(req: { tenantId: string; name: string; actor: string }, call: CallContext) {
      const tenant = await tenantOf(req.tenantId);
      const name = req.name?.trim();
      if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
      const doc = await writes.createTeam(tenant, name, changeBy(req, call));
      return { team: await teamToProto(tenant, doc, await connectors.provisioningOn(tenant)) };
    },
    async updateTeam(req: { tenantId: string; teamId: string; name: string; actor: string }, call: CallContext) {
      const tenant = await tenantOf(req.tenantId);
      const name = req.name?.trim();
      if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
      const { team, provisioningOn } = await writes.renameTeam(tenant, req.teamId, name, changeBy(req, call));
      return { team: await teamToProto(tenant, team, provisioningOn) };
    },
    async addTeamMember(req: { tenantId: string; teamId: string; userId: string; actor: string }, call: CallContext) {
      const tenant = await tenantOf(req.tenantId);
      const { team, provisioningOn } = await writes.addTeamMember(tenant, req.teamId, req.userId, changeBy(req, call));
      return { team: await teamToProto(tenant, team, provisioningOn) };
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

/**
 * Turns a change at one of the directory's write sites into events: the platform's view of the resource after
 * the change (as the admin API shows it, never a secret), the actor and the request id of the call that made it
 * (`ChangeMeta`, handed in by the write site from its call's context). Each write site calls
 * one method in one line, with the repositories of its unit: the events are written in the change's unit
 * (`DirectoryRepositories.events`), and member counts and names are read as the unit sees them. Everything
 * about payloads lives here.
 */
import { roleName } from '../../../kit/src/roles.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { ConnectorRecord, DirectoryRepositories } from '../domain/ports.js';
import { sameContent, type StoredResource } from '../domain/resource-model.js';
import { userSummary } from '../domain/scim-models.js';
import { textOf } from '../domain/scim/normalize.js';
import type { ChangeMeta, EventDraft, EventRecord } from './event-types.js';

/** The admin API's user view (GET /admin/v1/orgs/{org}/users). */
export function userView(doc: StoredResource) {
  const s = userSummary(doc);
  const role = roleName(s.role) || null;
  return {
    id: doc._id,
    userName: s.userName,
    displayName: s.displayName,
    email: s.email,
    active: s.active,
    role,
    access: role ? 'web' : 'app',
    provisioned: doc.provisioned,
    ...(s.externalId ? { externalId: s.externalId } : {}),
    createdAt: doc.meta.created.toISOString(),
    updatedAt: doc.meta.lastModified.toISOString(),
  };
}

/** The admin API's team view (GET /admin/v1/orgs/{org}/teams), without the request-time `editable`. */
export function teamView(doc: StoredResource, memberCount: number) {
  return {
    id: doc._id,
    name: textOf(doc.displayName),
    provisioned: doc.provisioned,
    memberCount,
    createdAt: doc.meta.created.toISOString(),
  };
}

export function connectorView(c: ConnectorRecord) {
  return {
    id: c._id,
    type: c.type,
    enabled: c.enabled,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export type MembershipDelta = { added: string[]; removed: string[] };
export type SsoChange = { connectorId: string; issuer: string; clientId: string; redirectUris: string[] };

/** What writing a change's events needs of its unit. */
export type EventUnit = Pick<DirectoryRepositories, 'events' | 'memberships' | 'users'>;

export class ChangeEvents {
  /** `by`: the actor and the request id of the call that made the change (its CallContext). */
  private write(tx: EventUnit, tenant: TenantId, by: ChangeMeta, drafts: EventDraft[]): Promise<EventRecord[]> {
    return tx.events.append(tenant, by, drafts);
  }

  /** A user created (before null), changed, or deleted (after null). */
  user(tx: EventUnit, tenant: TenantId, by: ChangeMeta, before: StoredResource | null, after: StoredResource | null) {
    const drafts: EventDraft[] = [];
    const id = (after ?? before)!._id;
    const draft = (type: EventDraft['type'], doc: StoredResource): EventDraft => ({
      type,
      resource: { type: 'user', id },
      data: { user: userView(doc) },
    });
    if (!before && after) drafts.push(draft('user.created', after));
    else if (before && !after) drafts.push(draft('user.deleted', before));
    else if (before && after) {
      if (!sameContent(before, after, ['active'])) drafts.push(draft('user.updated', after));
      const wasActive = before.active !== false;
      const isActive = after.active !== false;
      if (wasActive !== isActive) drafts.push(draft(isActive ? 'user.reactivated' : 'user.deactivated', after));
    }
    return this.write(tx, tenant, by, drafts);
  }

  /** A team created (before null), changed, or deleted (after null), with the members added and removed. */
  async team(
    tx: EventUnit,
    tenant: TenantId,
    by: ChangeMeta,
    before: StoredResource | null,
    after: StoredResource | null,
    delta?: MembershipDelta,
  ) {
    const doc = (after ?? before)!;
    const count = after ? await tx.memberships.count(tenant, doc._id) : 0;
    const team = teamView(doc, count);
    const resource = { type: 'team' as const, id: doc._id };
    const drafts: EventDraft[] = [];
    if (!before) drafts.push({ type: 'team.created', resource, data: { team } });
    else if (!after) drafts.push({ type: 'team.deleted', resource, data: { team } });
    else if (!sameContent(before, after)) drafts.push({ type: 'team.updated', resource, data: { team } });
    const added = [...new Set(delta?.added ?? [])];
    const removed = [...new Set(delta?.removed ?? [])];
    const ids = [...added, ...removed];
    if (ids.length) {
      const users = await tx.users.byIds(tenant, ids, ['userName']);
      const names = new Map(users.map((u) => [u._id, textOf(u.userName)]));
      const member = (userId: string) => ({
        id: userId,
        ...(names.has(userId) ? { userName: names.get(userId) } : {}),
      });
      for (const u of added) drafts.push({ type: 'team.member_added', resource, data: { team, user: member(u) } });
      for (const u of removed) drafts.push({ type: 'team.member_removed', resource, data: { team, user: member(u) } });
    }
    return this.write(tx, tenant, by, drafts);
  }

  /** A connector created (before null), enabled or disabled, or deleted (after null). */
  connector(
    tx: EventUnit,
    tenant: TenantId,
    by: ChangeMeta,
    before: ConnectorRecord | null,
    after: ConnectorRecord | null,
  ) {
    const c = (after ?? before)!;
    const type = !before ? 'connector.created' : !after ? 'connector.deleted' : 'connector.updated';
    return this.write(tx, tenant, by, [
      { type, resource: { type: 'connector', id: c._id }, data: { connector: connectorView(c) } },
    ]);
  }

  credentialsRotated(tx: EventUnit, tenant: TenantId, by: ChangeMeta, c: ConnectorRecord, issuedAt?: Date) {
    return this.write(tx, tenant, by, [
      {
        type: 'connector.credentials_rotated',
        resource: { type: 'connector', id: c._id },
        data: { connector: connectorView(c), ...(issuedAt ? { credentialsIssuedAt: issuedAt.toISOString() } : {}) },
      },
    ]);
  }

  sso(
    tx: EventUnit,
    tenant: TenantId,
    by: ChangeMeta,
    type: 'sso.configured' | 'sso.disabled',
    c: ConnectorRecord,
    sso?: SsoChange,
  ) {
    const data =
      type === 'sso.configured' && sso
        ? {
            sso: {
              enabled: true,
              connectorId: c._id,
              issuer: sso.issuer,
              clientId: sso.clientId,
              redirectUris: sso.redirectUris,
            },
          }
        : { sso: { enabled: false, connectorId: c._id } };
    return this.write(tx, tenant, by, [
      { type, resource: { type: 'connector', id: c._id }, data: { ...data, connector: connectorView(c) } },
    ]);
  }
}

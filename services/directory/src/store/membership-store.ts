/**
 * Team (SCIM group) memberships, one document per membership, so that adding or removing members costs time
 * proportional to the change, never to the size of the group, and a group can be read without its members.
 */
import type { Collection, CollectionSpec, DocumentStore, TenantId, WriteOp } from '../../../kit/src/store/store.js';

export type MembershipRecord = { _id: string; tenantId: string; groupId: string; userId: string; addedAt: Date };

export const MEMBERSHIPS_COLLECTION: CollectionSpec = {
  name: 'memberships',
  indexes: [
    { name: 'tenant_group_user', keys: { tenantId: 1, groupId: 1, userId: 1 }, unique: true },
    { name: 'tenant_user', keys: { tenantId: 1, userId: 1 } },
  ],
};

export type MembershipChange = { op: 'add'; userIds: string[] } | { op: 'remove'; userIds: string[] } | { op: 'replace'; userIds: string[] } | { op: 'removeAll' };

export interface MembershipStore {
  /** Applies the changes in order, all or none (one bulk write). Returns the user ids added and removed. */
  apply(tenant: TenantId, groupId: string, changes: MembershipChange[]): Promise<{ added: string[]; removed: string[] }>;
  members(tenant: TenantId, groupId: string, limit?: number): Promise<string[]>;
  count(tenant: TenantId, groupId: string): Promise<number>;
  groupsOf(tenant: TenantId, userIds: string[]): Promise<string[]>;
  /** The subset of `userIds` that are members of the group. */
  whichAreMembers(tenant: TenantId, groupId: string, userIds: string[]): Promise<Set<string>>;
  removeUser(tenant: TenantId, userId: string): Promise<number>;
  removeGroup(tenant: TenantId, groupId: string): Promise<number>;
}

const idOf = (groupId: string, userId: string) => `${groupId}:${userId}`;
const unique = (ids: string[]) => [...new Set(ids)];

export async function openMembershipStore(store: DocumentStore): Promise<MembershipStore> {
  const col: Collection<MembershipRecord> = await store.collection<MembershipRecord>(MEMBERSHIPS_COLLECTION);

  const whichAreMembers = async (tenant: TenantId, groupId: string, userIds: string[]) => {
    if (!userIds.length) return new Set<string>();
    // by primary key: cost follows the number of ids asked about, not the size of the group
    const rows = await col.find({ _id: { $in: unique(userIds).map((u) => idOf(groupId, u)) }, tenantId: tenant }, { projection: { userId: 1 } });
    return new Set(rows.map((r) => r.userId));
  };

  return {
    async apply(tenant, groupId, changes) {
      // The final state of every id the changes name; `cleared`: ids not named are no longer members.
      const touched = new Map<string, boolean>();
      let cleared = false;
      for (const ch of changes) {
        if (ch.op === 'add') for (const id of ch.userIds) touched.set(id, true);
        else if (ch.op === 'remove') for (const id of ch.userIds) touched.set(id, false);
        else {
          cleared = true;
          touched.clear();
          if (ch.op === 'replace') for (const id of ch.userIds) touched.set(id, true);
        }
      }
      const before = cleared ? new Set((await col.find({ tenantId: tenant, groupId }, { projection: { userId: 1 } })).map((r) => r.userId)) : await whichAreMembers(tenant, groupId, [...touched.keys()]);
      const added: string[] = [];
      const removed: string[] = [];
      const ops: WriteOp[] = [];
      const now = new Date();
      for (const [id, member] of touched) {
        if (member && !before.has(id)) added.push(id);
        else if (!member && before.has(id)) removed.push(id);
      }
      if (cleared) for (const id of before) if (!touched.has(id)) removed.push(id);
      for (const id of removed) ops.push({ deleteOne: { filter: { _id: idOf(groupId, id), tenantId: tenant } } });
      for (const id of added) ops.push({ insertOne: { document: { _id: idOf(groupId, id), tenantId: tenant, groupId, userId: id, addedAt: now } } });
      if (ops.length) await col.bulkWrite(ops);
      return { added, removed };
    },
    async members(tenant, groupId, limit) {
      return (await col.find({ tenantId: tenant, groupId }, { sort: { _id: 1 }, projection: { userId: 1 }, ...(limit ? { limit } : {}) })).map((r) => r.userId);
    },
    count: (tenant, groupId) => col.countDocuments({ tenantId: tenant, groupId }),
    async groupsOf(tenant, userIds) {
      if (!userIds.length) return [];
      const rows = await col.find({ tenantId: tenant, userId: { $in: unique(userIds) } }, { projection: { groupId: 1 } });
      return unique(rows.map((r) => r.groupId));
    },
    whichAreMembers,
    removeUser: (tenant, userId) => col.deleteMany({ tenantId: tenant, userId }),
    removeGroup: (tenant, groupId) => col.deleteMany({ tenantId: tenant, groupId }),
  };
}

/**
 * Team (SCIM group) memberships, one document per membership, so that adding or removing members costs time
 * proportional to the change, never to the size of the group, and a group can be read without its members.
 */
import type { CollectionSpec, TenantId, WriteOp } from '../../../kit/src/store/store.js';
import type { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { MembershipRepository } from '../domain/ports.js';

export type MembershipRecord = { _id: string; tenantId: string; groupId: string; userId: string; addedAt: Date };

export const MEMBERSHIPS_COLLECTION: CollectionSpec = {
  name: 'memberships',
  indexes: [
    { name: 'tenant_group_user', keys: { tenantId: 1, groupId: 1, userId: 1 }, unique: true },
    { name: 'tenant_user', keys: { tenantId: 1, userId: 1 } },
  ],
};

const idOf = (groupId: string, userId: string) => `${groupId}:${userId}`;
const unique = (ids: string[]) => [...new Set(ids)];

/** Run `apply` inside a unit: it reads the current members and then writes the difference. */
export function membershipRepository(col: TenantCollection<MembershipRecord>): MembershipRepository {
  const whichAreMembers = async (tenant: TenantId, groupId: string, userIds: string[]) => {
    if (!userIds.length) return new Set<string>();
    // by primary key: cost follows the number of ids asked about, not the size of the group
    const rows = await col.find(
      tenant,
      { _id: { $in: unique(userIds).map((u) => idOf(groupId, u)) } },
      { projection: { userId: 1 } },
    );
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
      const before = cleared
        ? new Set((await col.find(tenant, { groupId }, { projection: { userId: 1 } })).map((r) => r.userId))
        : await whichAreMembers(tenant, groupId, [...touched.keys()]);
      const added: string[] = [];
      const removed: string[] = [];
      const ops: WriteOp[] = [];
      const now = new Date();
      for (const [id, member] of touched) {
        if (member && !before.has(id)) added.push(id);
        else if (!member && before.has(id)) removed.push(id);
      }
      if (cleared) for (const id of before) if (!touched.has(id)) removed.push(id);
      for (const id of removed) ops.push({ deleteOne: { filter: { _id: idOf(groupId, id) } } });
      for (const id of added)
        ops.push({
          insertOne: { document: { _id: idOf(groupId, id), tenantId: tenant, groupId, userId: id, addedAt: now } },
        });
      if (ops.length) await col.bulkWrite(tenant, ops);
      return { added, removed };
    },
    async members(tenant, groupId, limit) {
      return (
        await col.find(
          tenant,
          { groupId },
          { sort: { _id: 1 }, projection: { userId: 1 }, ...(limit ? { limit } : {}) },
        )
      ).map((r) => r.userId);
    },
    count: (tenant, groupId) => col.countDocuments(tenant, { groupId }),
    async groupsOf(tenant, userIds) {
      if (!userIds.length) return [];
      const rows = await col.find(tenant, { userId: { $in: unique(userIds) } }, { projection: { groupId: 1 } });
      return unique(rows.map((r) => r.groupId));
    },
    whichAreMembers,
    removeUser: (tenant, userId) => col.deleteMany(tenant, { userId }),
    removeGroup: (tenant, groupId) => col.deleteMany(tenant, { groupId }),
  };
}

import { newId } from '../../../kit/src/ids.js';
import type { CollectionSpec, Filter } from '../../../kit/src/store/store.js';
import type { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { ActivityRecord, ActivityRepository } from '../domain/ports.js';

export const ACTIVITY_COLLECTION: CollectionSpec = {
  name: 'activity',
  indexes: [
    { name: 'tenant_id', keys: { tenantId: 1, _id: -1 } },
    { name: 'tenant_action', keys: { tenantId: 1, action: 1, _id: -1 } },
  ],
};

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function activityRepository(col: TenantCollection<ActivityRecord>): ActivityRepository {
  return {
    async record(tenant, entry) {
      const time = entry.time ?? new Date();
      const rec: ActivityRecord = { ...entry, _id: newId(time.getTime()), tenantId: tenant, time };
      await col.insertOne(tenant, rec);
      return rec;
    },
    async recordAll(tenant, entries) {
      if (entries.length === 0) return [];
      const now = new Date();
      // ids made in the same millisecond differ only in their random part: sort them to keep the order given
      const ids = entries.map((e) => newId((e.time ?? now).getTime()));
      if (entries.every((e) => e.time === undefined)) ids.sort();
      const recs: ActivityRecord[] = entries.map((e, i) => ({
        ...e,
        _id: ids[i],
        tenantId: tenant,
        time: e.time ?? now,
      }));
      if (recs.length === 1) await col.insertOne(tenant, recs[0]);
      else
        await col.bulkWrite(
          tenant,
          recs.map((document) => ({ insertOne: { document } })),
        );
      return recs;
    },
    list(tenant, q) {
      const filter: Filter = {};
      if (q.action) filter.action = q.action.endsWith('.') ? { $regex: `^${escapeRegex(q.action)}` } : q.action;
      const time: Record<string, Date> = {};
      if (q.since) time.$gte = q.since;
      if (q.until) time.$lt = q.until;
      if (Object.keys(time).length) filter.time = time;
      if (q.before) filter._id = { $lt: q.before };
      return col.find(tenant, filter, { sort: { _id: -1 }, limit: q.limit });
    },
  };
}

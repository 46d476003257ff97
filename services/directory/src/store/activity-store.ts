import { newId } from '../../../kit/src/ids.js';
import type { Collection, CollectionSpec, DocumentStore, Filter, TenantId } from '../../../kit/src/store/store.js';

export type ActivityRecord = {
  _id: string;
  tenantId: string;
  time: Date;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: 'success' | 'failure';
  requestId: string;
  details?: Record<string, unknown>;
};

export const ACTIVITY_COLLECTION: CollectionSpec = {
  name: 'activity',
  indexes: [
    { name: 'tenant_id', keys: { tenantId: 1, _id: -1 } },
    { name: 'tenant_action', keys: { tenantId: 1, action: 1, _id: -1 } },
  ],
};

export interface ActivityQuery {
  action?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** The id of the last entry of the previous page (entries are returned newest first). */
  before?: string;
}

export type ActivityEntry = Omit<ActivityRecord, '_id' | 'tenantId' | 'time'> & { time?: Date };

export interface ActivityStore {
  record(tenant: TenantId, entry: ActivityEntry): Promise<ActivityRecord>;
  /** The entries of one request in one write (all or none), in this order (ids ascend; listing is newest first). */
  recordAll(tenant: TenantId, entries: ActivityEntry[]): Promise<ActivityRecord[]>;
  list(tenant: TenantId, q: ActivityQuery): Promise<ActivityRecord[]>;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function openActivityStore(store: DocumentStore): Promise<ActivityStore> {
  const col: Collection<ActivityRecord> = await store.collection<ActivityRecord>(ACTIVITY_COLLECTION);
  return {
    async record(tenant, entry) {
      const time = entry.time ?? new Date();
      const rec: ActivityRecord = { ...entry, _id: newId(time.getTime()), tenantId: tenant, time };
      await col.insertOne(rec);
      return rec;
    },
    async recordAll(tenant, entries) {
      if (entries.length === 0) return [];
      const now = new Date();
      // ids made in the same millisecond differ only in their random part: sort them to keep the order given
      const ids = entries.map((e) => newId((e.time ?? now).getTime()));
      if (entries.every((e) => e.time === undefined)) ids.sort();
      const recs: ActivityRecord[] = entries.map((e, i) => ({ ...e, _id: ids[i], tenantId: tenant, time: e.time ?? now }));
      if (recs.length === 1) await col.insertOne(recs[0]);
      else await col.bulkWrite(recs.map((document) => ({ insertOne: { document } })));
      return recs;
    },
    list(tenant, q) {
      const filter: Filter = { tenantId: tenant };
      if (q.action) filter.action = q.action.endsWith('.') ? { $regex: `^${escapeRegex(q.action)}` } : q.action;
      const time: Record<string, Date> = {};
      if (q.since) time.$gte = q.since;
      if (q.until) time.$lt = q.until;
      if (Object.keys(time).length) filter.time = time;
      if (q.before) filter._id = { $lt: q.before };
      return col.find(filter, { sort: { _id: -1 }, limit: q.limit });
    },
  };
}

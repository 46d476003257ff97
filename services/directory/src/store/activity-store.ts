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

export interface ActivityStore {
  record(tenant: TenantId, entry: Omit<ActivityRecord, '_id' | 'tenantId' | 'time'> & { time?: Date }): Promise<ActivityRecord>;
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

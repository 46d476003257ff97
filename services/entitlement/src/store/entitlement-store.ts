import type { Collection, CollectionSpec, DocumentStore, TenantId } from '../../../kit/src/store/store.js';
import type { EntitlementName } from '../domain/entitlement.js';

export type EntitlementRecord = {
  tenantId: string;
  name: string;
  enabled: boolean;
  updatedAt: Date;
  updatedBy: string;
};

type EntitlementDoc = EntitlementRecord & { _id: string };

export interface EntitlementStore {
  /** Sets the flag; returns the record and whether it changed. */
  set(
    tenant: TenantId,
    name: EntitlementName,
    enabled: boolean,
    actor: string,
  ): Promise<{ record: EntitlementRecord; changed: boolean }>;
  get(tenant: TenantId, name: EntitlementName): Promise<EntitlementRecord | null>;
  list(tenant: TenantId): Promise<EntitlementRecord[]>;
}

export const ENTITLEMENTS_COLLECTION: CollectionSpec = {
  name: 'entitlements',
  indexes: [{ name: 'tenant_name', keys: { tenantId: 1, name: 1 }, unique: true }],
};

const strip = ({ _id, ...rest }: EntitlementDoc): EntitlementRecord => rest;

export async function openEntitlementStore(store: DocumentStore): Promise<EntitlementStore> {
  const col: Collection<EntitlementDoc> = await store.collection<EntitlementDoc>(ENTITLEMENTS_COLLECTION);
  return {
    async set(tenant, name, enabled, actor) {
      const now = new Date();
      const before = await col.findOneAndUpdate(
        { _id: `${tenant}:${name}` },
        { $set: { enabled, updatedAt: now, updatedBy: actor }, $setOnInsert: { tenantId: tenant, name } },
        { upsert: true, returnDocument: 'before' },
      );
      const changed = (before?.enabled ?? false) !== enabled;
      return {
        record: {
          tenantId: tenant,
          name,
          enabled,
          updatedAt: changed ? now : (before?.updatedAt ?? now),
          updatedBy: actor,
        },
        changed,
      };
    },
    async get(tenant, name) {
      const doc = await col.findOne({ _id: `${tenant}:${name}`, tenantId: tenant });
      return doc ? strip(doc) : null;
    },
    async list(tenant) {
      return (await col.find({ tenantId: tenant }, { sort: { name: 1 } })).map(strip);
    },
  };
}

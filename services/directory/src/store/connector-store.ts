import { newId } from '../../../kit/src/ids.js';
import { DuplicateKeyError, type Collection, type CollectionSpec, type DocumentStore, type TenantId } from '../../../kit/src/store/store.js';
import { AppError } from '../../../kit/src/errors.js';

export type ConnectorKind = 'okta' | 'entra' | 'generic' | 'okta-scim11';
export type ConnectorRecord = { _id: string; tenantId: string; type: ConnectorKind; enabled: boolean; createdAt: Date; updatedAt: Date };

/** One connector per organization: users and teams belong to the organization, and one IdP masters them. */
export const CONNECTORS_COLLECTION: CollectionSpec = {
  name: 'connectors',
  indexes: [{ name: 'one_per_tenant', keys: { tenantId: 1 }, unique: true }],
};

export interface ConnectorStore {
  create(tenant: TenantId, type: ConnectorKind): Promise<ConnectorRecord>;
  get(tenant: TenantId, id: string): Promise<ConnectorRecord | null>;
  list(tenant: TenantId): Promise<ConnectorRecord[]>;
  setEnabled(tenant: TenantId, id: string, enabled: boolean): Promise<ConnectorRecord | null>;
  delete(tenant: TenantId, id: string): Promise<boolean>;
  /** Provisioning is on for the tenant when its connector is enabled. */
  provisioningOn(tenant: TenantId): Promise<boolean>;
}

export async function openConnectorStore(store: DocumentStore): Promise<ConnectorStore> {
  const col: Collection<ConnectorRecord> = await store.collection<ConnectorRecord>(CONNECTORS_COLLECTION);
  return {
    async create(tenant, type) {
      const now = new Date();
      const rec: ConnectorRecord = { _id: newId(), tenantId: tenant, type, enabled: true, createdAt: now, updatedAt: now };
      try {
        await col.insertOne(rec);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw new AppError('ALREADY_EXISTS', 'this organization already has a connector; delete it before creating another', 'connector_exists');
        throw err;
      }
      return rec;
    },
    get: (tenant, id) => col.findOne({ _id: id, tenantId: tenant }),
    list: (tenant) => col.find({ tenantId: tenant }, { sort: { _id: 1 } }),
    setEnabled: (tenant, id, enabled) => col.findOneAndUpdate({ _id: id, tenantId: tenant }, { $set: { enabled, updatedAt: new Date() } }, { returnDocument: 'after' }),
    async delete(tenant, id) {
      return (await col.deleteOne({ _id: id, tenantId: tenant })) > 0;
    },
    async provisioningOn(tenant) {
      return (await col.findOne({ tenantId: tenant, enabled: true })) !== null;
    },
  };
}

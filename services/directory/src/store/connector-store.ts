import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { DuplicateKeyError, type CollectionSpec } from '../../../kit/src/store/store.js';
import type { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { ConnectorRecord, ConnectorRepository } from '../domain/ports.js';

/** The fault of a second connector for one organization. */
export const connectorExists = () =>
  new AppError(
    'ALREADY_EXISTS',
    'this organization already has a connector; delete it before creating another',
    'connector_exists',
  );

/** One connector per organization: users and teams belong to the organization, and one IdP masters them. */
export const CONNECTORS_COLLECTION: CollectionSpec = {
  name: 'connectors',
  indexes: [{ name: 'one_per_tenant', keys: { tenantId: 1 }, unique: true }],
};

export function connectorRepository(col: TenantCollection<ConnectorRecord>): ConnectorRepository {
  return {
    async create(tenant, type) {
      const now = new Date();
      const rec: ConnectorRecord = {
        _id: newId(),
        tenantId: tenant,
        type,
        enabled: true,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await col.insertOne(tenant, rec);
      } catch (err) {
        if (err instanceof DuplicateKeyError) throw connectorExists();
        throw err;
      }
      return rec;
    },
    get: (tenant, id) => col.findOne(tenant, { _id: id }),
    list: (tenant) => col.find(tenant, {}, { sort: { _id: 1 } }),
    setEnabled: (tenant, id, enabled) =>
      col.findOneAndUpdate(
        tenant,
        { _id: id },
        { $set: { enabled, updatedAt: new Date() } },
        { returnDocument: 'after' },
      ),
    async delete(tenant, id) {
      return (await col.deleteOne(tenant, { _id: id })) > 0;
    },
    async provisioningOn(tenant) {
      return (await col.findOne(tenant, { enabled: true })) !== null;
    },
  };
}

/** Setup links (docs store): one document per link, only the token's SHA-256 kept; state changes are conditional updates. */
import type { CollectionSpec, DocumentStore, TenantId } from '../../../kit/src/store/store.js';
import { TenantCollection, type TenantDoc } from '../../../kit/src/store/tenant-collection.js';
import type { SetupLinkRecord, SetupLinkStore } from '../domain/setup-access.js';

type LinkDoc = TenantDoc & Omit<SetupLinkRecord, 'id' | 'tenantId'>;

export const SETUP_LINKS_COLLECTION: CollectionSpec = {
  name: 'setup_links',
  indexes: [{ name: 'tenant_state', keys: { tenantId: 1, state: 1, expiresAt: 1 } }],
};

const toRecord = (d: LinkDoc): SetupLinkRecord => ({
  id: d._id,
  tenantId: d.tenantId,
  tokenHash: d.tokenHash,
  state: d.state,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  createdBy: d.createdBy,
  ...(d.usedAt ? { usedAt: d.usedAt } : {}),
  ...(d.revokedAt ? { revokedAt: d.revokedAt } : {}),
  ...(d.sessionHash ? { sessionHash: d.sessionHash } : {}),
});

export async function openSetupLinkStore(store: DocumentStore): Promise<SetupLinkStore> {
  const col = new TenantCollection<LinkDoc>(await store.collection<LinkDoc>(SETUP_LINKS_COLLECTION));
  return {
    async insert(link) {
      const { id, tenantId, ...rest } = link;
      await col.insertOne(tenantId as TenantId, { _id: id, ...rest });
    },
    async get(tenant, id) {
      const d = await col.findOne(tenant, { _id: id });
      return d ? toRecord(d) : null;
    },
    async listLive(tenant, now) {
      const docs = await col.find(
        tenant,
        { state: 'live', expiresAt: { $gt: now } },
        { sort: { _id: -1 }, limit: 500 },
      );
      return docs.map(toRecord);
    },
    async markUsed(tenant, id, usedAt, sessionHash) {
      const r = await col.updateOne(
        tenant,
        { _id: id, state: 'live' },
        { $set: { state: 'used', usedAt, sessionHash } },
      );
      return r.modified === 1;
    },
    async markRevoked(tenant, id, revokedAt) {
      const before = await col.findOneAndUpdate(
        tenant,
        { _id: id, state: { $in: ['live', 'used'] } },
        { $set: { state: 'revoked', revokedAt } },
        { returnDocument: 'before' },
      );
      return before ? toRecord(before) : null;
    },
  };
}

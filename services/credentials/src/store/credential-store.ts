import type { Collection, CollectionSpec, DocumentStore, TenantId } from '../../../kit/src/store/store.js';

/** One connector's SCIM secrets, as hashes only. */
export type CredentialRecord = {
  tenantId: string;
  connectorId: string;
  companyId: string;
  bearerHash: string;
  passkeyHash: string;
  bearerLast4: string;
  passkeyLast4: string;
  issuedAt: Date;
  revoked: boolean;
};
type CredentialDoc = CredentialRecord & { _id: string };

export const CREDENTIALS_COLLECTION: CollectionSpec = {
  name: 'credentials',
  indexes: [
    { name: 'tenant_connector', keys: { tenantId: 1, connectorId: 1 }, unique: true },
    { name: 'bearer_hash', keys: { bearerHash: 1 }, unique: true },
    { name: 'passkey_hash', keys: { passkeyHash: 1 }, unique: true },
  ],
};

export interface CredentialStore {
  /** Stores new hashes for a connector; returns the record it replaced, if any. */
  replace(tenant: TenantId, record: Omit<CredentialRecord, 'tenantId' | 'revoked'>): Promise<CredentialRecord | null>;
  /** Marks a connector's secrets revoked; returns the record as it was. */
  revoke(tenant: TenantId, connectorId: string): Promise<CredentialRecord | null>;
  get(tenant: TenantId, connectorId: string): Promise<CredentialRecord | null>;
  /** Lookup by the hash of a presented secret (across tenants: the tenant is what we are finding out). */
  findActiveByHash(kind: 'bearer' | 'passkey', hash: string): Promise<CredentialRecord | null>;
}

const strip = ({ _id, ...rest }: CredentialDoc): CredentialRecord => rest;

export async function openCredentialStore(store: DocumentStore): Promise<CredentialStore> {
  const col: Collection<CredentialDoc> = await store.collection<CredentialDoc>(CREDENTIALS_COLLECTION);
  const idOf = (tenant: TenantId, connectorId: string) => `${tenant}:${connectorId}`;
  return {
    async replace(tenant, record) {
      const before = await col.findOneAndUpdate(
        { _id: idOf(tenant, record.connectorId), tenantId: tenant },
        { $set: { ...record, revoked: false }, $setOnInsert: { tenantId: tenant } },
        { upsert: true, returnDocument: 'before' },
      );
      return before ? strip(before) : null;
    },
    async revoke(tenant, connectorId) {
      const before = await col.findOneAndUpdate({ _id: idOf(tenant, connectorId), tenantId: tenant }, { $set: { revoked: true } }, { returnDocument: 'before' });
      return before ? strip(before) : null;
    },
    async get(tenant, connectorId) {
      const doc = await col.findOne({ _id: idOf(tenant, connectorId), tenantId: tenant });
      return doc ? strip(doc) : null;
    },
    async findActiveByHash(kind, hash) {
      const doc = await col.findOne(kind === 'bearer' ? { bearerHash: hash, revoked: false } : { passkeyHash: hash, revoked: false });
      return doc ? strip(doc) : null;
    },
  };
}

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
  /**
   * Raised by every issue, rotation and revocation. Gateways keep verified secrets in memory tagged with it,
   * and on resync drop what is tagged lower than the store's (records written before it existed count as 0).
   */
  generation: number;
};
type CredentialDoc = CredentialRecord & { _id: string };
type CounterDoc = { _id: string; count: number };

export const CREDENTIALS_COLLECTION: CollectionSpec = {
  name: 'credentials',
  indexes: [
    { name: 'tenant_connector', keys: { tenantId: 1, connectorId: 1 }, unique: true },
    { name: 'bearer_hash', keys: { bearerHash: 1 }, unique: true },
    { name: 'passkey_hash', keys: { passkeyHash: 1 }, unique: true },
  ],
};

/** One document counting every rotation and revocation: how replicas sharing a store learn of each other's. */
export const CREDENTIAL_COUNTERS_COLLECTION: CollectionSpec = { name: 'credential_counters', indexes: [] };
const REVOCATIONS = 'revocations';

export interface ReplacedCredential {
  /** The record as it was, if any. */
  previous: CredentialRecord | null;
  generation: number;
}

export interface CredentialStore {
  /** Stores new hashes for a connector under a new generation; returns what it replaced. */
  replace(
    tenant: TenantId,
    record: Omit<CredentialRecord, 'tenantId' | 'revoked' | 'generation'>,
  ): Promise<ReplacedCredential>;
  /** Marks a connector's secrets revoked under a new generation; null when there were none. */
  revoke(tenant: TenantId, connectorId: string): Promise<ReplacedCredential | null>;
  get(tenant: TenantId, connectorId: string): Promise<CredentialRecord | null>;
  /** Lookup by the hash of a presented secret (across tenants: the tenant is what we are finding out). */
  findActiveByHash(kind: 'bearer' | 'passkey', hash: string): Promise<CredentialRecord | null>;
  /** Current generations of these connectors; connectors without valid credentials are left out. */
  activeGenerations(
    held: Array<{ tenantId: string; connectorId: string }>,
  ): Promise<Array<{ tenantId: string; connectorId: string; generation: number }>>;
  /** Counts a rotation or revocation (after its record is written); returns the new count. */
  countRevocation(): Promise<number>;
  /** The number of rotations and revocations so far, by every replica. */
  revocationCount(): Promise<number>;
}

const strip = ({ _id, ...rest }: CredentialDoc): CredentialRecord => ({ ...rest, generation: rest.generation ?? 0 });

export async function openCredentialStore(store: DocumentStore): Promise<CredentialStore> {
  const col: Collection<CredentialDoc> = await store.collection<CredentialDoc>(CREDENTIALS_COLLECTION);
  const counters: Collection<CounterDoc> = await store.collection<CounterDoc>(CREDENTIAL_COUNTERS_COLLECTION);
  const idOf = (tenant: string, connectorId: string) => `${tenant}:${connectorId}`;
  return {
    async replace(tenant, record) {
      // atomic: the document before this update plus one is the generation it wrote
      const before = await col.findOneAndUpdate(
        { _id: idOf(tenant, record.connectorId), tenantId: tenant },
        { $set: { ...record, revoked: false }, $inc: { generation: 1 }, $setOnInsert: { tenantId: tenant } },
        { upsert: true, returnDocument: 'before' },
      );
      const previous = before ? strip(before) : null;
      return { previous, generation: (previous?.generation ?? 0) + 1 };
    },
    async revoke(tenant, connectorId) {
      const before = await col.findOneAndUpdate(
        { _id: idOf(tenant, connectorId), tenantId: tenant },
        { $set: { revoked: true }, $inc: { generation: 1 } },
        { returnDocument: 'before' },
      );
      if (!before) return null;
      const previous = strip(before);
      return { previous, generation: previous.generation + 1 };
    },
    async get(tenant, connectorId) {
      const doc = await col.findOne({ _id: idOf(tenant, connectorId), tenantId: tenant });
      return doc ? strip(doc) : null;
    },
    async findActiveByHash(kind, hash) {
      const doc = await col.findOne(
        kind === 'bearer' ? { bearerHash: hash, revoked: false } : { passkeyHash: hash, revoked: false },
      );
      return doc ? strip(doc) : null;
    },
    async activeGenerations(held) {
      if (!held.length) return [];
      const docs = await col.find({ _id: { $in: held.map((h) => idOf(h.tenantId, h.connectorId)) }, revoked: false });
      return docs.map((d) => ({ tenantId: d.tenantId, connectorId: d.connectorId, generation: d.generation ?? 0 }));
    },
    async countRevocation() {
      const after = await counters.findOneAndUpdate(
        { _id: REVOCATIONS },
        { $inc: { count: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      return after?.count ?? 0;
    },
    async revocationCount() {
      return (await counters.findOne({ _id: REVOCATIONS }))?.count ?? 0;
    },
  };
}

/** Each organization's OIDC settings (issuer, client ID, redirect URIs): one document per tenant. */
import type { CollectionSpec, DocumentStore, TenantId } from '../../../kit/src/store/store.js';
import { TenantCollection, type TenantDoc } from '../../../kit/src/store/tenant-collection.js';
import type { OidcSettings, OidcSettingsStore } from '../domain/ports.js';

type SettingsDoc = TenantDoc & Omit<OidcSettings, 'tenantId'>;

export const OIDC_SETTINGS_COLLECTION: CollectionSpec = {
  name: 'oidc_settings',
  indexes: [{ name: 'tenant', keys: { tenantId: 1 }, unique: true }],
};

const toSettings = (d: SettingsDoc): OidcSettings => ({
  tenantId: d.tenantId,
  connectorId: d.connectorId,
  issuer: d.issuer,
  clientId: d.clientId,
  redirectUris: [...d.redirectUris],
  updatedAt: d.updatedAt,
  updatedBy: d.updatedBy,
});

export async function openOidcSettingsStore(store: DocumentStore): Promise<OidcSettingsStore> {
  const col = new TenantCollection<SettingsDoc>(await store.collection<SettingsDoc>(OIDC_SETTINGS_COLLECTION));
  return {
    async get(tenant: TenantId) {
      const doc = await col.findOne(tenant, { _id: tenant });
      return doc ? toSettings(doc) : null;
    },
    async put(tenant: TenantId, s) {
      const doc = await col.findOneAndUpdate(
        tenant,
        { _id: tenant },
        {
          $set: {
            connectorId: s.connectorId,
            issuer: s.issuer,
            clientId: s.clientId,
            redirectUris: s.redirectUris,
            updatedAt: s.updatedAt,
            updatedBy: s.updatedBy,
          },
        },
        { upsert: true, returnDocument: 'after' },
      );
      return toSettings(doc!);
    },
    async remove(tenant: TenantId) {
      return (await col.deleteOne(tenant, { _id: tenant })) > 0;
    },
  };
}

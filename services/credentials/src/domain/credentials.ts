/** Issuing and verifying SCIM secrets. Secrets exist only in the issuing response; the store keeps hashes. */
import { AppError } from '../../../kit/src/errors.js';
import { last4, newSecret, safeEqual, sha256Hex } from '../../../kit/src/secrets.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { CredentialRecord, CredentialStore } from '../store/credential-store.js';
import type { CachedCredential, CredentialCache } from './credential-cache.js';

/** Recognisable prefixes (secret scanners, support): SCIM gateway token / passkey. */
export const BEARER_PREFIX = 'scimgw_tok_';
export const PASSKEY_PREFIX = 'scimgw_key_';

export interface IssuedSecrets {
  bearerToken: string;
  basicUsername: string;
  basicPassword: string;
  record: CredentialRecord;
  rotated: boolean;
}

export type Presented = { scheme: 'bearer'; secret: string } | { scheme: 'basic'; username: string; secret: string };

const refused = () => new AppError('UNAUTHENTICATED', 'invalid credentials', 'invalid_credentials');

export class Credentials {
  constructor(
    private readonly store: CredentialStore,
    private readonly cache: CredentialCache,
  ) {}

  async issue(tenant: TenantId, connectorId: string, companyId: string): Promise<IssuedSecrets> {
    if (!connectorId || !companyId) throw new AppError('INVALID_ARGUMENT', 'connector_id and company_id are required');
    const bearerToken = newSecret(BEARER_PREFIX);
    const passkey = newSecret(PASSKEY_PREFIX);
    const record = { connectorId, companyId, bearerHash: sha256Hex(bearerToken), passkeyHash: sha256Hex(passkey), bearerLast4: last4(bearerToken), passkeyLast4: last4(passkey), issuedAt: new Date() };
    const previous = await this.store.replace(tenant, record);
    if (previous) await this.cache.invalidate([previous.bearerHash, previous.passkeyHash]);
    return { bearerToken, basicUsername: companyId, basicPassword: passkey, record: { ...record, tenantId: tenant, revoked: false }, rotated: previous !== null && !previous.revoked };
  }

  async revoke(tenant: TenantId, connectorId: string): Promise<boolean> {
    const previous = await this.store.revoke(tenant, connectorId);
    if (!previous) return false;
    await this.cache.invalidate([previous.bearerHash, previous.passkeyHash]);
    return !previous.revoked;
  }

  /** Resolves a presented secret on the base URL of `tenant`. Any mismatch is the same UNAUTHENTICATED. */
  async verify(tenant: TenantId, presented: Presented): Promise<CachedCredential> {
    if (!presented.secret) throw refused();
    const kind = presented.scheme === 'bearer' ? 'bearer' : 'passkey';
    const hash = sha256Hex(presented.secret);
    let found = await this.cache.get(hash);
    if (!found) {
      const record = await this.store.findActiveByHash(kind, hash);
      if (record && safeEqual(kind === 'bearer' ? record.bearerHash : record.passkeyHash, hash)) {
        found = { tenantId: record.tenantId, connectorId: record.connectorId, companyId: record.companyId, kind };
        await this.cache.put(hash, found);
      }
    }
    if (!found || found.kind !== kind) throw refused();
    // Tenant and Company ID are compared in constant time as well; a secret of another tenant is simply refused.
    const tenantOk = safeEqual(found.tenantId, tenant);
    const userOk = presented.scheme === 'basic' ? safeEqual(found.companyId.toUpperCase(), presented.username.trim().toUpperCase()) : true;
    if (!tenantOk || !userOk) throw refused();
    return found;
  }
}

/**
 * Issuing and verifying SCIM secrets. Secrets exist only in the issuing response; the store keeps hashes.
 * Verification reads the store (an indexed lookup by hash), never a cache: the gateways keep what they verified
 * in memory, and a rotation or revocation returns only once every gateway has let go of it (revocation-hub.ts).
 */
import { AppError } from '../../../kit/src/errors.js';
import type { Logger } from '../../../kit/src/logger.js';
import { last4, newSecret, safeEqual, sha256Hex } from '../../../kit/src/secrets.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { RevocationNotifier } from '../handlers/revocation-hub.js';
import type { CredentialRecord, CredentialStore } from '../store/credential-store.js';

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

export interface VerifiedCredential {
  tenantId: string;
  connectorId: string;
  generation: number;
}

export type Presented = { scheme: 'bearer'; secret: string } | { scheme: 'basic'; username: string; secret: string };

const refused = () => new AppError('UNAUTHENTICATED', 'invalid credentials', 'invalid_credentials');

export class Credentials {
  constructor(
    private readonly store: CredentialStore,
    private readonly revocations: RevocationNotifier,
  ) {}

  /** `log`: the logger of the call (what a rotation notes on its way, revocation-hub.ts). */
  async issue(tenant: TenantId, connectorId: string, companyId: string, log: Logger): Promise<IssuedSecrets> {
    if (!connectorId || !companyId) throw new AppError('INVALID_ARGUMENT', 'connector_id and company_id are required');
    const bearerToken = newSecret(BEARER_PREFIX);
    const passkey = newSecret(PASSKEY_PREFIX);
    const record = {
      connectorId,
      companyId,
      bearerHash: sha256Hex(bearerToken),
      passkeyHash: sha256Hex(passkey),
      bearerLast4: last4(bearerToken),
      passkeyLast4: last4(passkey),
      issuedAt: new Date(),
    };
    const { previous, generation } = await this.store.replace(tenant, record);
    // the store refuses the old hashes now; the gateways must let go of them before we answer
    if (previous) await this.revocations.revoked({ tenantId: tenant, connectorId, generation }, log);
    return {
      bearerToken,
      basicUsername: companyId,
      basicPassword: passkey,
      record: { ...record, tenantId: tenant, revoked: false, generation },
      rotated: previous !== null && !previous.revoked,
    };
  }

  async revoke(tenant: TenantId, connectorId: string, log: Logger): Promise<boolean> {
    const out = await this.store.revoke(tenant, connectorId);
    if (!out) return false;
    await this.revocations.revoked({ tenantId: tenant, connectorId, generation: out.generation }, log);
    return !out.previous?.revoked;
  }

  /** Resolves a presented secret on the base URL of `tenant`. Any mismatch is the same UNAUTHENTICATED. */
  async verify(tenant: TenantId, presented: Presented): Promise<VerifiedCredential> {
    if (!presented.secret) throw refused();
    const kind = presented.scheme === 'bearer' ? 'bearer' : 'passkey';
    const hash = sha256Hex(presented.secret);
    const record = await this.store.findActiveByHash(kind, hash);
    if (!record || !safeEqual(kind === 'bearer' ? record.bearerHash : record.passkeyHash, hash)) throw refused();
    // Tenant and Company ID are compared in constant time as well; a secret of another tenant is simply refused.
    const tenantOk = safeEqual(record.tenantId, tenant);
    const userOk =
      presented.scheme === 'basic'
        ? safeEqual(record.companyId.toUpperCase(), presented.username.trim().toUpperCase())
        : true;
    if (!tenantOk || !userOk) throw refused();
    return { tenantId: record.tenantId, connectorId: record.connectorId, generation: record.generation };
  }
}

/**
 * Every Redis key the system uses is built here, so that names, versions and TTLs are reviewed in one place.
 * Keys never contain secrets: credentials are keyed by the SHA-256 of the secret.
 */
export const cacheKeys = {
  /** credentials: verified secret hash → {tenantId, connectorId}. */
  credential: (secretHash: string) => `cred:v1:${secretHash}`,
  /** credentials: tombstone of a rotated/revoked secret hash; outlives any cache entry written before it. */
  credentialRevoked: (secretHash: string) => `cred:v1:revoked:${secretHash}`,
  /** gateway: failed SCIM authentications per client address / per tenant, in a fixed window. */
  authFailuresByClient: (clientAddress: string) => `ratelimit:v1:authfail:ip:${clientAddress}`,
  authFailuresByTenant: (tenant: string) => `ratelimit:v1:authfail:tenant:${tenant}`,
  /** identity: one pending login (state, nonce, PKCE verifier), single use. */
  loginTransaction: (state: string) => `oidc:v1:txn:${state}`,
  /** identity: a session by the SHA-256 of its token, and the indexes: session hashes per user, user ids per tenant. */
  session: (tokenHash: string) => `session:v1:${tokenHash}`,
  /** identity: last use of a session (sliding idle timeout); written apart so a touch never revives an ended session. */
  sessionLastSeen: (tokenHash: string) => `session:v1:seen:${tokenHash}`,
  sessionsOfUser: (tenant: string, userId: string) => `session:v1:user:${tenant}:${userId}`,
  sessionsOfTenant: (tenant: string) => `session:v1:tenant:${tenant}`,
  /** identity: an Organization Setup session by the SHA-256 of its token, and its last use (idle timeout). */
  setupSession: (tokenHash: string) => `setup:v1:session:${tokenHash}`,
  setupSessionLastSeen: (tokenHash: string) => `setup:v1:session:seen:${tokenHash}`,
} as const;

export const cacheTtl = {
  credentialSeconds: 300,
  authFailureWindowSeconds: 60,
  loginTransactionSeconds: 600,
} as const;

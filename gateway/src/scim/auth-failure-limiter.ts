/**
 * Failed SCIM authentications are counted in a fixed one-minute window, per client address (within a tenant)
 * and per tenant — in Redis when configured, so that all replicas share the count, else in this process.
 *
 * - Over either limit, failing requests answer 429 (with Retry-After) instead of 401.
 * - A valid credential always gets in: otherwise anyone could lock a customer's Okta out by sending bad
 *   tokens to its base URL, and Okta itself would stay locked out for a while after a rotation, having
 *   retried with the old token before the admin entered the new one. Guessing a 256-bit secret is hopeless
 *   anyway; the limits keep failing clients cheap to answer and visible (metric, activity log).
 * Okta sends every customer's traffic from shared addresses, so the client key includes the tenant: one
 * customer's stale token must not block provisioning of the others.
 */
import { cacheKeys, cacheTtl } from '../../../services/kit/src/cache-keys.js';
import { MemoryKeyValueStore, type KeyValueStore } from '../../../services/kit/src/kv.js';

export class AuthFailureLimiter {
  private readonly local = new MemoryKeyValueStore();
  constructor(
    private readonly kv: KeyValueStore,
    private readonly perClient: number,
    private readonly perTenant: number,
  ) {}

  private clientKey(client: string, tenant: string) {
    return cacheKeys.authFailuresByClient(`${tenant}:${client}`);
  }

  private async bump(key: string) {
    try {
      return await this.kv.incr(key, cacheTtl.authFailureWindowSeconds);
    } catch {
      return this.local.incr(key, cacheTtl.authFailureWindowSeconds);
    }
  }

  /** Records a failure. `limited`: answer 429; `…LimitReached`: first crossing of that limit in this window (log it once). */
  async fail(client: string, tenant: string): Promise<{ limited: boolean; retryAfterSeconds: number; tenantLimitReached: boolean; clientLimitReached: boolean }> {
    const [c, t] = await Promise.all([this.bump(this.clientKey(client, tenant)), this.bump(cacheKeys.authFailuresByTenant(tenant))]);
    const limited = c.count > this.perClient || t.count > this.perTenant;
    return { limited, retryAfterSeconds: Math.max(c.ttlSeconds, t.ttlSeconds), tenantLimitReached: t.count === this.perTenant + 1, clientLimitReached: c.count === this.perClient + 1 };
  }

  close() {
    return this.local.close();
  }
}

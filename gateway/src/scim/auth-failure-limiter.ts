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
 *
 * While the shared counter cannot be read (Redis down or stalled; kv.ts fails fast), a failed authentication
 * answers 429 (fail closed): counting per process would multiply the limits by the number of replicas and
 * restarts, which is what an attacker would wait for. Valid credentials never reach the limiter, so an outage
 * never locks out a client that presents a good secret.
 */
import { cacheKeys, cacheTtl } from '../../../services/kit/src/cache-keys.js';
import { KeyValueUnavailableError, type KeyValueStore } from '../../../services/kit/src/kv.js';

/** Retry-After while the shared counter is unavailable: the breaker probes Redis about this often. */
const UNAVAILABLE_RETRY_SECONDS = 5;

export class AuthFailureLimiter {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly perClient: number,
    private readonly perTenant: number,
    private readonly now: () => number = Date.now,
  ) {}

  private clientKey(client: string, tenant: string) {
    return cacheKeys.authFailuresByClient(`${tenant}:${client}`);
  }

  private bump(key: string) {
    return this.kv.incr(key, cacheTtl.authFailureWindowSeconds);
  }

  /**
   * Records a failure. `limited`: answer 429; `tenantLimitReached`: first crossing in this window (log it
   * once); `counterUnavailable`: limited because the shared counter could not be read.
   */
  async fail(
    client: string,
    tenant: string,
  ): Promise<{
    limited: boolean;
    retryAfterSeconds: number;
    tenantLimitReached: boolean;
    clientLimitReached: boolean;
    counterUnavailable?: true;
  }> {
    let c: { count: number; ttlSeconds: number }, t: { count: number; ttlSeconds: number };
    try {
      [c, t] = await Promise.all([
        this.bump(this.clientKey(client, tenant)),
        this.bump(cacheKeys.authFailuresByTenant(tenant)),
      ]);
    } catch (err) {
      if (!(err instanceof KeyValueUnavailableError)) throw err;
      const untilProbe = err.retryAt ? Math.ceil((err.retryAt - this.now()) / 1000) : 0;
      return {
        limited: true,
        retryAfterSeconds: Math.max(1, Math.min(UNAVAILABLE_RETRY_SECONDS, untilProbe || UNAVAILABLE_RETRY_SECONDS)),
        tenantLimitReached: false,
        clientLimitReached: false,
        counterUnavailable: true,
      };
    }
    const limited = c.count > this.perClient || t.count > this.perTenant;
    return {
      limited,
      retryAfterSeconds: Math.max(c.ttlSeconds, t.ttlSeconds),
      tenantLimitReached: t.count === this.perTenant + 1,
      clientLimitReached: c.count === this.perClient + 1,
    };
  }

  async close() {}
}

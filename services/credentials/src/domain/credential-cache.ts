/**
 * Cache-aside for verified secrets. A cache failure never fails a verification (the store answers) and never
 * lets in a secret the store would refuse: only positive store answers are cached, and rotation/revocation
 * writes a tombstone and deletes the entry before the call returns. Reads fetch entry and tombstone together,
 * so an entry written by a verification that raced with the rotation is ignored. If Redis cannot be reached
 * while revoking, the work is retried until it can; meanwhile verifiers cannot read Redis either.
 */
import type { Counter } from 'prom-client';
import { cacheKeys } from '../../../kit/src/cache-keys.js';
import type { KeyValueStore } from '../../../kit/src/kv.js';
import type { Logger } from '../../../kit/src/logger.js';

export interface CachedCredential {
  tenantId: string;
  connectorId: string;
  companyId: string;
  kind: 'bearer' | 'passkey';
}

export class CredentialCache {
  private readonly pending = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  /** Tombstones must outlive any entry that a verification in flight could still write. */
  private readonly tombstoneSeconds: number;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
    private readonly requests: Counter<'result'>,
  ) {
    this.tombstoneSeconds = ttlSeconds + 120;
  }

  async get(hash: string): Promise<CachedCredential | null> {
    try {
      const [entry, tombstone] = await this.kv.mget(cacheKeys.credential(hash), cacheKeys.credentialRevoked(hash));
      const hit = entry !== null && tombstone === null;
      this.requests.inc({ result: hit ? 'hit' : 'miss' });
      return hit ? (JSON.parse(entry) as CachedCredential) : null;
    } catch (err) {
      // the outage itself is logged by the key-value store (kv.ts), collapsed to one line per interval
      this.requests.inc({ result: 'error' });
      this.logger.debug('credential cache unavailable; verifying against the store', { err: (err as Error).message });
      return null;
    }
  }

  async put(hash: string, value: CachedCredential): Promise<void> {
    if (this.pending.has(hash)) return;
    try {
      await this.kv.set(cacheKeys.credential(hash), JSON.stringify(value), this.ttlSeconds);
    } catch {
      this.requests.inc({ result: 'error' });
    }
  }

  /** Called after the store stopped accepting these hashes. */
  async invalidate(hashes: string[]): Promise<void> {
    const list = hashes.filter(Boolean);
    if (!list.length) return;
    try {
      await this.revokeInRedis(list);
    } catch (err) {
      this.logger.error('could not invalidate cached credentials; retrying until Redis answers', { err: (err as Error).message, count: list.length });
      for (const h of list) this.pending.add(h);
      this.scheduleRetry();
    }
  }

  private async revokeInRedis(hashes: string[]) {
    for (const h of hashes) await this.kv.set(cacheKeys.credentialRevoked(h), '1', this.tombstoneSeconds);
    await this.kv.del(...hashes.map(cacheKeys.credential));
  }

  private scheduleRetry() {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => void this.retryPending(), 250);
    this.retryTimer.unref();
  }

  /** Applies the invalidations Redis missed; on failure schedules the next try (never rejects). */
  private async retryPending() {
    this.retryTimer = undefined;
    const list = [...this.pending];
    try {
      await this.revokeInRedis(list);
      for (const h of list) this.pending.delete(h);
      this.logger.info('pending credential invalidations applied', { count: list.length });
    } catch {
      this.scheduleRetry();
    }
  }

  close() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }
}

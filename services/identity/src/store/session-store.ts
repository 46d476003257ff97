/**
 * Platform sessions in the key-value store (Redis in production).
 *
 * - The token (256 bits, shown once) is never stored: the session lives under the SHA-256 of the token.
 * - The session document is written once at sign-in with a TTL of the absolute timeout and only ever deleted;
 *   the sliding idle timeout is a separate "last seen" key. Touching that key can therefore never bring back
 *   a session that was ended concurrently.
 * - Indexes: session hashes per user (pruned at each sign-in) and user ids per tenant, so that ending every
 *   session of a user (deactivation) or of a tenant (connector disabled) is possible without scanning Redis.
 */
import { cacheKeys } from '../../../kit/src/cache-keys.js';
import type { KeyValueStore } from '../../../kit/src/kv.js';
import { newSecret, sha256Hex } from '../../../kit/src/secrets.js';
import type { SessionLookup, SessionRecord, SessionStore } from '../domain/ports.js';
import { lastSeenTtlSeconds, type SessionPolicy } from '../domain/session-policy.js';

/** Recognisable prefix for secret scanners and support. */
export const SESSION_TOKEN_PREFIX = 'scimgw_ses_';

const BATCH = 100;

async function inBatches<T>(items: T[], fn: (item: T) => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < items.length; i += BATCH)
    total += (await Promise.all(items.slice(i, i + BATCH).map(fn))).reduce((a, b) => a + b, 0);
  return total;
}

export function kvSessionStore(kv: KeyValueStore, policy: SessionPolicy, now: () => number = Date.now): SessionStore {
  const indexTtl = policy.absoluteSeconds;

  async function pruneUserIndex(tenant: string, userId: string) {
    const key = cacheKeys.sessionsOfUser(tenant, userId);
    const hashes = await kv.smembers(key);
    if (!hashes.length) return;
    const live = await kv.mget(...hashes.map(cacheKeys.session));
    await Promise.all(hashes.filter((_, i) => live[i] === null).map((h) => kv.srem(key, h)));
  }

  async function endHash(hash: string): Promise<number> {
    return (await kv.del(cacheKeys.session(hash), cacheKeys.sessionLastSeen(hash))) > 0 ? 1 : 0;
  }

  const store: SessionStore = {
    async create(input) {
      const token = newSecret(SESSION_TOKEN_PREFIX, 32);
      const hash = sha256Hex(token);
      const createdAt = now();
      const record: SessionRecord = { ...input, createdAt, expiresAt: createdAt + policy.absoluteSeconds * 1000 };
      await kv.set(cacheKeys.session(hash), JSON.stringify(record), policy.absoluteSeconds);
      await kv.set(
        cacheKeys.sessionLastSeen(hash),
        String(createdAt),
        lastSeenTtlSeconds(policy, record.expiresAt, createdAt),
      );
      await pruneUserIndex(record.tenantId, record.userId);
      await kv.sadd(cacheKeys.sessionsOfUser(record.tenantId, record.userId), hash, indexTtl);
      await kv.sadd(cacheKeys.sessionsOfTenant(record.tenantId), record.userId, indexTtl);
      return { token, record };
    },

    async find(token): Promise<SessionLookup> {
      if (!token || !token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 200) return { found: false };
      const hash = sha256Hex(token);
      const [raw, seen] = await kv.mget(cacheKeys.session(hash), cacheKeys.sessionLastSeen(hash));
      if (!raw) return { found: false };
      return {
        found: true,
        hash,
        record: JSON.parse(raw) as SessionRecord,
        lastSeenAt: seen === null ? null : Number(seen),
      };
    },

    async touch(hash, record) {
      const t = now();
      await kv.set(cacheKeys.sessionLastSeen(hash), String(t), lastSeenTtlSeconds(policy, record.expiresAt, t));
    },

    async end(hash, record) {
      const ended = await endHash(hash);
      if (record) await kv.srem(cacheKeys.sessionsOfUser(record.tenantId, record.userId), hash);
      return ended > 0;
    },

    async revokeUser(tenant, userId) {
      const key = cacheKeys.sessionsOfUser(tenant, userId);
      const hashes = await kv.smembers(key);
      const n = await inBatches(hashes, endHash);
      await kv.del(key);
      await kv.srem(cacheKeys.sessionsOfTenant(tenant), userId);
      return n;
    },

    async revokeTenant(tenant) {
      const userIds = await kv.smembers(cacheKeys.sessionsOfTenant(tenant));
      let n = 0;
      for (let i = 0; i < userIds.length; i += BATCH) {
        n += (await Promise.all(userIds.slice(i, i + BATCH).map((u) => store.revokeUser(tenant, u)))).reduce(
          (a, b) => a + b,
          0,
        );
      }
      return n;
    },
  };
  return store;
}

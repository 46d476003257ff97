/**
 * Setup sessions in the key-value store (Redis in production), keyed by the SHA-256 of the token. As with
 * platform sessions, the record is written once with the absolute TTL and the idle limit is a separate
 * "last seen" key, so a touch can never bring back a session that was ended concurrently.
 */
import { cacheKeys } from '../../../kit/src/cache-keys.js';
import type { KeyValueStore } from '../../../kit/src/kv.js';
import type { SetupSessionRecord, SetupSessionStore } from '../domain/setup-access.js';
import { lastSeenTtlSeconds, type SessionPolicy } from '../domain/session-policy.js';

export function kvSetupSessionStore(kv: KeyValueStore, policy: SessionPolicy): SetupSessionStore {
  return {
    async put(hash, record, now) {
      await kv.set(
        cacheKeys.setupSession(hash),
        JSON.stringify(record),
        Math.max(1, Math.ceil((record.expiresAt - now) / 1000)),
      );
      await kv.set(
        cacheKeys.setupSessionLastSeen(hash),
        String(now),
        lastSeenTtlSeconds(policy, record.expiresAt, now),
      );
    },
    async find(hash) {
      const [raw, seen] = await kv.mget(cacheKeys.setupSession(hash), cacheKeys.setupSessionLastSeen(hash));
      if (!raw) return null;
      return { record: JSON.parse(raw) as SetupSessionRecord, lastSeenAt: seen === null ? null : Number(seen) };
    },
    async touch(hash, record, now) {
      await kv.set(
        cacheKeys.setupSessionLastSeen(hash),
        String(now),
        lastSeenTtlSeconds(policy, record.expiresAt, now),
      );
    },
    async end(hash) {
      return (await kv.del(cacheKeys.setupSession(hash), cacheKeys.setupSessionLastSeen(hash))) > 0;
    },
  };
}

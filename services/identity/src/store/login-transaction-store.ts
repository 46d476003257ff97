/** Pending logins (nonce, PKCE verifier, redirect URI) in the key-value store: short TTL, single use. */
import { cacheKeys, cacheTtl } from '../../../kit/src/cache-keys.js';
import type { KeyValueStore } from '../../../kit/src/kv.js';
import { sha256Hex } from '../../../kit/src/secrets.js';
import type { LoginTransaction, LoginTransactionStore } from '../domain/ports.js';

export function kvLoginTransactionStore(
  kv: KeyValueStore,
  ttlSeconds: number = cacheTtl.loginTransactionSeconds,
): LoginTransactionStore {
  // Keyed by a hash of the state, so the key space never holds a value that travels in URLs.
  const key = (state: string) => cacheKeys.loginTransaction(sha256Hex(state));
  return {
    async put(state, txn) {
      await kv.set(key(state), JSON.stringify(txn), ttlSeconds);
    },
    async take(state) {
      if (!state) return null;
      const raw = await kv.take(key(state));
      return raw ? (JSON.parse(raw) as LoginTransaction) : null;
    },
  };
}

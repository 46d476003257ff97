/**
 * The key-value side of the stores: Redis through ioredis when REDIS_URL is set (kv-redis.ts, loaded only
 * then), an in-process equivalent otherwise. Both adapters give the same semantics for the few operations the
 * services use.
 */
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Reads and deletes atomically (single-use values such as login transactions). */
  take(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  /** Increments a counter, setting its TTL when the counter is created; returns the value and the TTL left. */
  incr(key: string, ttlSeconds: number): Promise<{ count: number; ttlSeconds: number }>;
  /** Set membership, used to index sessions by user and tenant. */
  sadd(key: string, member: string, ttlSeconds: number): Promise<void>;
  smembers(key: string): Promise<string[]>;
  srem(key: string, member: string): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Redis cannot be used right now (breaker open, timeout, connection lost): take the fallback. */
export class KeyValueUnavailableError extends Error {
  constructor(
    message: string,
    /** When the breaker will probe Redis next (ms since the epoch); 0 when it is closed. */
    readonly retryAt = 0,
  ) {
    super(message);
    this.name = 'KeyValueUnavailableError';
  }
}

interface Entry {
  value: string | Set<string>;
  expiresAt: number;
}

/** In-process equivalent for the embedded default (one process per store, like a single Redis). */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly data = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }
  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }
  private sweep() {
    for (const key of this.data.keys()) this.live(key);
  }
  async get(key: string) {
    const e = this.live(key);
    return e && typeof e.value === 'string' ? e.value : null;
  }
  async mget(...keys: string[]) {
    return Promise.all(keys.map((k) => this.get(k)));
  }
  async set(key: string, value: string, ttlSeconds: number) {
    this.data.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
  }
  async take(key: string) {
    const v = await this.get(key);
    this.data.delete(key);
    return v;
  }
  async del(...keys: string[]) {
    let n = 0;
    for (const k of keys) if (this.live(k) && this.data.delete(k)) n++;
    return n;
  }
  async incr(key: string, ttlSeconds: number) {
    const e = this.live(key);
    if (!e) {
      this.data.set(key, { value: '1', expiresAt: this.now() + ttlSeconds * 1000 });
      return { count: 1, ttlSeconds };
    }
    const count = Number(e.value) + 1;
    e.value = String(count);
    return { count, ttlSeconds: Math.max(1, Math.ceil((e.expiresAt - this.now()) / 1000)) };
  }
  async sadd(key: string, member: string, ttlSeconds: number) {
    const e = this.live(key);
    const set = e && e.value instanceof Set ? e.value : new Set<string>();
    set.add(member);
    this.data.set(key, { value: set, expiresAt: this.now() + ttlSeconds * 1000 });
  }
  async smembers(key: string) {
    const e = this.live(key);
    return e && e.value instanceof Set ? [...e.value] : [];
  }
  async srem(key: string, member: string) {
    const e = this.live(key);
    if (e && e.value instanceof Set) e.value.delete(member);
  }
  async ping() {
    return true;
  }
  async close() {
    clearInterval(this.sweeper);
    this.data.clear();
  }
}

/** The Redis settings every process with REDIS_URL reads (config.ts: `redisFields`). */
export interface RedisSettings {
  redisCommandTimeoutMs: number;
  redisBreakerFailures: number;
  redisBreakerProbeMs: number;
}

export async function openKeyValueStore(
  redisUrl: string | undefined,
  settings?: RedisSettings,
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>,
  registry?: Registry,
): Promise<KeyValueStore> {
  if (!redisUrl) return new MemoryKeyValueStore();
  // loaded only with Redis configured: ioredis costs about 10 MiB of resident memory per process
  const { RedisKeyValueStore } = await import('./kv-redis.js');
  return new RedisKeyValueStore(redisUrl, {
    ...(settings
      ? {
          commandTimeoutMs: settings.redisCommandTimeoutMs,
          breakerFailures: settings.redisBreakerFailures,
          breakerProbeMs: settings.redisBreakerProbeMs,
        }
      : {}),
    ...(logger ? { logger } : {}),
    ...(registry ? { registry } : {}),
  });
}

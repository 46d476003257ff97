/**
 * The key-value side of the stores: Redis through ioredis when REDIS_URL is set, an in-process equivalent
 * otherwise. Both adapters give the same semantics for the few operations the services use.
 */
import { Redis } from 'ioredis';

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

export class RedisKeyValueStore implements KeyValueStore {
  readonly client: Redis;
  constructor(url: string, options: { commandTimeoutMs?: number } = {}) {
    // Fail fast while disconnected: callers degrade (cache-aside) instead of queueing behind an outage.
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 500,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
    });
    this.client.on('error', () => {
      /* reported through failing commands; ioredis reconnects by itself */
    });
  }
  async get(key: string) {
    return this.client.get(key);
  }
  async mget(...keys: string[]) {
    return keys.length ? this.client.mget(...keys) : [];
  }
  async set(key: string, value: string, ttlSeconds: number) {
    await this.client.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }
  async take(key: string) {
    return this.client.getdel(key);
  }
  async del(...keys: string[]) {
    return keys.length ? this.client.del(...keys) : 0;
  }
  async incr(key: string, ttlSeconds: number) {
    const [[, count], [, ttl]] = (await this.client.multi().incr(key).expire(key, Math.ceil(ttlSeconds), 'NX').ttl(key).exec()) as [[unknown, number], [unknown, number], [unknown, number]];
    return { count, ttlSeconds: ttl > 0 ? ttl : ttlSeconds };
  }
  async sadd(key: string, member: string, ttlSeconds: number) {
    await this.client.multi().sadd(key, member).expire(key, Math.ceil(ttlSeconds)).exec();
  }
  async smembers(key: string) {
    return this.client.smembers(key);
  }
  async srem(key: string, member: string) {
    await this.client.srem(key, member);
  }
  async ping() {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
  async close() {
    this.client.disconnect();
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

export function openKeyValueStore(redisUrl: string | undefined): KeyValueStore {
  return redisUrl ? new RedisKeyValueStore(redisUrl) : new MemoryKeyValueStore();
}

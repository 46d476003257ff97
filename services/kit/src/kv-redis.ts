/**
 * The Redis adapter of `KeyValueStore` (kv.ts) on ioredis, imported only when REDIS_URL is set.
 *
 * Redis is a dependency that fails fast (docs/faults.md): every command has a short timeout, and a circuit
 * breaker opens after a few consecutive connection failures or timeouts. While it is open, commands fail at
 * once with `KeyValueUnavailableError` (callers take their fallback without waiting for a timeout) and a PING
 * probes Redis in the background every `probeMs` until it answers. The outage is logged as one line when the
 * breaker opens, one line per interval with a count while it stays open, and one line when it closes.
 */
import { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { CollapsedWarnings } from './collapsed-warnings.js';
import { KeyValueUnavailableError, type KeyValueStore } from './kv.js';
import type { Logger } from './logger.js';

export interface RedisOptions {
  /** Each command's timeout. */
  commandTimeoutMs?: number;
  /** Consecutive failures (timeouts, connection errors) that open the breaker. */
  breakerFailures?: number;
  /** While open, how often a PING probes Redis. */
  breakerProbeMs?: number;
  /** Where breaker transitions and collapsed outage warnings go. */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Interval over which repeated warnings are collapsed into one line. */
  warningIntervalMs?: number;
  /** Where `redis_circuit_breaker_open` and `redis_commands_refused_total` are registered (docs/metrics.md). */
  registry?: Registry;
  now?: () => number;
}

export type BreakerState = 'closed' | 'open';

const silent: Pick<Logger, 'info' | 'warn' | 'error'> = { info: () => {}, warn: () => {}, error: () => {} };

/** Replies Redis gave (WRONGTYPE, …) say nothing about its availability; everything else does. */
const isAvailabilityFailure = (err: unknown) => !(err instanceof Error && err.name === 'ReplyError');

export class RedisKeyValueStore implements KeyValueStore {
  readonly client: Redis;
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private nextProbeAt = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Before the first connection, failures say nothing about an outage (the breaker stays closed). */
  private connected = false;
  private readonly timeoutMs: number;
  private readonly threshold: number;
  private readonly probeMs: number;
  private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly warnings: CollapsedWarnings;
  private readonly now: () => number;
  private readonly openGauge: Gauge | undefined;
  private readonly refused: Counter | undefined;

  constructor(url: string, options: RedisOptions = {}) {
    this.timeoutMs = options.commandTimeoutMs ?? 250;
    this.threshold = options.breakerFailures ?? 3;
    this.probeMs = options.breakerProbeMs ?? 1000;
    this.logger = options.logger ?? silent;
    this.warnings = new CollapsedWarnings(this.logger, options.warningIntervalMs ?? 10_000);
    this.now = options.now ?? Date.now;
    if (options.registry) {
      this.openGauge = new Gauge({
        name: 'redis_circuit_breaker_open',
        help: '1 while the Redis circuit breaker of this process is open (Redis unavailable, requests on their fallback).',
        registers: [options.registry],
      });
      this.openGauge.set(0);
      this.refused = new Counter({
        name: 'redis_commands_refused_total',
        help: 'Redis commands failed at once because the circuit breaker was open.',
        registers: [options.registry],
      });
    }
    // Fail fast while disconnected: callers degrade (cache-aside) instead of queueing behind an outage.
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.timeoutMs,
      connectTimeout: Math.max(1000, this.timeoutMs * 4),
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
    });
    this.client.on('error', () => {
      /* reported through failing commands; ioredis reconnects by itself */
    });
    this.client.once('ready', () => (this.connected = true));
  }

  /** Resolves once the first connection is ready (tests; the services do not wait: commands fail fast). */
  whenReady(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((resolve) => this.client.once('ready', () => resolve()));
  }

  /** For metrics and tests. */
  get breaker(): { state: BreakerState; consecutiveFailures: number } {
    return { state: this.state, consecutiveFailures: this.failures };
  }

  private async guard<T>(command: () => Promise<T>): Promise<T> {
    if (this.state === 'open') {
      this.refused?.inc();
      this.warnings.warn('redis-unavailable', 'Redis unavailable: requests use their fallback', {
        openForMs: this.now() - this.openedAt,
      });
      throw new KeyValueUnavailableError('Redis is unavailable (circuit open)', this.nextProbeAt);
    }
    try {
      const value = await command();
      this.failures = 0;
      return value;
    } catch (err) {
      if (!isAvailabilityFailure(err)) throw err;
      if (!this.connected) {
        this.warnings.warn('redis-connecting', 'Redis not connected yet: requests use their fallback', {
          err: (err as Error).message,
        });
        throw new KeyValueUnavailableError(`Redis not connected yet: ${(err as Error).message}`);
      }
      this.failures++;
      if (this.failures >= this.threshold && this.state === 'closed') this.open(err as Error);
      else this.warnings.warn('redis-failure', 'Redis command failed', { err: (err as Error).message });
      throw new KeyValueUnavailableError(`Redis command failed: ${(err as Error).message}`, this.nextProbeAt);
    }
  }

  private open(cause: Error) {
    this.state = 'open';
    this.openGauge?.set(1);
    this.openedAt = this.now();
    this.logger.error('Redis unavailable: circuit opened, requests use their fallback until a probe succeeds', {
      consecutiveFailures: this.failures,
      err: cause.message,
      probeMs: this.probeMs,
    });
    this.scheduleProbe();
  }

  private scheduleProbe() {
    if (this.closed) return;
    this.nextProbeAt = this.now() + this.probeMs;
    this.probeTimer = setTimeout(() => void this.probe(), this.probeMs);
    this.probeTimer.unref();
  }

  private async probe() {
    this.probeTimer = undefined;
    let ok = false;
    try {
      ok = (await this.client.ping()) === 'PONG';
    } catch {
      ok = false;
    }
    if (this.closed) return;
    if (!ok) return this.scheduleProbe();
    this.state = 'closed';
    this.openGauge?.set(0);
    this.failures = 0;
    this.nextProbeAt = 0;
    this.logger.info('Redis reachable again: circuit closed', { downForMs: this.now() - this.openedAt });
  }

  async get(key: string) {
    return this.guard(() => this.client.get(key));
  }
  async mget(...keys: string[]) {
    return keys.length ? this.guard(() => this.client.mget(...keys)) : [];
  }
  async set(key: string, value: string, ttlSeconds: number) {
    await this.guard(() => this.client.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds))));
  }
  async take(key: string) {
    return this.guard(() => this.client.getdel(key));
  }
  async del(...keys: string[]) {
    return keys.length ? this.guard(() => this.client.del(...keys)) : 0;
  }
  async incr(key: string, ttlSeconds: number) {
    const [[, count], [, ttl]] = (await this.guard(() =>
      this.client.multi().incr(key).expire(key, Math.ceil(ttlSeconds), 'NX').ttl(key).exec(),
    )) as [[unknown, number], [unknown, number], [unknown, number]];
    return { count, ttlSeconds: ttl > 0 ? ttl : ttlSeconds };
  }
  async sadd(key: string, member: string, ttlSeconds: number) {
    await this.guard(() => this.client.multi().sadd(key, member).expire(key, Math.ceil(ttlSeconds)).exec());
  }
  async smembers(key: string) {
    return this.guard(() => this.client.smembers(key));
  }
  async srem(key: string, member: string) {
    await this.guard(() => this.client.srem(key, member));
  }
  async ping() {
    try {
      return (await this.guard(() => this.client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }
  async close() {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.warnings.close();
    this.client.disconnect();
  }
}

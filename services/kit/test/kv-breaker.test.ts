/** Redis as a dependency that fails fast: a real redis-server, stalled with SIGSTOP and killed. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { KeyValueUnavailableError } from '../src/kv.js';
import { RedisKeyValueStore } from '../src/kv-redis.js';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, err };
  }
}

describe('RedisKeyValueStore under faults', () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    redis.resume();
    await redis.stop();
  });

  it('opens the breaker after consecutive timeouts of a stalled Redis, fails at once while open, and closes when a probe answers', async () => {
    const { lines, logger } = recorder();
    const registry = new Registry();
    const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    const sut = new RedisKeyValueStore(redis.url, {
      commandTimeoutMs: 100,
      breakerFailures: 3,
      breakerProbeMs: 200,
      logger,
      warningIntervalMs: 60_000,
      registry,
    });
    await sut.whenReady();
    try {
      await sut.set('k', 'v', 60);
      expect(await sut.get('k')).toBe('v');
      redis.pause();
      // three commands time out (each bounded by the command timeout) and open the breaker
      for (let i = 0; i < 3; i++) {
        const r = await settle(sut.get('k'));
        expect(r.ok).toBe(false);
        expect((r as { err: unknown }).err).toBeInstanceOf(KeyValueUnavailableError);
      }
      expect(sut.breaker.state).toBe('open');
      // while open, 1,000 commands are refused without reaching Redis (none waits for a timeout)
      const realGet = sut.client.get.bind(sut.client);
      let reached = 0;
      (sut.client as unknown as { get: unknown }).get = (...args: Parameters<typeof realGet>) => (
        reached++,
        realGet(...args)
      );
      const results = await Promise.all(Array.from({ length: 1000 }, () => settle(sut.get('k'))));
      expect(results.every((r) => !r.ok && r.err instanceof KeyValueUnavailableError)).toBe(true);
      expect(reached).toBe(0);
      expect(await metric('redis_circuit_breaker_open')).toBe(1);
      expect(await metric('redis_commands_refused_total')).toBe(1000);
      // one error line when the breaker opened, the 1,000 refusals counted in one pending line (not logged yet)
      expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
      expect(lines.filter((l) => l.msg.startsWith('Redis unavailable: requests use their fallback'))).toHaveLength(1);
      redis.resume();
      for (let i = 0; i < 50 && sut.breaker.state === 'open'; i++) await wait(50);
      expect(sut.breaker.state).toBe('closed');
      expect(await sut.get('k')).toBe('v');
      expect(lines.some((l) => l.level === 'info' && /circuit closed/.test(l.msg))).toBe(true);
      expect(await metric('redis_circuit_breaker_open')).toBe(0);
    } finally {
      redis.resume();
      await sut.close();
    }
    // closing writes the collapsed count of refusals
    const collapsed = lines.find((l) => l.msg.startsWith('Redis unavailable: requests use their fallback (repeated'));
    expect(collapsed?.fields?.repeated).toBeGreaterThanOrEqual(999);
    expect(lines.length).toBeLessThan(10);
  });

  it('treats a killed Redis the same way and recovers when it is back', async () => {
    const { logger } = recorder();
    const sut = new RedisKeyValueStore(redis.url, {
      commandTimeoutMs: 100,
      breakerFailures: 2,
      breakerProbeMs: 100,
      logger,
    });
    await sut.whenReady();
    try {
      await sut.set('a', '1', 60);
      await redis.stop();
      for (let i = 0; i < 2; i++) expect((await settle(sut.incr('n', 60))).ok).toBe(false);
      expect(sut.breaker.state).toBe('open');
      await expect(sut.ping()).resolves.toBe(false);
      await redis.restart();
      for (let i = 0; i < 60 && sut.breaker.state === 'open'; i++) await wait(100);
      expect(sut.breaker.state).toBe('closed');
      await expect(sut.incr('n', 60)).resolves.toMatchObject({ count: 1 });
    } finally {
      await sut.close();
    }
  });

  it('does not count Redis reply errors (the server answered) as unavailability', async () => {
    const sut = new RedisKeyValueStore(redis.url, { commandTimeoutMs: 500, breakerFailures: 1, breakerProbeMs: 100 });
    await sut.whenReady();
    try {
      await sut.sadd('a-set', 'x', 60);
      const r = await settle(sut.get('a-set')); // WRONGTYPE
      expect(r.ok).toBe(false);
      expect((r as { err: unknown }).err).not.toBeInstanceOf(KeyValueUnavailableError);
      expect(sut.breaker.state).toBe('closed');
    } finally {
      await sut.close();
    }
  });
});

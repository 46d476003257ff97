/**
 * Redis stalled (SIGSTOP) and killed under SCIM traffic, five processes as `npm start` runs them with REDIS_URL:
 * valid credentials keep working with no 5xx, failed authentications fail closed (429 while the shared counter
 * cannot be read), the outage is logged as a handful of lines (breaker transitions and collapsed counts), not
 * one per request. Latency during the stall is printed, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedis, type RedisHandle } from '../support/redis-server.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Drives valid GETs (4 at a time) until stopped; records status and latency of each. */
function traffic(t: ScimTenant) {
  const seen: Array<{ status: number; ms: number }> = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const started = performance.now();
      const r = await t.scim('GET', '/Users?count=1');
      seen.push({ status: r.status, ms: performance.now() - started });
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    seen,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

const redisLines = (out: string) => out.split('\n').filter((l) => /Redis|credential cache unavailable/.test(l));

describe('Redis faults under traffic', () => {
  let redis: RedisHandle;
  let sys: RunningSystem;
  let t: ScimTenant;
  beforeAll(async () => {
    redis = await startRedis();
    sys = await startSystem({ REDIS_URL: redis.url, LOG_LEVEL: 'warn' });
    t = await newScimTenant(sys, 'RedisFaults');
    expect(
      (
        await t.scim('POST', '/Users', {
          userName: 'r@x.example',
          name: { givenName: 'R', familyName: 'F' },
          emails: [{ value: 'r@x.example' }],
        })
      ).status,
    ).toBe(201);
  }, 90000);
  afterAll(async () => {
    redis?.resume();
    await sys?.stop();
    await redis?.stop();
  });

  it('a stalled Redis (SIGSTOP): valid requests keep succeeding, bad secrets get 429, the outage is a few log lines', async () => {
    const load = traffic(t);
    await sleep(500);
    const before = load.seen.length;
    const linesBefore = redisLines(sys.output()).length;
    redis.pause();
    const bad: number[] = [];
    try {
      const stallEnd = Date.now() + 4000;
      while (Date.now() < stallEnd) {
        bad.push((await http('GET', `${t.baseUrl}/Users`, { token: t.token + 'x' })).status);
        await sleep(100);
      }
      // the gateway's breaker (its rate-limit counters and session reads); credentials no longer uses Redis at all
      for (const process of ['gateway'] as const) {
        const metrics = await http('GET', `http://127.0.0.1:${sys.metricsPorts[process]}/metrics`);
        expect({ process, open: /^redis_circuit_breaker_open(\{[^}]*\})? 1$/m.test(metrics.text) }).toEqual({
          process,
          open: true,
        });
      }
    } finally {
      redis.resume();
    }
    const during = load.seen.slice(before);
    await sleep(2500); // the breakers probe Redis back
    const after = load.seen.length;
    await sleep(500);
    await load.stop();
    const recovered = load.seen.slice(after);

    console.log(
      `Redis SIGSTOP 4 s: ${during.length} valid requests during the stall, p50 ${median(during.map((s) => s.ms)).toFixed(1)} ms; before: p50 ${median(load.seen.slice(0, before).map((s) => s.ms)).toFixed(1)} ms`,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((s) => s.status !== 200)).toEqual([]);
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered.every((s) => s.status === 200)).toBe(true);
    // fail closed: once the shared counter is known to be unavailable, a bad secret is refused with 429
    expect(bad.length).toBeGreaterThan(5);
    expect(bad.slice(3).every((s) => s === 429)).toBe(true);
    expect(bad.every((s) => s === 401 || s === 429)).toBe(true);
    // collapsed: a few lines per process (breaker open, collapsed counts, breaker closed), not one per request
    const lines = redisLines(sys.output()).slice(linesBefore);
    expect(lines.length).toBeLessThan(20);
    expect(lines.length).toBeLessThan(during.length + bad.length);
    expect(lines.some((l) => /circuit opened/.test(l))).toBe(true);
  }, 60000);

  it('a killed Redis: requests keep succeeding on the fallback and the system recovers when Redis is back', async () => {
    await redis.stop();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await t.scim('GET', '/Users?count=1')).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect((await http('GET', `${t.baseUrl}/Users`, { token: t.token + 'x' })).status).toBe(429);
    } finally {
      await redis.restart();
    }
    await sleep(2500);
    expect((await t.scim('GET', '/Users?count=1')).status).toBe(200);
    expect((await http('GET', `${t.baseUrl}/Users`, { token: t.token + 'x' })).status).toBe(401); // counted again
  }, 60000);
});

/**
 * Issues #12 and #14 (item 1) end to end: two gateway processes keep verified credentials in memory, and after
 * a rotate or delete call returns the old secrets are refused on every request to every gateway — with Redis
 * stalled (SIGSTOP), killed, or the whole system restarted in between, and with a gateway that stalls itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startRedis, type RedisHandle } from '../support/redis-server.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  gateway: number;
  scheme: 'bearer' | 'basic';
  status: number;
  sentAt: number;
}

describe('revocation with two gateway replicas (Redis-backed)', () => {
  let sys: RunningSystem;
  let redis: RedisHandle;
  let dataDir: string | undefined;
  const env = (r: RedisHandle) => ({ REDIS_URL: r.url, GATEWAY_REPLICAS: '2', LOG_LEVEL: 'error' });

  beforeAll(async () => {
    redis = await startRedis();
    sys = await startSystem(env(redis));
    dataDir = sys.dataDir;
  }, 90000);
  afterAll(async () => {
    redis?.resume();
    await sys?.stop();
    await redis?.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });

  async function connector(name: string) {
    const org = (await admin('POST', '/orgs', { name })).json;
    expect((await admin('PUT', `/orgs/${org.id}/entitlements/enterprise-toolkit`)).status).toBe(200);
    const c = await admin('POST', `/orgs/${org.id}/connectors`, { type: 'okta' });
    expect(c.status).toBe(201);
    return {
      orgId: org.id as string,
      companyId: org.companyId as string,
      id: c.json.id as string,
      token: c.json.scim.bearerToken as string,
      password: c.json.scim.basic.password as string,
    };
  }
  const scimUrl = (gateway: string, orgId: string) => `${gateway}/scim/v2/${orgId}/Users?count=1`;
  const ask = (
    gateway: number,
    c: { orgId: string; companyId: string; token: string; password: string },
    scheme: 'bearer' | 'basic',
  ) =>
    http(
      'GET',
      scimUrl(sys.gatewayUrls[gateway], c.orgId),
      scheme === 'bearer' ? { token: c.token } : { basic: [c.companyId, c.password] },
    );

  /** Both gateways, both schemes, the old secrets, as fast as they answer, until stopped. */
  function hammer(c: { orgId: string; companyId: string; token: string; password: string }) {
    const sent: Sent[] = [];
    let running = true;
    const loops = [0, 1].flatMap((gateway) =>
      (['bearer', 'basic'] as const).map(async (scheme) => {
        while (running) {
          const sentAt = Date.now();
          const r = await ask(gateway, c, scheme);
          sent.push({ gateway, scheme, status: r.status, sentAt });
        }
      }),
    );
    return {
      sent,
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  /** Requests sent after `since` that were let in. */
  const acceptedAfter = (sent: Sent[], since: number) =>
    sent.filter((s) => s.sentAt >= since && s.status !== 401 && s.status !== 429);

  async function warm(c: { orgId: string; companyId: string; token: string; password: string }) {
    // each gateway has verified both secrets (in its memory now, or in today's Redis cache)
    for (const g of [0, 1])
      for (const scheme of ['bearer', 'basic'] as const)
        for (let i = 0; i < 3; i++) expect((await ask(g, c, scheme)).status).toBe(200);
  }

  it('rotation: old secrets refused on both gateways as soon as the call returns, also for requests racing with it', async () => {
    const c = await connector('RotateTwo');
    await warm(c);
    // the gateways answered from memory (no call to the credentials service for a secret they already verified)
    const metrics = await (await fetch(`http://127.0.0.1:${sys.metricsPorts.gateway}/metrics`)).text();
    expect(
      Number(/credential_memory_requests_total\{[^}]*result="hit"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0),
    ).toBeGreaterThan(0);
    const h = hammer(c);
    await sleep(150);
    const rotated = await admin('POST', `/orgs/${c.orgId}/connectors/${c.id}/rotate`);
    const returnedAt = Date.now();
    await sleep(300);
    await h.stop();
    expect(rotated.status).toBe(200);
    expect(h.sent.filter((s) => s.sentAt >= returnedAt).length).toBeGreaterThan(0);
    expect(h.sent.filter((s) => s.sentAt < returnedAt && s.status === 200).length).toBeGreaterThan(0); // the old secrets did work until then
    expect(acceptedAfter(h.sent, returnedAt)).toEqual([]);
    const fresh = { ...c, token: rotated.json.scim.bearerToken, password: rotated.json.scim.basic.password };
    for (const g of [0, 1]) {
      expect((await ask(g, fresh, 'bearer')).status).toBe(200);
      expect((await ask(g, fresh, 'basic')).status).toBe(200);
    }
  });

  it('Redis stalled (SIGSTOP) around rotate: the old secrets stay refused, before and after Redis resumes', async () => {
    const c = await connector('RotateRedisStalled');
    await warm(c);
    const h = hammer(c);
    await sleep(100);
    redis.pause();
    let returnedAt = Infinity;
    try {
      const rotated = await admin('POST', `/orgs/${c.orgId}/connectors/${c.id}/rotate`);
      returnedAt = Date.now();
      expect(rotated.status).toBe(200);
      await sleep(500);
    } finally {
      redis.resume();
    }
    await sleep(2000); // whatever was pending against Redis has now happened
    await h.stop();
    expect(h.sent.filter((s) => s.sentAt >= returnedAt).length).toBeGreaterThan(0);
    expect(acceptedAfter(h.sent, returnedAt)).toEqual([]);
  }, 60000);

  it('Redis killed around rotate, then back (empty): the old secrets stay refused', async () => {
    const c = await connector('RotateRedisKilled');
    await warm(c);
    await redis.stop();
    const rotated = await admin('POST', `/orgs/${c.orgId}/connectors/${c.id}/rotate`);
    const returnedAt = Date.now();
    expect(rotated.status).toBe(200);
    const h = hammer(c);
    await sleep(300);
    await redis.restart();
    await sleep(1500);
    await h.stop();
    expect(h.sent.length).toBeGreaterThan(0);
    expect(acceptedAfter(h.sent, returnedAt)).toEqual([]);
  }, 60000);

  it('deleting a connector: its secrets refused on both gateways as soon as the call returns', async () => {
    const c = await connector('DeleteTwo');
    await warm(c);
    const h = hammer(c);
    await sleep(100);
    const deleted = await admin('DELETE', `/orgs/${c.orgId}/connectors/${c.id}`);
    const returnedAt = Date.now();
    await sleep(300);
    await h.stop();
    expect(deleted.status).toBe(204);
    expect(h.sent.filter((s) => s.sentAt >= returnedAt).length).toBeGreaterThan(0);
    expect(acceptedAfter(h.sent, returnedAt)).toEqual([]);
  });

  it('a gateway stalled during the rotation: the rotation returns, and the stalled gateway refuses the old secrets when it resumes', async () => {
    const c = await connector('RotateGatewayStalled');
    await warm(c);
    const port = new URL(sys.gatewayUrls[1]).port;
    const pid = sys.childPids().find((p) => {
      try {
        return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`PORT=${port}`);
      } catch {
        return false;
      }
    });
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGSTOP');
    let rotated;
    try {
      rotated = await admin('POST', `/orgs/${c.orgId}/connectors/${c.id}/rotate`);
    } finally {
      process.kill(pid!, 'SIGCONT');
    }
    expect(rotated.status).toBe(200);
    // the very first requests the resumed gateway serves, on both schemes
    const first = await Promise.all([ask(1, c, 'bearer'), ask(1, c, 'basic'), ask(1, c, 'bearer'), ask(1, c, 'basic')]);
    expect(first.map((r) => r.status).filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const fresh = { ...c, token: rotated.json.scim.bearerToken, password: rotated.json.scim.basic.password };
    expect((await ask(1, fresh, 'bearer')).status).toBe(200);
  }, 60000);

  it('Redis stalled → rotate → the whole system restarted → Redis resumes: the old secrets stay refused', async () => {
    const c = await connector('RotateRestart');
    await warm(c);
    redis.pause();
    let rotated;
    try {
      rotated = await admin('POST', `/orgs/${c.orgId}/connectors/${c.id}/rotate`);
      expect(rotated.status).toBe(200);
      await sys.stop();
    } finally {
      redis.resume();
    }
    sys = await startSystem(env(redis), dataDir);
    const restartedAt = Date.now();
    const h = hammer(c);
    await sleep(2000);
    await h.stop();
    expect(h.sent.length).toBeGreaterThan(0);
    expect(acceptedAfter(h.sent, restartedAt)).toEqual([]);
    const fresh = { ...c, token: rotated.json.scim.bearerToken, password: rotated.json.scim.basic.password };
    for (const g of [0, 1]) expect((await ask(g, fresh, 'bearer')).status).toBe(200);
  }, 120000);
});

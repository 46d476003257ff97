/**
 * What an operator relies on, on the five processes as `npm start` runs them: the access log and security events,
 * one request followed across the five processes by its W3C trace id, the headers every response carries, slow
 * clients closed, the admin-token file's mode, and readiness that survives a missing service.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

type Line = Record<string, any>;

describe('operations', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  const lines = (): Line[] =>
    sys
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
  const settle = () => new Promise((r) => setTimeout(r, 300));

  beforeAll(async () => {
    sys = await startSystem({
      LOG_LEVEL: 'debug',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      AUTH_FAILURES_PER_CLIENT_PER_MINUTE: '3',
      HEALTH_CHECK_INTERVAL_MS: '200',
    });
    t = await newScimTenant(sys, 'Operations');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('creates the admin-token file readable by its owner only', () => {
    expect((statSync(join(sys.dataDir, 'admin-token')).mode & 0o777).toString(8)).toBe('600');
  });

  it('writes one access line per request: method, route pattern, status, duration, tenant, request id; no secret', async () => {
    const id = 'access-0123456789';
    const res = await http(
      'GET',
      `${t.baseUrl}/Users?count=1&filter=${encodeURIComponent('userName eq "secret.person@example.com"')}`,
      { token: t.token, headers: { 'x-request-id': id } },
    );
    expect(res.status).toBe(200);
    await settle();
    const access = lines().filter((l) => l.msg === 'request' && l.requestId === id);
    expect(access).toEqual([
      expect.objectContaining({
        service: 'gateway',
        level: 'info',
        method: 'GET',
        route: '/scim/v2/:org/:resource',
        status: 200,
        tenant: t.orgId,
        ms: expect.any(Number),
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      }),
    ]);
    // (npm start's own banner prints the admin token for local use; the processes' logs never do.)
    const logged = lines()
      .map((l) => JSON.stringify(l))
      .join('\n');
    for (const secret of [t.token, t.password, sys.adminToken, 'secret.person@example.com'])
      expect(logged).not.toContain(secret);
  });

  it('logs security events at warn: authentication failures with a reason, a rate-limit trip, rotation and deletion', async () => {
    for (let i = 0; i < 5; i++) await http('GET', `${t.baseUrl}/Users`, { token: `wrong-${i}` });
    await http('GET', `${t.baseUrl}/Users`);
    await http('GET', `${sys.url}/admin/v1/orgs`, { token: 'not-the-admin-token' });
    await http('GET', `${sys.url}/api/v1/me`, { token: 'scimgw_ses_forged-session' });
    await http('GET', `${sys.url}/api/v1/me`); // no session at all: an ordinary 401, not an event
    const other = await newScimTenant(sys, 'Rotated', 'generic');
    const c = {
      json: { id: other.connectorId, scim: { bearerToken: other.token, basic: { password: other.password } } },
    };
    const rotated = await other.admin('POST', `/orgs/{org}/connectors/${c.json.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect((await other.admin('DELETE', `/orgs/{org}/connectors/${c.json.id}`)).status).toBe(204);
    await settle();
    const security = lines().filter((l) => l.event === 'security');
    for (const e of security) expect(e.level).toBe('warn');
    const scimFailures = security.filter((e) => e.type === 'auth.failure' && e.surface === 'scim');
    // 3 failures, then the client limit trips (logged once) and the rest answer 429 without a line each.
    expect(scimFailures.map((e) => e.reason)).toEqual([
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
    ]);
    expect(security.filter((e) => e.type === 'rate_limit.tripped')).toEqual([
      expect.objectContaining({ limit: 'auth_failures_per_client', tenant: t.orgId }),
    ]);
    expect(security).toContainEqual(
      expect.objectContaining({ type: 'auth.failure', surface: 'admin', reason: 'invalid_admin_token' }),
    );
    expect(security.filter((e) => e.surface === 'session')).toEqual([
      expect.objectContaining({ type: 'auth.failure', reason: 'session_not_found', route: '/api/v1/me' }),
    ]);
    expect(security).toContainEqual(
      expect.objectContaining({ type: 'credentials.rotated', tenant: other.orgId, connectorId: c.json.id }),
    );
    expect(security).toContainEqual(
      expect.objectContaining({ type: 'connector.deleted', tenant: other.orgId, connectorId: c.json.id }),
    );
    const out = sys.output();
    for (const secret of [
      'wrong-0',
      'not-the-admin-token',
      'scimgw_ses_forged-session',
      c.json.scim.bearerToken,
      c.json.scim.basic.password,
      rotated.json.scim.bearerToken,
    ])
      expect(out).not.toContain(secret);
  });

  it('carries the caller’s traceparent through gRPC: one request followed across the five processes', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const admin = (method: string, path: string, body?: unknown) =>
      http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
    const org = await admin('POST', '/orgs', { name: 'Traced' });
    await admin('PUT', `/orgs/${org.json.id}/entitlements/enterprise-toolkit`);
    const res = await http('POST', `${sys.url}/admin/v1/orgs/${org.json.id}/connectors`, {
      token: sys.adminToken,
      body: { type: 'entra' },
      contentType: 'application/json',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(201);
    await settle();
    const traced = lines().filter((l) => l.traceId === traceId);
    expect([...new Set(traced.map((l) => l.service))].sort()).toEqual([
      'credentials',
      'directory',
      'entitlement',
      'gateway',
      'identity',
    ]);
    // Each process logs a span of its own within the one trace.
    for (const l of traced) expect(l.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(traced.some((l) => l.spanId === '00f067aa0ba902b7')).toBe(false);
  });

  it('sends nosniff on every response, no-store where secrets or sessions travel, no HSTS on an http PUBLIC_URL', async () => {
    const fresh = await newScimTenant(sys, 'Headers');
    const answers = [
      await fresh.admin('GET', `/orgs/{org}/connectors/${fresh.connectorId}`),
      await fresh.admin('POST', `/orgs/{org}/connectors/${fresh.connectorId}/rotate`),
      await t.scim('GET', '/Users'),
      await http('GET', `${t.baseUrl}/Users`),
      await http('GET', `${sys.url}/healthz`),
      await http('GET', `${sys.url}/nowhere`),
      await http('GET', `${sys.url}/oidc/login`),
      await http('GET', `${sys.url}/api/v1/me`),
    ];
    for (const a of answers) {
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      expect(a.headers.get('cache-control')).toBe('no-store');
      expect(a.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('closes a client that sends its headers too slowly (slowloris)', async () => {
    const { port } = new URL(sys.url);
    const closed = await new Promise<{ closed: boolean; answer: string }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '),
      );
      let answer = '';
      // Keeps trickling one header byte at a time, far below any sane rate, until the server hangs up.
      const trickle = setInterval(() => socket.writable && socket.write('a'), 200);
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('close', () => {
        clearInterval(trickle);
        resolve({ closed: true, answer });
      });
      socket.on('error', () => undefined);
    });
    expect(closed.closed).toBe(true);
    expect(closed.answer).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it('stays ready while a service is missing, answering 503 + Retry-After only on the routes that need it', async () => {
    const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(sys.supervisor.pid)], { encoding: 'utf8' });
    const pid = Number(
      ps
        .split('\n')
        .find((l) => l.includes('entitlement/src/main.js'))!
        .trim()
        .split(/\s+/)[0],
    );
    process.kill(pid, 'SIGSTOP');
    try {
      let ready: Awaited<ReturnType<typeof http>>;
      const deadline = Date.now() + 15000;
      do {
        await new Promise((r) => setTimeout(r, 200));
        ready = await http('GET', `${sys.url}/readyz`);
      } while (ready.json?.services?.entitlement === 'SERVING' && Date.now() < deadline);
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({
        status: 'degraded',
        services: { entitlement: 'UNREACHABLE', directory: 'SERVING' },
        unavailable: { scim: ['entitlement'] },
      });
      const scim = await t.scim('GET', '/Users');
      expect(scim.status).toBe(503);
      expect(scim.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(scim.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
      expect(scim.json.detail).toContain('entitlement');
      // The admin API does not need the entitlement service for this.
      expect((await t.admin('GET', '/orgs/{org}/users')).status).toBe(200);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const deadline = Date.now() + 15000;
    let back: Awaited<ReturnType<typeof http>>;
    do {
      await new Promise((r) => setTimeout(r, 200));
      back = await http('GET', `${sys.url}/readyz`);
    } while (back.json?.status !== 'ready' && Date.now() < deadline);
    expect(back.json.status).toBe('ready');
    expect((await t.scim('GET', '/Users')).status).toBe(200);
  }, 60000);
});

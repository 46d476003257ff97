/** Issue #3 end to end: entitlement, connectors, credentials, rotation, isolation, limits, activity. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRedis, type RedisHandle } from '../support/redis-server.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';

const user = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'Grace', familyName: 'Hopper' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
});

describe('Organization Setup end to end (Redis-backed)', () => {
  let sys: RunningSystem;
  let redis: RedisHandle;
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sys = await startSystem({ REDIS_URL: redis.url, LOG_LEVEL: 'info', AUTH_FAILURES_PER_CLIENT_PER_MINUTE: '8' });
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
    await redis?.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
  async function newOrg(name: string, toolkit = true) {
    const org = (await admin('POST', '/orgs', { name })).json;
    if (toolkit) expect((await admin('PUT', `/orgs/${org.id}/entitlements/enterprise-toolkit`)).status).toBe(200);
    return org;
  }
  async function newConnector(orgId: string, type = 'okta') {
    const res = await admin('POST', `/orgs/${orgId}/connectors`, { type });
    expect(res.status).toBe(201);
    secretsSeen.push(res.json.scim.bearerToken, res.json.scim.basic.password);
    return res.json;
  }

  it('refuses a connector without the Enterprise Toolkit, pointing to the Billing page', async () => {
    const org = await newOrg('NoToolkit', false);
    const res = await admin('POST', `/orgs/${org.id}/connectors`, { type: 'okta' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('entitlement_required');
    expect(res.json.error.message).toMatch(/Billing page/);
    expect((await admin('GET', `/orgs/${org.id}/connectors`)).json.connectors).toEqual([]);
    expect((await admin('POST', `/orgs/${org.id}/connectors`, { type: 'ldap' })).status).toBe(400);
    expect((await admin('POST', `/orgs/nonexistent/connectors`, { type: 'okta' })).status).toBe(404);
  });

  it('creates okta, entra and generic connectors; secrets are shown once, then only their last four characters', async () => {
    for (const type of ['okta', 'entra', 'generic']) {
      const org = await newOrg(`Org-${type}`);
      const c = await newConnector(org.id, type);
      expect(c).toMatchObject({
        type,
        enabled: true,
        scim: { baseUrl: expect.stringContaining(org.id), basic: { username: org.companyId } },
      });
      const shown = (await admin('GET', `/orgs/${org.id}/connectors/${c.id}`)).json;
      expect(shown.scim.bearerToken).toBeUndefined();
      expect(shown.scim.basic.password).toBeUndefined();
      expect(shown.scim.bearerTokenLast4).toBe(c.scim.bearerToken.slice(-4));
      expect(shown.scim.basic.passwordLast4).toBe(c.scim.basic.password.slice(-4));
      expect(JSON.stringify(shown)).not.toContain(c.scim.bearerToken);
      // both authentication modes work
      expect((await http('GET', `${c.scim.baseUrl}/Users`, { token: c.scim.bearerToken })).status).toBe(200);
      expect(
        (await http('GET', `${c.scim.baseUrl}/Users`, { basic: [org.companyId, c.scim.basic.password] })).status,
      ).toBe(200);
    }
  });

  it('rotation: old secrets refused as soon as the call returns, also for requests racing with it', async () => {
    const org = await newOrg('Rotate');
    const c = await newConnector(org.id);
    const old = c.scim.bearerToken;
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token: old })).status).toBe(200); // cached now
    // keep requests with the old token in flight while rotating
    let rotatedAt = 0;
    const results: Array<{ status: number; sentAt: number }> = [];
    let running = true;
    const hammer = (async () => {
      while (running) {
        const sentAt = Date.now();
        const r = await http('GET', `${c.scim.baseUrl}/Users?count=1`, { token: old });
        results.push({ status: r.status, sentAt });
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const rotated = await admin('POST', `/orgs/${org.id}/connectors/${c.id}/rotate`);
    rotatedAt = Date.now();
    secretsSeen.push(rotated.json.scim.bearerToken, rotated.json.scim.basic.password);
    await new Promise((r) => setTimeout(r, 150));
    running = false;
    await hammer;
    expect(rotated.status).toBe(200);
    expect(rotated.json.notice).toMatch(/identity provider/);
    expect(rotated.json.scim.bearerToken).not.toBe(old);
    const after = results.filter((r) => r.sentAt >= rotatedAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect([401, 429]).toContain(
      (await http('GET', `${c.scim.baseUrl}/Users`, { basic: [org.companyId, c.scim.basic.password] })).status,
    );
    // the new token works at once, even though this client has just failed many times (no lock-out after rotation)
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token: rotated.json.scim.bearerToken })).status).toBe(200);
  });

  it('a credential works only on its own tenant, and reveals nothing about the other', async () => {
    const a = await newOrg('TenantA');
    const b = await newOrg('TenantB');
    const ca = await newConnector(a.id);
    const cb = await newConnector(b.id);
    expect(
      (await http('POST', `${ca.scim.baseUrl}/Users`, { token: ca.scim.bearerToken, body: user('shared@x.example') }))
        .status,
    ).toBe(201);
    const cross = await http('GET', `${cb.scim.baseUrl}/Users`, { token: ca.scim.bearerToken });
    expect(cross.status).toBe(401);
    const unknown = await http('GET', `${sys.url}/scim/v2/nosuchorg/Users`, { token: ca.scim.bearerToken });
    expect(unknown.status).toBe(401);
    expect(unknown.json.detail).toBe(cross.json.detail);
    // same userName in another tenant is no conflict
    expect(
      (await http('POST', `${cb.scim.baseUrl}/Users`, { token: cb.scim.bearerToken, body: user('shared@x.example') }))
        .status,
    ).toBe(201);
    const listB = await http('GET', `${cb.scim.baseUrl}/Users`, { token: cb.scim.bearerToken });
    expect(listB.json.totalResults).toBe(1);
  });

  it('disabling provisioning answers 403; enabling restores it; deleting revokes the credentials', async () => {
    const org = await newOrg('Toggle');
    const c = await newConnector(org.id);
    const token = c.scim.bearerToken;
    expect((await http('POST', `${c.scim.baseUrl}/Users`, { token, body: user('toggle@x.example') })).status).toBe(201);
    const provisioned = (await admin('GET', `/orgs/${org.id}/users`)).json.users[0];
    expect(provisioned).toMatchObject({ provisioned: true, editable: false });
    const refused = await admin('PATCH', `/orgs/${org.id}/users/${provisioned.id}`, { role: 'Admin' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('user_read_only');
    expect((await admin('PATCH', `/orgs/${org.id}/connectors/${c.id}`, { enabled: false })).json.enabled).toBe(false);
    // provisioning off: provisioned users become editable in the admin API
    const edited = await admin('PATCH', `/orgs/${org.id}/users/${provisioned.id}`, { role: 'Admin' });
    expect(edited.json).toMatchObject({ role: 'Admin', access: 'web', editable: true });
    expect((await admin('PATCH', `/orgs/${org.id}/users/${provisioned.id}`, { role: 'Overlord' })).status).toBe(400);
    const off = await http('GET', `${c.scim.baseUrl}/Users`, { token });
    expect(off.status).toBe(403);
    expect(off.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403' });
    expect((await admin('PATCH', `/orgs/${org.id}/connectors/${c.id}`, { enabled: true })).json.enabled).toBe(true);
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).json.totalResults).toBe(1);
    expect((await admin('DELETE', `/orgs/${org.id}/connectors/${c.id}`)).status).toBe(204);
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).status).toBe(401);
  });

  it('entitlement off: SCIM answers 403 with a SCIM body; back on: everything is still there', async () => {
    const org = await newOrg('Billing');
    const c = await newConnector(org.id);
    const token = c.scim.bearerToken;
    expect((await http('POST', `${c.scim.baseUrl}/Users`, { token, body: user('kept@x.example') })).status).toBe(201);
    expect((await admin('DELETE', `/orgs/${org.id}/entitlements/enterprise-toolkit`)).json.enabled).toBe(false);
    await new Promise((r) => setTimeout(r, 1100)); // other replicas: within one second
    const off = await http('GET', `${c.scim.baseUrl}/Users`, { token });
    expect(off.status).toBe(403);
    expect(off.json).toMatchObject({ status: '403', detail: expect.stringMatching(/Enterprise Toolkit/) });
    const ents = await admin('GET', `/orgs/${org.id}/entitlements`);
    expect(ents.json.entitlements).toEqual([expect.objectContaining({ name: 'enterprise-toolkit', enabled: false })]);
    expect((await admin('PUT', `/orgs/${org.id}/entitlements/enterprise-toolkit`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const back = await http('GET', `${c.scim.baseUrl}/Users?filter=userName%20eq%20%22kept@x.example%22`, { token });
    expect(back.json.totalResults).toBe(1);
    expect((await admin('PUT', `/orgs/${org.id}/entitlements/premium-support`)).status).toBe(400);
  });

  it('rate-limits failed authentication with 429 and Retry-After; every 401 carries WWW-Authenticate and a SCIM body', async () => {
    const org = await newOrg('Limits');
    const c = await newConnector(org.id);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await http('GET', `${c.scim.baseUrl}/Users`, { token: 'scimgw_tok_guess' + i });
      statuses.push(r.status);
      if (r.status === 401) {
        expect(r.headers.get('www-authenticate')).toMatch(/Bearer/);
        expect(r.json).toMatchObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '401',
          detail: expect.any(String),
        });
      } else {
        expect(r.status).toBe(429);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 8).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(9)).toEqual([429, 429, 429]);
    // a valid credential is never locked out by failures of others
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token: c.scim.bearerToken })).status).toBe(200);
  });

  it('keeps authenticating while Redis is down, and after it comes back', async () => {
    const org = await newOrg('RedisOutage');
    const c = await newConnector(org.id);
    const token = c.scim.bearerToken;
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).status).toBe(200);
    await redis.stop();
    try {
      expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).status).toBe(200);
      // the shared failure counter cannot be read: a bad secret is refused with 429 (fail closed), a good one gets in
      const bad = await http('GET', `${c.scim.baseUrl}/Users`, { token: token + 'x' });
      expect(bad.status).toBe(429);
      expect(Number(bad.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).status).toBe(200);
      // a secret no gateway has seen yet is verified against the store: Redis is not on that path
      const other = await newConnector((await newOrg('RedisOutageNew')).id);
      expect((await http('GET', `${other.scim.baseUrl}/Users`, { token: other.scim.bearerToken })).status).toBe(200);
    } finally {
      await redis.restart();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await http('GET', `${c.scim.baseUrl}/Users`, { token })).status).toBe(200);
  });

  it('records SCIM writes, credential and entitlement events in the activity log, newest first, filterable; no secret anywhere', async () => {
    const org = await newOrg('Audit');
    const c = await newConnector(org.id);
    const created = await http('POST', `${c.scim.baseUrl}/Users`, {
      token: c.scim.bearerToken,
      body: user('audited@x.example'),
    });
    expect(created.status).toBe(201);
    const rotated = await admin('POST', `/orgs/${org.id}/connectors/${c.id}/rotate`);
    secretsSeen.push(rotated.json.scim.bearerToken, rotated.json.scim.basic.password);
    const log = await admin('GET', `/orgs/${org.id}/activity`);
    expect(log.status).toBe(200);
    const actions = log.json.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'org.create',
        'entitlement.grant',
        'connector.create',
        'credentials.create',
        'user.create',
        'credentials.rotate',
      ]),
    );
    expect(actions.indexOf('credentials.rotate')).toBeLessThan(actions.indexOf('user.create'));
    const userEntry = log.json.entries.find((e: { action: string }) => e.action === 'user.create');
    expect(userEntry).toMatchObject({
      actor: `connector:${c.id}`,
      outcome: 'success',
      resource: { type: 'User', id: created.json.id, name: 'audited@x.example' },
      requestId: expect.any(String),
    });
    const onlyCreds = await admin('GET', `/orgs/${org.id}/activity?action=credentials.`);
    expect(onlyCreds.json.entries.every((e: { action: string }) => e.action.startsWith('credentials.'))).toBe(true);
    const paged = await admin('GET', `/orgs/${org.id}/activity?limit=2`);
    expect(paged.json.entries).toHaveLength(2);
    const next = await admin('GET', `/orgs/${org.id}/activity?limit=2&pageToken=${paged.json.nextPageToken}`);
    expect(next.json.entries[0].id < paged.json.entries[1].id).toBe(true);
    const future = await admin('GET', `/orgs/${org.id}/activity?since=2999-01-01T00:00:00Z`);
    expect(future.json.entries).toEqual([]);
    expect((await admin('GET', `/orgs/${org.id}/activity?since=yesterday`)).status).toBe(400);
    // A repeated query parameter is refused in the admin API's error format, not joined into one value.
    const twice = await admin('GET', `/orgs/${org.id}/activity?action=credentials.&action=user.`);
    expect([twice.status, twice.json.error.code, twice.json.error.message]).toEqual([
      400,
      'invalid_request',
      '"action" must be given once, as a plain value',
    ]);
    expect((await admin('GET', `/orgs/${org.id}/activity?since=a&since=b`)).status).toBe(400);
    const all = JSON.stringify(log.json) + sys.output();
    for (const s of secretsSeen) expect(all).not.toContain(s);
  });
});

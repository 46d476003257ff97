import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { http, isAlive, startSystem, type RunningSystem } from '../support/system.js';

describe('the whole system as `npm start` runs it', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem();
  }, 90000);
  afterAll(async () => {
    if (sys) await sys.stop('SIGKILL');
  });

  it('runs five processes, ready, and serves one real request through every service; SIGTERM leaves nothing', async () => {
    const pids = sys.childPids();
    expect(pids).toHaveLength(5);
    expect((await http('GET', `${sys.url}/healthz`)).status).toBe(200);
    const ready = await http('GET', `${sys.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json.services).toEqual({
      directory: 'SERVING',
      credentials: 'SERVING',
      entitlement: 'SERVING',
      identity: 'SERVING',
    });

    const admin = (method: string, path: string, body?: unknown) =>
      http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
    expect((await http('GET', `${sys.url}/admin/v1/orgs`)).status).toBe(401);

    const org = await admin('POST', '/orgs', { name: 'Acme' });
    expect(org.status).toBe(201);
    expect(org.json).toMatchObject({ name: 'Acme', id: expect.any(String), companyId: expect.any(String) });
    expect((await admin('PUT', `/orgs/${org.json.id}/entitlements/enterprise-toolkit`)).status).toBe(200);
    const conn = await admin('POST', `/orgs/${org.json.id}/connectors`, { type: 'okta' });
    expect(conn.status).toBe(201);
    const { scim, oidc } = conn.json;
    expect(scim.baseUrl).toBe(`${sys.url}/scim/v2/${org.json.id}`);
    expect(scim.baseUrl).not.toContain('_');
    expect(scim.bearerToken).toMatch(/^scimgw_tok_/);
    expect(scim.basic).toMatchObject({ username: org.json.companyId, password: expect.stringMatching(/^scimgw_key_/) });
    expect(oidc.redirectUris.length).toBeGreaterThanOrEqual(2);

    const scimReq = (method: string, path: string, body?: unknown) =>
      http(method, `${scim.baseUrl}${path}`, { token: scim.bearerToken, body });
    const none = await scimReq('GET', '/Users?filter=userName%20eq%20%22ada@acme.example%22');
    expect(none.status).toBe(200);
    expect(none.json).toMatchObject({ totalResults: 0, itemsPerPage: 0, startIndex: 1 });

    const created = await scimReq('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@acme.example',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@acme.example', type: 'work', primary: true }],
      active: true,
      password: 'not-stored-1!',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    expect(created.headers.get('location')).toBe(`${scim.baseUrl}/Users/${created.json.id}`);
    expect(created.json).toMatchObject({
      userName: 'ada@acme.example',
      active: true,
      meta: { resourceType: 'User', location: `${scim.baseUrl}/Users/${created.json.id}` },
    });
    expect(created.json.password).toBeUndefined();

    const read = await scimReq('GET', `/Users/${created.json.id}`);
    expect(read.status).toBe(200);
    expect(read.json.id).toBe(created.json.id);

    const found = await scimReq('GET', '/Users?filter=userName%20eq%20%22ADA@ACME.example%22');
    expect(found.json).toMatchObject({ totalResults: 1, Resources: [{ id: created.json.id }] });

    const bad = await http('GET', `${scim.baseUrl}/Users`, { token: 'scimgw_tok_wrong' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('Bearer');
    expect(bad.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    expect((await http('GET', `${scim.baseUrl}/Users`)).status).toBe(401);

    expect(await sys.stop('SIGTERM')).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('keeps the data across a restart', async () => {
    // the previous test stopped the system; start it again on the same data directory
    const again = await startSystem({}, sys.dataDir);
    try {
      const orgs = await http('GET', `${again.url}/admin/v1/orgs`, { token: again.adminToken });
      expect(orgs.status).toBe(200);
      expect(orgs.json.orgs.map((o: { name: string }) => o.name)).toContain('Acme');
    } finally {
      const pids = again.childPids();
      expect(await again.stop('SIGINT')).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(pids.filter(isAlive)).toEqual([]);
    }
  }, 90000);
});

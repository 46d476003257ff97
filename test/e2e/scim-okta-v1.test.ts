/**
 * Okta's SCIM 1.1 apps ("SCIM 1.1 Header Auth"): the sequences of Okta's SCIM 1.1 reference replayed against
 * the running system on the connector's v1BaseUrl, and the same users and groups read back over SCIM 2.0.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const V1 = 'urn:scim:schemas:core:1.0';
const V1_ENT = 'urn:scim:schemas:extension:enterprise:1.0';
const V2_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const V2_ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const V2_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

// What Okta's SCIM 1.1 apps send on create (OKTA-11), password and groups included.
const oktaV1User = (userName: string, given = 'Test', family = 'User') => ({
  schemas: [V1],
  userName,
  name: { givenName: given, familyName: family },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: `${given} ${family}`,
  locale: 'en_US',
  externalId: `00b${Math.random().toString(36).slice(2, 12)}`,
  groups: [],
  password: '1mz050nq',
  active: true,
});

describe('Okta SCIM 1.1 Header Auth against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  let v1BaseUrl: string;
  // Okta's Header Auth app: the token bare in Authorization, JSON bodies, Okta's user agent
  const v1 = (method: string, path: string, body?: unknown) =>
    http(method, `${v1BaseUrl}${path}`, {
      body,
      headers: {
        authorization: t.token,
        'user-agent': 'Okta SCIM Client 1.0.0',
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });

  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Okta 1.1 Corp', 'okta-scim11');
    const c = await t.admin('GET', `/orgs/{org}/connectors/${t.connectorId}`);
    v1BaseUrl = c.json.scim.v1BaseUrl;
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('shows both base URLs on the connector (type okta-scim11), with the same credentials', async () => {
    const c = await t.admin('GET', `/orgs/{org}/connectors/${t.connectorId}`);
    expect(c.json).toMatchObject({
      type: 'okta-scim11',
      scim: { baseUrl: `${sys.url}/scim/v2/${t.orgId}`, v1BaseUrl: `${sys.url}/scim/v1/${t.orgId}` },
    });
    // bare, Bearer and Basic all authenticate on the 1.1 URL; without credentials: a 1.1 error with 401
    expect((await v1('GET', '/Users?startIndex=1&count=2')).status).toBe(200);
    expect((await http('GET', `${v1BaseUrl}/Users`, { token: t.token })).status).toBe(200);
    expect((await http('GET', `${v1BaseUrl}/Users`, { basic: [t.companyId, t.password] })).status).toBe(200);
    const anon = await http('GET', `${v1BaseUrl}/Users`);
    expect(anon.status).toBe(401);
    expect(anon.json).toEqual({ Errors: [{ description: expect.any(String), code: '401' }] });
    const wrong = await http('GET', `${v1BaseUrl}/Users`, { headers: { authorization: 'not-the-token' } });
    expect(wrong.status).toBe(401);
    // a bare token is a SCIM 1.1 convention only
    expect((await http('GET', `${t.baseUrl}/Users`, { headers: { authorization: t.token } })).status).toBe(401);
  });

  it('passes the connection test with 1.1 ListResponses', async () => {
    const users = await v1('GET', '/Users?startIndex=1&count=2');
    expect(users.status).toBe(200);
    expect(users.json).toEqual({ schemas: [V1], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const groups = await v1('GET', '/Groups?startIndex=1&count=100');
    expect(groups.status).toBe(200);
    expect(groups.json).toMatchObject({ schemas: [V1], totalResults: 0, startIndex: 1 });
  });

  it('looks up, creates, refuses the duplicate, and is the same user over SCIM 2.0', async () => {
    const body = {
      ...oktaV1User('test.user@okta.local'),
      schemas: [V1, V1_ENT],
      [V1_ENT]: { department: 'R&D', employeeNumber: '7' },
    };
    const look = await v1('GET', `/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100`);
    expect(look.json).toMatchObject({ schemas: [V1], totalResults: 0 });
    const created = await v1('POST', '/Users', body);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      schemas: [V1, V1_ENT],
      userName: body.userName,
      name: body.name,
      emails: body.emails,
      active: true,
      externalId: body.externalId,
      [V1_ENT]: { department: 'R&D', employeeNumber: '7' },
    });
    expect(created.json.password).toBeUndefined();
    expect(created.json.meta).toMatchObject({
      created: expect.any(String),
      lastModified: expect.any(String),
      version: expect.any(String),
      location: `${v1BaseUrl}/Users/${created.json.id}`,
    });
    expect(created.json.meta.resourceType).toBeUndefined();
    expect(created.headers.get('location')).toBe(`${v1BaseUrl}/Users/${created.json.id}`);

    const found = await v1('GET', `/Users?filter=userName%20eq%20%22TEST.USER%40okta.local%22&startIndex=1&count=100`);
    expect(found.json.totalResults).toBe(1);
    expect(found.json.Resources[0].id).toBe(created.json.id);
    const qualified = await v1(
      'GET',
      `/Users?filter=${encodeURIComponent(`${V1}:userName eq "test.user@okta.local" and ${V1_ENT}:department eq "R&D"`)}`,
    );
    expect(qualified.json.totalResults).toBe(1);

    const dup = await v1('POST', '/Users', body);
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({ Errors: [{ description: expect.stringMatching(/already exists/), code: '409' }] });
    const missing = await v1('GET', '/Users/010101001010101011001010101011');
    expect(missing.status).toBe(404);
    expect(missing.json.Errors[0].code).toBe('404');

    const v2 = await t.scim('GET', `/Users/${created.json.id}`);
    expect(v2.status).toBe(200);
    expect(v2.json).toMatchObject({
      schemas: [V2_USER, V2_ENT],
      id: created.json.id,
      userName: body.userName,
      [V2_ENT]: { department: 'R&D' },
      meta: { resourceType: 'User' },
    });
    // and the other way round: a 2.0 user reads in 1.1
    const v2made = await t.scim('POST', '/Users', {
      schemas: [V2_USER],
      userName: 'made.in.v2@okta.local',
      name: { givenName: 'Two', familyName: 'Oh' },
      emails: [{ value: 'made.in.v2@okta.local' }],
    });
    const asV1 = await v1('GET', `/Users/${v2made.json.id}`);
    expect(asV1.json).toMatchObject({ schemas: [V1], userName: 'made.in.v2@okta.local', active: true });

    // the refused duplicate is in the activity log, with its status and reason and without the password
    const log = (await t.admin('GET', '/orgs/{org}/activity?action=user.create&limit=50')).json.entries;
    const refused = log.find((e: { outcome: string }) => e.outcome === 'failure');
    expect(refused).toMatchObject({
      action: 'user.create',
      actor: `connector:${t.connectorId}`,
      resource: { type: 'User', name: 'test.user@okta.local' },
      details: { status: 409, scimType: 'uniqueness', reason: expect.stringMatching(/already exists/) },
    });
    expect(JSON.stringify(log)).not.toContain('1mz050nq');
  });

  it('updates with a full PUT after GET; deactivates and reactivates by PATCH and by PUT; 2.0 sees each state', async () => {
    const created = (await v1('POST', '/Users', oktaV1User('jules@okta.local', 'Jules', 'W'))).json;
    const got = (await v1('GET', `/Users/${created.id}`)).json;
    const put = await v1('PUT', `/Users/${created.id}`, {
      ...got,
      name: { givenName: 'Jules', familyName: 'Winnfield' },
      displayName: 'Jules Winnfield',
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      id: created.id,
      name: { givenName: 'Jules', familyName: 'Winnfield' },
      active: true,
    });
    expect(put.json.meta.version).not.toBe(got.meta.version);

    const state = async () => [
      (await v1('GET', `/Users/${created.id}`)).json.active,
      (await t.scim('GET', `/Users/${created.id}`)).json.active,
    ];
    // OIN apps: PATCH with the resource's schemas, id and active
    const off = await v1('PATCH', `/Users/${created.id}`, { schemas: [V1], id: created.id, active: false });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ active: false, name: { familyName: 'Winnfield' } });
    expect(await state()).toEqual([false, false]);
    expect(
      (await v1('PATCH', `/Users/${created.id}`, { schemas: [V1], id: created.id, active: true })).json.active,
    ).toBe(true);
    expect(await state()).toEqual([true, true]);
    // AIW apps: the whole user by PUT
    const current = (await v1('GET', `/Users/${created.id}`)).json;
    expect((await v1('PUT', `/Users/${created.id}`, { ...current, active: false })).json.active).toBe(false);
    expect(await state()).toEqual([false, false]);
    expect((await v1('PUT', `/Users/${created.id}`, { ...current, active: true })).json.active).toBe(true);
    expect(await state()).toEqual([true, true]);
    // the 1.1 PATCH is partial: the name Okta did not send stays
    expect((await v1('GET', `/Users/${created.id}`)).json.displayName).toBe('Jules Winnfield');
    const actions = (await t.admin('GET', '/orgs/{org}/activity?limit=100')).json.entries
      .filter((e: { resource: { id: string } }) => e.resource.id === created.id)
      .map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'user.deactivate')).toHaveLength(2);
    expect(actions.filter((a: string) => a === 'user.reactivate')).toHaveLength(2);
  });

  it('imports page by page in a stable order with integer paging metadata', async () => {
    const t2 = await newScimTenant(sys, 'Okta 1.1 Import', 'okta-scim11');
    const base = (await t2.admin('GET', `/orgs/{org}/connectors/${t2.connectorId}`)).json.scim.v1BaseUrl as string;
    const get = (path: string, body?: unknown) =>
      http(body ? 'POST' : 'GET', `${base}${path}`, {
        body,
        headers: { authorization: t2.token, ...(body ? { 'content-type': 'application/json' } : {}) },
      });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await get('/Users', oktaV1User(`imp${i}@okta.local`))).json.id);
    const seen: string[] = [];
    for (let start = 1; start <= 7; start += 3) {
      const page = await get(`/Users?startIndex=${start}&count=3`);
      expect(page.json).toMatchObject({
        schemas: [V1],
        totalResults: 7,
        startIndex: start,
        itemsPerPage: Math.min(3, 8 - start),
      });
      for (const r of page.json.Resources) expect(r.schemas).toEqual([V1]);
      seen.push(...page.json.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toEqual(ids);
  });

  it('pushes a group, renames it, adds and deletes members, reads it over 2.0, deletes it', async () => {
    const alice = (await v1('POST', '/Users', oktaV1User('alice@okta.local', 'Alice', 'A'))).json;
    const bob = (await v1('POST', '/Users', oktaV1User('bob@okta.local', 'Bob', 'B'))).json;
    expect(
      (await v1('GET', '/Groups?filter=displayName%20eq%20%22Test%20SCIMv1%22&startIndex=1&count=100')).json
        .totalResults,
    ).toBe(0);
    const pushed = await v1('POST', '/Groups', {
      schemas: [V1, 'urn:okta:custom:group:1.0'],
      displayName: 'Test SCIMv1',
      'urn:okta:custom:group:1.0': { description: 'All Users West of the Rockies' },
    });
    expect(pushed.status).toBe(201);
    expect(pushed.json).toMatchObject({
      schemas: [V1, 'urn:okta:custom:group:1.0'],
      displayName: 'Test SCIMv1',
      members: [],
      'urn:okta:custom:group:1.0': { description: 'All Users West of the Rockies' },
    });
    const id = pushed.json.id as string;

    const rename = await v1('PATCH', `/Groups/${id}`, { schemas: [V1], id, displayName: 'Test SCIMv11' });
    expect([200, 204]).toContain(rename.status);
    const add = await v1('PATCH', `/Groups/${id}`, {
      schemas: [V1],
      members: [
        { value: alice.id, display: alice.userName },
        { value: bob.id, display: bob.userName },
      ],
    });
    expect([200, 204]).toContain(add.status);
    let group = (await v1('GET', `/Groups/${id}`)).json;
    expect(group.displayName).toBe('Test SCIMv11');
    expect(group.members.map((m: { value: string }) => m.value).sort()).toEqual([alice.id, bob.id].sort());
    expect(group.members[0].$ref).toBeUndefined();
    // Okta re-sends the rename with each membership update
    await v1('PATCH', `/Groups/${id}`, { schemas: [V1], id, displayName: 'Test SCIMv11' });
    await v1('PATCH', `/Groups/${id}`, {
      schemas: [V1],
      members: [{ value: bob.id, display: bob.userName, operation: 'delete' }],
    });
    group = (await v1('GET', `/Groups/${id}`)).json;
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([alice.id]);
    const v2 = await t.scim('GET', `/Groups/${id}`);
    expect(v2.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:okta:custom:group:1.0'],
      displayName: 'Test SCIMv11',
      members: [{ value: alice.id, $ref: `${t.baseUrl}/Users/${alice.id}` }],
    });
    // membership of an unknown user is refused in 1.1 form
    const unknown = await v1('PATCH', `/Groups/${id}`, { schemas: [V1], members: [{ value: 'no-such-user' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Errors[0]).toMatchObject({ code: '400', description: expect.stringMatching(/no-such-user/) });

    expect((await v1('DELETE', `/Groups/${id}`)).status).toBe(204);
    const gone = await v1('GET', `/Groups/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.Errors[0].code).toBe('404');
  });

  it("refuses the other dialect on each base URL, in that URL's format, naming the right base URL", async () => {
    const onV2 = await t.scim('POST', '/Users', oktaV1User('wrong.door@okta.local'));
    expect(onV2.status).toBe(400);
    expect(onV2.json).toMatchObject({ schemas: [V2_ERROR], status: '400', scimType: 'invalidSyntax' });
    expect(onV2.json.detail).toContain(v1BaseUrl);
    const user = (await v1('POST', '/Users', oktaV1User('right.door@okta.local'))).json;
    const v1PatchOnV2 = await t.scim('PATCH', `/Users/${user.id}`, { schemas: [V1], id: user.id, active: false });
    expect(v1PatchOnV2.status).toBe(400);
    expect(v1PatchOnV2.json.detail).toContain(v1BaseUrl);

    const onV1 = await v1('POST', '/Users', { ...oktaV1User('wrong.door2@okta.local'), schemas: [V2_USER] });
    expect(onV1.status).toBe(400);
    expect(onV1.json.Errors[0].description).toContain(t.baseUrl);
    const patchOpOnV1 = await v1('PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patchOpOnV1.status).toBe(400);
    expect(patchOpOnV1.json.Errors[0].description).toContain(t.baseUrl);
    // nothing was half-done
    expect((await v1('GET', `/Users/${user.id}`)).json.active).toBe(true);
    for (const name of ['wrong.door@okta.local', 'wrong.door2@okta.local'])
      expect((await v1('GET', `/Users?filter=userName%20eq%20%22${name}%22`)).json.totalResults).toBe(0);
  });

  it('serves 1.1 discovery: /ServiceProviderConfigs and /Schemas; no /ResourceTypes or /Bulk on 1.1', async () => {
    const spc = await v1('GET', '/ServiceProviderConfigs');
    expect(spc.json).toMatchObject({
      schemas: [V1],
      patch: { supported: true },
      filter: { supported: true },
      bulk: { supported: false },
    });
    const schemas = await v1('GET', '/Schemas');
    expect(schemas.json.Resources.map((s: { id: string }) => s.id)).toContain(`${V1}:User`);
    const rt = await v1('GET', '/ResourceTypes');
    expect(rt.json.Errors[0]).toMatchObject({ code: '404', description: expect.stringContaining(t.baseUrl) });
    const spcOnV2 = await t.scim('GET', '/ServiceProviderConfigs');
    expect(spcOnV2.status).toBe(404);
    expect(spcOnV2.json.detail).toContain(v1BaseUrl);
    const bulk = await v1('POST', '/Bulk', { Operations: [] });
    expect(bulk.status).toBe(501);
    expect(bulk.json.Errors[0].description).toMatch(/SCIM 2.0 base URL/);
  });

  it('shares the rules of 2.0: an unreadable body is refused and logged, and without the Enterprise Toolkit both URLs answer 403', async () => {
    const xml = await http('POST', `${v1BaseUrl}/Users`, {
      body: '<user/>',
      headers: { authorization: t.token, 'content-type': 'application/xml' },
    });
    expect(xml.status).toBe(415);
    expect(xml.json.Errors[0].code).toBe('415');
    const log = (await t.admin('GET', '/orgs/{org}/activity?action=user.create&limit=100')).json.entries;
    expect(
      log.some(
        (e: { outcome: string; details?: { status: number } }) => e.outcome === 'failure' && e.details?.status === 415,
      ),
    ).toBe(true);

    expect((await t.admin('DELETE', '/orgs/{org}/entitlements/enterprise-toolkit')).status).toBe(200);
    let res = await v1('GET', '/Users');
    for (let i = 0; i < 50 && res.status !== 403; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the entitlement answer is reused for up to a second
      res = await v1('GET', '/Users');
    }
    expect(res.status).toBe(403);
    expect(res.json.Errors[0]).toMatchObject({ code: '403', description: expect.stringMatching(/Enterprise Toolkit/) });
    expect((await t.scim('GET', '/Users')).status).toBe(403);
  });
});

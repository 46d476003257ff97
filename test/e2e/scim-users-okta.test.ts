/** Okta's provisioning sequence and its published SPEC/CRUD test assertions, replayed against the running system. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

// The body Okta sends (OKTA-REF), password and groups included.
const oktaUser = (userName: string, given = 'Saul', family = 'Goodman') => ({
  schemas: [CORE],
  userName,
  name: { givenName: given, familyName: family },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: `${given} ${family}`,
  locale: 'en-US',
  externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
  groups: [],
  password: '1mz050nq',
  active: true,
});

describe('Okta provisioning against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Okta Corp');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('passes the connection test (GET /Users?startIndex=1&count=2, GET /Groups?startIndex=1&count=100)', async () => {
    const users = await t.scim('GET', '/Users?startIndex=1&count=2');
    expect(users.status).toBe(200);
    expect(users.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
    });
    const groups = await t.scim('GET', '/Groups?startIndex=1&count=100');
    expect(groups.status).toBe(200);
    expect(groups.json.totalResults).toBe(0);
  });

  it('replays the SPEC test', async () => {
    // seed one user so that the first steps have something to read
    const seeded = await t.scim('POST', '/Users', oktaUser('seed.user@okta.example'), {
      'content-type': 'application/scim+json; charset=utf-8',
    });
    expect(seeded.status).toBe(201);
    const first = await t.scim('GET', '/Users?count=1&startIndex=1');
    expect(first.status).toBe(200);
    const r0 = first.json.Resources[0];
    for (const key of ['id', 'userName', 'active']) expect(r0[key]).toBeDefined();
    expect(r0.name.familyName).toBeDefined();
    expect(r0.name.givenName).toBeDefined();
    expect(r0.emails[0].value).toBeDefined();
    expect((await t.scim('GET', `/Users/${r0.id}`)).json.id).toBe(r0.id);

    const none = await t.scim(
      'GET',
      '/Users?filter=userName%20eq%20%22nobody-ever@okta.example%22&startIndex=1&count=100',
    );
    expect(none.status).toBe(200);
    expect(none.json.totalResults).toBe(0);

    const missing = await t.scim('GET', '/Users/010101001010101011001010101011');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ schemas: [ERROR], status: '404', detail: expect.any(String) });

    const body = oktaUser('Marcellus.Wallace@okta.example', 'Marcellus', 'Wallace');
    const created = await t.scim('POST', '/Users', JSON.stringify(body), { 'content-type': 'application/json' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      active: true,
      userName: body.userName,
      name: { givenName: 'Marcellus', familyName: 'Wallace' },
    });
    expect(created.json.password).toBeUndefined();
    expect(created.json.groups ?? []).toEqual([]);
    expect(created.json.meta).toMatchObject({
      resourceType: 'User',
      created: expect.any(String),
      lastModified: expect.any(String),
      version: expect.any(String),
    });
    expect((await t.scim('GET', `/Users/${created.json.id}`)).json.userName).toBe(body.userName);

    const dup = await t.scim('POST', '/Users', body);
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const dupCase = await t.scim('POST', '/Users', { ...body, userName: body.userName.toUpperCase() });
    expect(dupCase.status).toBe(409);

    const upper = await t.scim(
      'GET',
      `/Users?filter=userName%20eq%20%22${encodeURIComponent(body.userName.toUpperCase())}%22`,
    );
    expect(upper.status).toBe(200);
    expect(upper.json.totalResults).toBe(1);
    expect(upper.json.Resources[0].id).toBe(created.json.id);

    const started = Date.now();
    expect((await t.scim('GET', '/Groups')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000); // Okta asks < 600 ms; the benchmark measures it properly

    const nonToken = await fetch(`${t.baseUrl}/Users`, { headers: { authorization: 'non-token' } });
    expect(nonToken.status).toBe(401);
    expect(await nonToken.json()).toMatchObject({ status: '401', detail: expect.any(String) });
    const other = await t.scim('GET', '/Users/00919288221112222');
    expect(other.status).toBe(404);
    expect(other.json).toMatchObject({ status: '404', detail: expect.any(String) });
  });

  it('links on lookup, updates with a full PUT after GET, deactivates and reactivates with path-less PATCH', async () => {
    const body = oktaUser('jules.winnfield@okta.example', 'Jules', 'Winnfield');
    const look = await t.scim('GET', `/Users?filter=userName%20eq%20%22${body.userName}%22&startIndex=1&count=100`);
    expect(look.json.totalResults).toBe(0);
    const created = (await t.scim('POST', '/Users', body)).json;

    const got = (await t.scim('GET', `/Users/${created.id}`)).json;
    const put = await t.scim('PUT', `/Users/${created.id}`, {
      ...got,
      name: { givenName: 'Jules', familyName: 'Winnfield-Changed' },
      groups: [],
      password: 'x',
    });
    expect(put.status).toBe(200);
    expect(put.json.name.familyName).toBe('Winnfield-Changed');
    expect(put.json.id).toBe(created.id);
    expect(put.json.meta.created).toBe(created.meta.created);
    expect(put.json.meta.version).not.toBe(created.meta.version);

    const off = await t.scim('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect([200, 204]).toContain(off.status);
    const deactivated = await t.scim('GET', `/Users/${created.id}`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.json.active).toBe(false);
    const filtered = await t.scim('GET', `/Users?filter=userName%20eq%20%22${body.userName}%22`);
    expect(filtered.json.Resources[0].active).toBe(false);

    await t.scim('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect((await t.scim('GET', `/Users/${created.id}`)).json.active).toBe(true);

    // every write is in the activity log, newest first; a PATCH that deactivates says so in the same request
    const log = (await t.admin('GET', '/orgs/{org}/activity?limit=100')).json.entries.filter(
      (e: { resource: { id: string } }) => e.resource.id === created.id,
    );
    expect(log.map((e: { action: string }) => e.action)).toEqual([
      'user.reactivate',
      'user.patch',
      'user.deactivate',
      'user.patch',
      'user.replace',
      'user.create',
    ]);
    expect(log[2].requestId).toBe(log[3].requestId);
    expect(log[2].requestId).not.toBe(log[4].requestId);
    expect(
      log.every(
        (e: { actor: string; outcome: string }) => e.actor === `connector:${t.connectorId}` && e.outcome === 'success',
      ),
    ).toBe(true);
  });

  it('looks users up by e-mail when Okta\'s "Unique identifier field for users" is email', async () => {
    const body = {
      ...oktaUser('mia.wallace@okta.example', 'Mia', 'Wallace'),
      emails: [
        { primary: true, value: 'Mia.Wallace@Mail.Okta.example', type: 'work' },
        { value: 'mia@home.example', type: 'home' },
      ],
    };
    const q = (filter: string) => t.scim('GET', `/Users?filter=${encodeURIComponent(filter)}&startIndex=1&count=100`);
    expect((await q('email eq "mia.wallace@mail.okta.example"')).json.totalResults).toBe(0);
    const created = (await t.scim('POST', '/Users', body)).json;
    for (const filter of [
      'email eq "MIA.WALLACE@mail.okta.example"',
      'emails.value eq "mia.wallace@MAIL.okta.example"',
      'emails[type eq "work"].value eq "Mia.Wallace@Mail.Okta.example"',
      'email eq "mia@home.example"',
    ]) {
      const found = await q(filter);
      expect({ filter, status: found.status, total: found.json.totalResults }).toEqual({
        filter,
        status: 200,
        total: 1,
      });
      expect(found.json.Resources[0].id).toBe(created.id);
    }
    expect((await q('emails[type eq "work"].value eq "mia@home.example"')).json.totalResults).toBe(0);
    // /Schemas says which identifiers a lookup may use
    const schema = await t.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(schema.json.attributes.find((a: { name: string }) => a.name === 'emails').description).toMatch(
      /Unique identifier field/,
    );
  });

  it('imports page by page in a stable order with integer paging metadata', async () => {
    const t2 = await newScimTenant(sys, 'Import Corp');
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await t2.scim('POST', '/Users', oktaUser(`imp${i}@okta.example`))).json.id);
    const seen: string[] = [];
    for (let start = 1; ; start += 10) {
      const page = await t2.scim('GET', `/Users?startIndex=${start}&count=10`);
      expect(page.json).toMatchObject({ totalResults: 23, startIndex: start });
      expect(Number.isInteger(page.json.itemsPerPage)).toBe(true);
      seen.push(...page.json.Resources.map((r: { id: string }) => r.id));
      if (start + 10 > 23) break;
    }
    expect(seen).toEqual(ids);
    const big = await t2.scim('GET', '/Users?startIndex=1&count=100');
    expect(big.json.Resources.map((r: { id: string }) => r.id)).toEqual(ids);
    const zero = await t2.scim('GET', '/Users?count=0');
    expect(zero.json).toMatchObject({ totalResults: 23, itemsPerPage: 0 });
    const below = await t2.scim('GET', '/Users?startIndex=-5&count=2');
    expect(below.json.startIndex).toBe(1);
  });

  it('deletes with 204; afterwards the id is 404 and the userName reusable', async () => {
    const body = oktaUser('vincent.vega@okta.example');
    const created = (await t.scim('POST', '/Users', body)).json;
    expect((await t.scim('DELETE', `/Users/${created.id}`)).status).toBe(204);
    expect((await t.scim('GET', `/Users/${created.id}`)).status).toBe(404);
    expect((await t.scim('DELETE', `/Users/${created.id}`)).status).toBe(404);
    expect((await t.scim('POST', '/Users', body)).status).toBe(201);
  });

  it('answers bad requests with specific SCIM errors and stores nothing', async () => {
    const noFamily = await t.scim('POST', '/Users', { ...oktaUser('nofamily@okta.example'), name: { givenName: 'X' } });
    expect(noFamily.status).toBe(400);
    expect(noFamily.json).toMatchObject({
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringMatching(/familyName/),
    });
    const junk = await t.scim('POST', '/Users', '{"userName": ', { 'content-type': 'application/scim+json' });
    expect(junk.status).toBe(400);
    expect(junk.json.scimType).toBe('invalidSyntax');
    const xml = await t.scim('POST', '/Users', '<user/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    const huge = await t.scim('POST', '/Users', {
      ...oktaUser('huge@okta.example'),
      displayName: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    const badFilter = await t.scim('GET', '/Users?filter=userName%20eq');
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.scimType).toBe('invalidFilter');
    for (const userName of ['nofamily@okta.example', 'huge@okta.example']) {
      expect((await t.scim('GET', `/Users?filter=userName%20eq%20%22${userName}%22`)).json.totalResults).toBe(0);
    }
    // every refused write is in the activity log with its status and reason (never the body)
    const refused = (await t.admin('GET', '/orgs/{org}/activity?action=user.create&limit=100')).json.entries.filter(
      (e: { outcome: string }) => e.outcome === 'failure',
    );
    const statuses = refused.map((e: { details: { status: number } }) => e.details.status);
    for (const status of [400, 413, 415]) expect(statuses).toContain(status);
    expect(
      refused.find(
        (e: { details: { status: number } }) =>
          e.details.status === 400 && /familyName/.test(JSON.stringify(e.details)),
      ),
    ).toMatchObject({ actor: `connector:${t.connectorId}`, details: { scimType: 'invalidValue' } });
    expect(JSON.stringify(refused)).not.toContain('1mz050nq');
  });
});

/**
 * Anything a client can send gets a 4xx or a success, never a 500 (issue #14 item 4): connector types that are
 * names of Object.prototype, identical membership adds racing each other, racing creates of the same name, and
 * a user with more e-mails than one document may index.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const user = (
  userName: string,
  emails: Array<{ value: string; type?: string; primary?: boolean }> = [
    { value: userName, type: 'work', primary: true },
  ],
) => ({ schemas: [USER], userName, name: { givenName: 'A', familyName: 'B' }, emails, active: true });

describe('client abuse gets 4xx or success, never 500', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Abuse Inc');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('refuses connector types named like Object.prototype members with 400', async () => {
    const org = (await admin('POST', '/orgs', { name: 'Prototype Ltd' })).json.id;
    await admin('PUT', `/orgs/${org}/entitlements/enterprise-toolkit`);
    for (const type of [
      'constructor',
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      '__proto__',
      'propertyIsEnumerable',
    ]) {
      const r = await admin('POST', `/orgs/${org}/connectors`, { type });
      expect({ type, status: r.status, code: r.json?.error?.code }).toEqual({
        type,
        status: 400,
        code: 'invalid_request',
      });
    }
    expect((await admin('POST', `/orgs/${org}/connectors`, { type: 'okta' })).status).toBe(201);
  });

  it('makes identical concurrent membership adds idempotent (SCIM PATCH and admin API)', async () => {
    const member = (await t.scim('POST', '/Users', user('racer@abuse.example'))).json.id;
    for (let round = 0; round < 6; round++) {
      const gid = (await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: `Racers ${round}` })).json.id;
      const add = { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }] };
      const statuses = (await Promise.all(Array.from({ length: 8 }, () => t.scim('PATCH', `/Groups/${gid}`, add)))).map(
        (r) => r.status,
      );
      expect(statuses.filter((s) => s !== 200 && s !== 204)).toEqual([]);
      const group = (await t.scim('GET', `/Groups/${gid}`)).json;
      expect(group.members.map((m: { value: string }) => m.value)).toEqual([member]);
    }
    // the admin API's add, on a manual team (provisioning off so that the provisioned user may join it)
    await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: false });
    try {
      const team = (await t.admin('POST', '/orgs/{org}/teams', { name: 'Manual racers' })).json.id;
      const statuses = (
        await Promise.all(
          Array.from({ length: 8 }, () => t.admin('POST', `/orgs/{org}/teams/${team}/members`, { userId: member })),
        )
      ).map((r) => r.status);
      expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
      const activity = (await t.admin('GET', '/orgs/{org}/activity?action=group.members.add')).json.entries.filter(
        (e: { resource: { id: string } }) => e.resource.id === team,
      );
      expect({ activity, statuses }).toEqual({ activity: [expect.anything()], statuses }); // added once, recorded once
    } finally {
      await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: true });
    }
  });

  it('answers racing creates of one name with one 201 and 409s', async () => {
    const users = (
      await Promise.all(Array.from({ length: 8 }, () => t.scim('POST', '/Users', user('twin@abuse.example'))))
    ).map((r) => r.status);
    expect(users.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const groups = (
      await Promise.all(
        Array.from({ length: 8 }, () => t.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Twins' })),
      )
    ).map((r) => r.status);
    expect(groups.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const teams = (
      await Promise.all(Array.from({ length: 8 }, () => t.admin('POST', '/orgs/{org}/teams', { name: 'Twin team' })))
    ).map((r) => r.status);
    expect(teams.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it('refuses a user with more e-mail addresses than can be indexed with 400 and a SCIM body', async () => {
    const emails = Array.from({ length: 10_001 }, (_, i) => ({ value: `m${i}@abuse.example` }));
    const r = await t.scim(
      'POST',
      '/Users',
      user('many@abuse.example', [{ value: 'many@abuse.example', type: 'work', primary: true }, ...emails]),
    );
    expect(r.json).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidValue', detail: expect.any(String) });
    expect(r.status).toBe(400);
    expect((await t.scim('GET', '/Users?filter=userName%20eq%20%22many@abuse.example%22')).json.totalResults).toBe(0);
  });
});

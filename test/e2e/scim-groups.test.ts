/** Groups as teams: Okta Group Push, Entra group provisioning, the admin API's rules, and a large group. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const user = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'G', familyName: 'H' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
});

describe('SCIM Groups against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  const ids: string[] = [];
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Groups Inc');
    for (let i = 0; i < 5; i++) ids.push((await t.scim('POST', '/Users', user(`member${i}@groups.example`))).json.id);
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  const memberIds = async (groupId: string) =>
    ((await t.scim('GET', `/Groups/${groupId}`)).json.members ?? []).map((m: { value: string }) => m.value).sort();

  it("replays Okta's Group Push: lookup, create, add/remove, rename, full push, PUT, delete", async () => {
    const look = await t.scim('GET', '/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100');
    expect(look.json.totalResults).toBe(0);
    const created = await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [] });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ displayName: 'Engineering', meta: { resourceType: 'Group' } });
    const gid = created.json.id;
    expect((await t.scim('GET', '/Groups?filter=displayName%20eq%20%22engineering%22')).json.totalResults).toBe(1);
    expect((await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'ENGINEERING' })).status).toBe(409);

    const add = await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [{ value: ids[0], display: 'member0' }, { value: ids[1] }, { value: ids[2] }],
        },
      ],
    });
    expect([200, 204]).toContain(add.status);
    expect(await memberIds(gid)).toEqual([ids[0], ids[1], ids[2]].sort());
    const full = (await t.scim('GET', `/Groups/${gid}`)).json;
    expect(full.members[0]).toMatchObject({
      value: expect.any(String),
      display: expect.any(String),
      $ref: expect.stringContaining('/Users/'),
    });

    // Okta: remove one and add another in one request
    await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: `members[value eq "${ids[0]}"]` },
        { op: 'add', path: 'members', value: [{ value: ids[3] }] },
      ],
    });
    expect(await memberIds(gid)).toEqual([ids[1], ids[2], ids[3]].sort());

    // Okta rename: path-less replace with its own id; members stay
    const rename = await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: gid, displayName: 'Engineering EU' } }],
    });
    expect([200, 204]).toContain(rename.status);
    expect((await t.scim('GET', `/Groups/${gid}?excludedAttributes=members`)).json).toMatchObject({
      displayName: 'Engineering EU',
    });
    expect(await memberIds(gid)).toEqual([ids[1], ids[2], ids[3]].sort());
    const otherId = await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: 'someone-else', displayName: 'X' } }],
    });
    expect(otherId.status).toBe(400);
    expect(otherId.json.scimType).toBe('mutability');

    // full push
    await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'members', value: [{ value: ids[0] }, { value: ids[4] }] }],
    });
    expect(await memberIds(gid)).toEqual([ids[0], ids[4]].sort());

    // AIW apps PUT the whole group, members included
    const put = await t.scim('PUT', `/Groups/${gid}`, {
      schemas: [GROUP],
      id: gid,
      displayName: 'Engineering EU',
      members: [{ value: ids[1] }],
    });
    expect(put.status).toBe(200);
    expect(put.json.members.map((m: { value: string }) => m.value)).toEqual([ids[1]]);

    expect((await t.scim('DELETE', `/Groups/${gid}`)).status).toBe(204);
    expect((await t.scim('GET', `/Groups/${gid}`)).status).toBe(404);
  });

  it('honours members in POST, refuses unknown or foreign members without changing anything', async () => {
    const other = await newScimTenant(sys, 'Other Inc');
    const foreign = (await other.scim('POST', '/Users', user('foreign@other.example'))).json.id;
    const bad = await t.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Mixed',
      members: [{ value: ids[0] }, { value: foreign }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain(foreign);
    expect((await t.scim('GET', '/Groups?filter=displayName%20eq%20%22Mixed%22')).json.totalResults).toBe(0);
    const ok = await t.scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Posted',
      members: [{ value: ids[0] }, { value: ids[1] }],
    });
    expect(ok.status).toBe(201);
    expect(ok.json.members.map((m: { value: string }) => m.value).sort()).toEqual([ids[0], ids[1]].sort());
    const atomic = await t.scim('PATCH', `/Groups/${ok.json.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: `members[value eq "${ids[0]}"]` },
        { op: 'add', path: 'members', value: [{ value: 'no-such-user' }] },
      ],
    });
    expect(atomic.status).toBe(400);
    expect(await memberIds(ok.json.id)).toEqual([ids[0], ids[1]].sort());
  });

  it("handles Entra's group requests: create with the AD schema, Add/Remove with value lists, membership check, excludedAttributes", async () => {
    const created = await t.scim('POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    const gid = created.json.id;
    const lookup = await t.scim(
      'GET',
      `/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Group1DisplayName%22`,
    );
    expect(lookup.json.Resources[0].members).toBeUndefined();
    const add = await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: ids[0] },
            { $ref: null, value: ids[1] },
            { $ref: null, value: ids[2] },
          ],
        },
      ],
    });
    expect(add.status).toBe(204);
    const remove = await t.scim('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids[1] }] }],
    });
    expect(remove.status).toBe(204);
    expect(await memberIds(gid)).toEqual([ids[0], ids[2]].sort());
    const isMember = await t.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${gid}" and members eq "${ids[0]}"`)}&excludedAttributes=members`,
    );
    expect(isMember.json.totalResults).toBe(1);
    const notMember = await t.scim(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${gid}" and members eq "${ids[1]}"`)}`,
    );
    expect(notMember.json.totalResults).toBe(0);
    const single = await t.scim('GET', `/Groups/${gid}?excludedAttributes=members`);
    expect(single.json.members).toBeUndefined();
    expect(single.json.displayName).toBe('Group1DisplayName');
  });

  it('deleting a user removes it from its groups; a deactivated user stays a member', async () => {
    const u1 = (await t.scim('POST', '/Users', user('leaver@groups.example'))).json.id;
    const u2 = (await t.scim('POST', '/Users', user('sleeper@groups.example'))).json.id;
    const g = (
      await t.scim('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Churn',
        members: [{ value: u1 }, { value: u2 }],
      })
    ).json.id;
    await t.scim('PATCH', `/Users/${u2}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect((await t.scim('DELETE', `/Users/${u1}`)).status).toBe(204);
    expect(await memberIds(g)).toEqual([u2]);
  });

  it('shows provisioned and manual teams in the admin API and enforces who may join which', async () => {
    const provisioned = (await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'From Okta' })).json.id;
    const manual = await t.admin('POST', '/orgs/{org}/teams', { name: 'Made by hand' });
    expect(manual.status).toBe(201);
    expect(manual.json).toMatchObject({ provisioned: false, editable: true });
    const teams = (await t.admin('GET', '/orgs/{org}/teams')).json.teams;
    expect(teams.find((x: { id: string }) => x.id === provisioned)).toMatchObject({
      provisioned: true,
      editable: false,
    });
    // a provisioned user may join a manual team; nobody joins a provisioned team through the admin API while provisioning is on
    expect(
      (await t.admin('POST', `/orgs/{org}/teams/${manual.json.id}/members`, { userId: ids[0] })).json.memberCount,
    ).toBe(1);
    const refused = await t.admin('POST', `/orgs/{org}/teams/${provisioned}/members`, { userId: ids[0] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('team_read_only');
    await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: false });
    const editable = (await t.admin('GET', '/orgs/{org}/teams')).json.teams.find(
      (x: { id: string }) => x.id === provisioned,
    );
    expect(editable.editable).toBe(true);
    expect((await t.admin('POST', `/orgs/{org}/teams/${provisioned}/members`, { userId: ids[0] })).status).toBe(200);
    // renamed while provisioning is off: Okta's displayName lookup no longer finds it (documented for admins)
    expect((await t.admin('PATCH', `/orgs/{org}/teams/${provisioned}`, { name: 'Renamed by hand' })).json.name).toBe(
      'Renamed by hand',
    );
    await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: true });
    expect((await t.scim('GET', '/Groups?filter=displayName%20eq%20%22From%20Okta%22')).json.totalResults).toBe(0);
    expect((await t.admin('PATCH', `/orgs/{org}/teams/${provisioned}`, { name: 'Back' })).json.error.code).toBe(
      'team_read_only',
    );
    const log = (await t.admin('GET', '/orgs/{org}/activity?action=group.members.')).json.entries;
    expect(log.length).toBeGreaterThan(0);
    expect(log[0].details.members).toEqual(expect.any(Array));
  });

  it('keeps every member of a large group exactly once', async () => {
    const big = await newScimTenant(sys, 'Big Inc');
    const userIds: string[] = [];
    for (let i = 0; i < 300; i++) userIds.push((await big.scim('POST', '/Users', user(`u${i}@big.example`))).json.id);
    const g = (
      await big.scim('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'All',
        members: userIds.slice(0, 150).map((value) => ({ value })),
      })
    ).json.id;
    await big.scim('PATCH', `/Groups/${g}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: userIds.slice(100).map((value) => ({ value })) }],
    });
    const members = (await big.scim('GET', `/Groups/${g}`)).json.members.map((m: { value: string }) => m.value);
    expect(members).toHaveLength(300);
    expect(new Set(members).size).toBe(300);
    expect([...members].sort()).toEqual([...userIds].sort());
    const light = await big.scim('GET', `/Groups/${g}?excludedAttributes=members`);
    expect(light.json.members).toBeUndefined();
  }, 60000);
});

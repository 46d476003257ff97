/** SCIM Bulk (RFC 7644 §3.7) and POST /.search at the base URL, against the running system. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const BULK_REQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RES = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

const user = (userName: string, displayName = userName) => ({
  schemas: [USER],
  userName,
  displayName,
  name: { givenName: 'G', familyName: 'F' },
  emails: [{ value: userName, type: 'work', primary: true }],
  password: 'sup3r-secret-pw',
});
const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: [BULK_REQ],
  Operations,
  ...extra,
});
type Op = {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: { status: string; scimType?: string; detail: string };
};

describe('SCIM Bulk against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Bulk Corp', 'generic');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('advertises Bulk with its limits', async () => {
    const spc = await t.scim('GET', '/ServiceProviderConfig');
    expect(spc.json.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
  });

  it('creates users and a group whose members refer to them by bulkId (even when the group comes first), then patches and deletes', async () => {
    const res = await t.scim(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: {
            schemas: [GROUP],
            displayName: 'Bulk Team',
            members: [{ value: 'bulkId:ann' }, { value: 'bulkId:ben' }],
          },
        },
        { method: 'POST', path: '/Users', bulkId: 'ann', data: user('ann@bulk.example', 'Bulk Ann') },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'ben',
          data: {
            ...user('ben@bulk.example', 'Bulk Ben'),
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:ann' } },
          },
        },
        {
          method: 'PATCH',
          path: '/Users/bulkId:ann',
          data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] },
        },
        { method: 'DELETE', path: '/Users/no-such-user' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json.schemas).toEqual([BULK_RES]);
    const ops = res.json.Operations as Op[];
    expect(ops.map((o) => [o.method, o.bulkId, o.status])).toEqual([
      ['POST', 'team', '201'],
      ['POST', 'ann', '201'],
      ['POST', 'ben', '201'],
      ['PATCH', undefined, '200'],
      ['DELETE', undefined, '404'],
    ]);
    expect(ops[4].response).toMatchObject({ status: '404', detail: expect.any(String) });
    const idOf = (o: Op) => o.location!.split('/').pop()!;
    const [teamId, annId, benId] = [idOf(ops[0]), idOf(ops[1]), idOf(ops[2])];
    expect(ops[1].location).toBe(`${t.baseUrl}/Users/${annId}`);
    expect(ops[1].version).toBe('W/"1"');

    const team = await t.scim('GET', `/Groups/${teamId}`);
    expect(team.json.members.map((m: { value: string }) => m.value).sort()).toEqual([annId, benId].sort());
    const ben = await t.scim('GET', `/Users/${benId}`);
    expect(ben.json['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value).toBe(annId);
    expect((await t.scim('GET', `/Users/${annId}`)).json.title).toBe('Lead');

    // each operation is in the activity log, the refused one with its status, none with the password
    const log = (await t.admin('GET', '/orgs/{org}/activity?limit=100')).json.entries;
    const actions = log.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    for (const a of ['group.create:success', 'user.create:success', 'user.patch:success', 'user.delete:failure'])
      expect(actions).toContain(a);
    expect(log.find((e: { action: string }) => e.action === 'user.delete')).toMatchObject({
      outcome: 'failure',
      details: { status: 404, via: 'bulk' },
    });
    expect(JSON.stringify(log)).not.toContain('sup3r-secret-pw');
  });

  it('answers unknown and circular bulkIds per operation, each operation atomic on its own', async () => {
    const res = await t.scim(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'a',
          data: { schemas: [GROUP], displayName: 'Cycle A', members: [{ value: 'bulkId:b' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'b',
          data: { schemas: [GROUP], displayName: 'Cycle B', members: [{ value: 'bulkId:a' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'c',
          data: { schemas: [GROUP], displayName: 'Dangling', members: [{ value: 'bulkId:nobody' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'dup1', data: user('dup@bulk.example') },
        { method: 'POST', path: '/Users', bulkId: 'dup2', data: user('DUP@bulk.example') },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'd',
          data: { schemas: [GROUP], displayName: 'Needs dup2', members: [{ value: 'bulkId:dup2' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [USER], userName: 'nameless@bulk.example' } },
        { method: 'FETCH', path: '/Users' },
      ]),
    );
    const ops = res.json.Operations as Op[];
    expect(ops.map((o) => [o.bulkId, o.status, o.response?.scimType])).toEqual([
      ['a', '409', undefined],
      ['b', '409', undefined],
      ['c', '400', 'invalidValue'],
      ['dup1', '201', undefined],
      ['dup2', '409', 'uniqueness'],
      ['d', '409', undefined],
      ['bad', '400', 'invalidValue'],
      [undefined, '400', 'invalidSyntax'],
    ]);
    expect(ops[0].response!.detail).toMatch(/circular/);
    expect(ops[2].response!.detail).toMatch(/bulkId "nobody"/);
    expect(ops[5].response!.detail).toMatch(/bulkId "dup2" failed/);
    for (const name of ['Cycle A', 'Cycle B', 'Dangling', 'Needs dup2']) {
      expect(
        (await t.scim('GET', `/Groups?filter=displayName%20eq%20%22${encodeURIComponent(name)}%22`)).json.totalResults,
      ).toBe(0);
    }
  });

  it('stops after failOnErrors errors and leaves the rest out (and undone)', async () => {
    const res = await t.scim(
      'POST',
      '/Bulk',
      bulk(
        [
          { method: 'POST', path: '/Users', bulkId: 'ok1', data: user('ok1@bulk.example') },
          { method: 'POST', path: '/Users', bulkId: 'e1', data: { schemas: [USER], userName: 'e1@bulk.example' } },
          { method: 'DELETE', path: '/Groups/nope' },
          { method: 'POST', path: '/Users', bulkId: 'never', data: user('never@bulk.example') },
        ],
        { failOnErrors: 2 },
      ),
    );
    expect(res.status).toBe(200);
    expect((res.json.Operations as Op[]).map((o) => o.status)).toEqual(['201', '400', '404']);
    expect((await t.scim('GET', '/Users?filter=userName%20eq%20%22never@bulk.example%22')).json.totalResults).toBe(0);
    expect((await t.scim('GET', '/Users?filter=userName%20eq%20%22ok1@bulk.example%22')).json.totalResults).toBe(1);
  });

  it("refuses over-limit and malformed requests with the RFC's errors, running nothing", async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `m${i}`,
      data: user(`m${i}@bulk.example`),
    }));
    const tooMany = await t.scim('POST', '/Bulk', bulk(many));
    expect(tooMany.status).toBe(413);
    expect(tooMany.json).toMatchObject({
      status: '413',
      scimType: 'tooMany',
      detail: expect.stringMatching(/1001 operations; the maximum is 1000/),
    });
    expect((await t.scim('GET', '/Users?filter=userName%20eq%20%22m0@bulk.example%22')).json.totalResults).toBe(0);
    const huge = await t.scim(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'h',
          data: { ...user('h@bulk.example'), title: 'x'.repeat(1100000) },
        },
      ]),
    );
    expect(huge.status).toBe(413);
    expect(huge.json.detail).toMatch(/maxPayloadSize/);
    const junk = await t.scim('POST', '/Bulk', '{"Operations": [', { 'content-type': 'application/scim+json' });
    expect(junk.status).toBe(400);
    expect(junk.json.scimType).toBe('invalidSyntax');
    const dupIds = await t.scim(
      'POST',
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'x', data: user('x1@bulk.example') },
        { method: 'POST', path: '/Users', bulkId: 'x', data: user('x2@bulk.example') },
      ]),
    );
    expect(dupIds.status).toBe(400);
    expect((await t.scim('GET', '/Users?filter=userName%20eq%20%22x1@bulk.example%22')).json.totalResults).toBe(0);
  });

  it('searches Users and Groups at once with POST /.search, paged as one list', async () => {
    const t2 = await newScimTenant(sys, 'Search Corp', 'generic');
    const u1 = (await t2.scim('POST', '/Users', user('s1@search.example', 'Search One'))).json;
    const u2 = (await t2.scim('POST', '/Users', user('s2@search.example', 'Search Two'))).json;
    await t2.scim('POST', '/Users', user('other@search.example', 'Other'));
    const g = (await t2.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Search Team' })).json;
    // a new group shows members: [] like an emptied one (issue 17)
    expect(g.members).toEqual([]);
    const full = (
      await t2.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Emptied', members: [{ value: u1.id }] })
    ).json;
    await t2.scim('PATCH', `/Groups/${full.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'members' }],
    });
    expect((await t2.scim('GET', `/Groups/${full.id}`)).json.members).toEqual([]);
    await t2.scim('DELETE', `/Groups/${full.id}`);
    const all = await t2.scim('POST', '/.search', { schemas: [SEARCH], filter: 'displayName sw "Search"' });
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      startIndex: 1,
      itemsPerPage: 3,
    });
    expect(all.json.Resources.map((r: { id: string }) => r.id)).toEqual([u1.id, u2.id, g.id]);
    const page = await t2.scim('POST', '/.search', {
      schemas: [SEARCH],
      filter: 'displayName sw "Search"',
      startIndex: 2,
      count: 2,
      attributes: ['displayName'],
    });
    expect(page.json).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 2 });
    expect(page.json.Resources).toEqual([
      { schemas: [USER], id: u2.id, displayName: 'Search Two' },
      { schemas: [GROUP], id: g.id, displayName: 'Search Team' },
    ]);
    // an attribute only users have: groups contribute nothing
    expect(
      (await t2.scim('POST', '/.search', { schemas: [SEARCH], filter: 'userName eq "s1@search.example"' })).json
        .totalResults,
    ).toBe(1);
    const bad = await t2.scim('POST', '/.search', { schemas: [SEARCH], filter: 'displayName eq' });
    expect(bad.status).toBe(400);
    expect(bad.json.scimType).toBe('invalidFilter');
    const noSchema = await t2.scim('POST', '/.search', { filter: 'displayName sw "S"' });
    expect(noSchema.status).toBe(400);
  });
});

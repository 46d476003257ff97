/** RFC 7644 features beyond the IdPs' basics: ETags, sorting, projection, .search, paging limits, discovery. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const user = (userName: string, family: string) => ({
  schemas: [CORE],
  userName,
  name: { givenName: 'G', familyName: family },
  emails: [{ value: userName, type: 'work' }],
  title: family === 'Zed' ? undefined : 'Engineer',
});

describe('RFC 7644 details against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  beforeAll(async () => {
    sys = await startSystem({ SCIM_MAX_PAGE_SIZE: '150' });
    t = await newScimTenant(sys, 'RFC Inc', 'generic');
    for (const [u, f] of [
      ['c@rfc.example', 'Charlie'],
      ['a@rfc.example', 'Alpha'],
      ['b@rfc.example', 'Zed'],
    ])
      await t.scim('POST', '/Users', user(u, f));
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('uses ETags: If-None-Match → 304, stale If-Match → 412 with nothing changed', async () => {
    const created = await t.scim('POST', '/Users', user('etag@rfc.example', 'Tag'));
    const etag = created.headers.get('etag')!;
    expect(etag).toBe(created.json.meta.version);
    expect((await t.scim('GET', `/Users/${created.json.id}`, undefined, { 'if-none-match': etag })).status).toBe(304);
    const changed = await t.scim(
      'PATCH',
      `/Users/${created.json.id}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'title', value: 'Lead' }],
      },
      { 'if-match': etag },
    );
    expect(changed.status).toBe(200);
    const stale = await t.scim(
      'PUT',
      `/Users/${created.json.id}`,
      { ...user('etag@rfc.example', 'Other') },
      { 'if-match': etag },
    );
    expect(stale.status).toBe(412);
    expect(stale.json).toMatchObject({ status: '412' });
    expect((await t.scim('GET', `/Users/${created.json.id}`)).json.name.familyName).toBe('Tag');
    expect((await t.scim('DELETE', `/Users/${created.json.id}`, undefined, { 'if-match': etag })).status).toBe(412);
    expect(
      (await t.scim('DELETE', `/Users/${created.json.id}`, undefined, { 'if-match': changed.headers.get('etag')! }))
        .status,
    ).toBe(204);
  });

  it('sorts, projects and searches with POST /.search', async () => {
    const asc = await t.scim('GET', '/Users?sortBy=name.familyName&filter=userName%20ew%20%22rfc.example%22');
    expect(asc.json.Resources.map((r: { name: { familyName: string } }) => r.name.familyName)).toEqual([
      'Alpha',
      'Charlie',
      'Zed',
    ]);
    const desc = await t.scim('GET', '/Users?sortBy=userName&sortOrder=descending&attributes=userName');
    expect(desc.json.Resources.map((r: { userName: string }) => r.userName).slice(0, 3)).toEqual([
      'c@rfc.example',
      'b@rfc.example',
      'a@rfc.example',
    ]);
    expect(Object.keys(desc.json.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    const ex = await t.scim('GET', '/Users?excludedAttributes=emails,meta&count=1');
    expect(ex.json.Resources[0]).not.toHaveProperty('emails');
    expect(ex.json.Resources[0]).toHaveProperty('id');
    const search = await t.scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title pr',
      attributes: ['name.familyName'],
      startIndex: 1,
      count: 10,
      sortBy: 'name.familyName',
    });
    expect(search.status).toBe(200);
    expect(search.json.Resources.map((r: { name: { familyName: string } }) => r.name.familyName)).toEqual([
      'Alpha',
      'Charlie',
    ]);
    expect((await t.scim('POST', '/Users/.search', { filter: 'title pr' })).status).toBe(400);
    expect((await t.scim('GET', '/Users?sortBy=password')).status).toBe(400);
    expect((await t.scim('GET', '/Users?sortBy=emails')).json.Resources[0].emails[0].value).toBe('a@rfc.example'); // by primary e-mail
  });

  it('honours the advertised maximum page size and treats odd paging values as RFC 7644 says', async () => {
    const spc = await t.scim('GET', '/ServiceProviderConfig');
    expect(spc.json.filter.maxResults).toBe(150);
    expect(spc.json.bulk.maxPayloadSize).toBe(1048576);
    const many = await t.scim('GET', '/Users?count=100000');
    expect(many.json.itemsPerPage).toBeLessThanOrEqual(150);
    expect((await t.scim('GET', '/Users?count=-3')).json).toMatchObject({ itemsPerPage: 0, totalResults: 3 });
    expect((await t.scim('GET', '/Users?startIndex=0&count=1')).json.startIndex).toBe(1);
    // totalResults whatever the page: full, last and partial, past the end, empty, one match
    const page = async (q: string) => {
      const { itemsPerPage, totalResults } = (await t.scim('GET', `/Users?${q}`)).json;
      return [itemsPerPage, totalResults];
    };
    expect(await page('count=2')).toEqual([2, 3]);
    expect(await page('startIndex=3&count=2')).toEqual([1, 3]);
    expect(await page('startIndex=4&count=2')).toEqual([0, 3]);
    expect(await page('startIndex=10')).toEqual([0, 3]);
    expect(await page('filter=userName%20eq%20%22nobody%40rfc.example%22')).toEqual([0, 0]);
    expect(await page('filter=userName%20eq%20%22a%40rfc.example%22')).toEqual([1, 1]);
    expect(await page('filter=userName%20eq%20%22a%40rfc.example%22&startIndex=2')).toEqual([0, 1]);
    expect((await t.scim('GET', '/Users?count=abc')).status).toBe(400);
  });

  it('answers unsupported endpoints plainly', async () => {
    expect((await t.scim('GET', '/Me')).status).toBe(501);
    // Bulk is offered (issue 17): an empty one is a bad request, not an unsupported endpoint
    const emptyBulk = await t.scim('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [],
    });
    expect(emptyBulk.status).toBe(400);
    expect(emptyBulk.json).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const getBulk = await t.scim('GET', '/Bulk');
    expect(getBulk.status).toBe(405);
    expect(getBulk.headers.get('allow')).toBe('POST');
    expect((await t.scim('GET', '/Things')).status).toBe(404);
    expect((await t.scim('GET', '/Users/x/y/z')).status).toBe(404);
  });
});

/**
 * Abuse cases of issue #14 against the running system, and a noisy neighbour: while one tenant sends huge
 * PATCHes and bursts, another tenant's requests keep succeeding (success and no 5xx are asserted; latency is not).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const user = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'N', familyName: 'N' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
});
const emails = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `noisy.neighbour.${i}@bigcorp.example` }));

describe('abuse and noisy neighbours', () => {
  let sys: RunningSystem;
  let noisy: ScimTenant;
  let quiet: ScimTenant;
  let noisyUser: string;
  let quietUser: string;
  beforeAll(async () => {
    sys = await startSystem({ SCIM_MAX_CONCURRENT_REQUESTS_PER_TENANT: '4' });
    noisy = await newScimTenant(sys, 'Noisy');
    quiet = await newScimTenant(sys, 'Quiet');
    noisyUser = (await noisy.scim('POST', '/Users', user('n@noisy.example'))).json.id;
    quietUser = (await quiet.scim('POST', '/Users', user('q@quiet.example'))).json.id;
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('one PATCH adding 15,000 e-mails (~640 KB) is refused with 400 invalidValue while another tenant keeps being served', async () => {
    const body = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'emails', value: emails(15_000) }],
    };
    expect(JSON.stringify(body).length).toBeGreaterThan(600_000);
    let done = false;
    const quietStatuses: number[] = [];
    const neighbour = (async () => {
      while (!done) quietStatuses.push((await quiet.scim('GET', `/Users/${quietUser}`)).status);
    })();
    const huge = await Promise.all([1, 2, 3].map(() => noisy.scim('PATCH', `/Users/${noisyUser}`, body)));
    for (let i = 0; i < 5; i++) quietStatuses.push((await quiet.scim('GET', `/Users/${quietUser}`)).status);
    done = true;
    await neighbour;
    for (const r of huge) {
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({
        status: '400',
        scimType: 'invalidValue',
        detail: expect.stringMatching(/emails may hold at most 100 values/),
      });
    }
    expect(quietStatuses.length).toBeGreaterThan(5);
    expect(quietStatuses.every((s) => s === 200)).toBe(true);
    // nothing was half-written
    expect((await noisy.scim('GET', `/Users/${noisyUser}`)).json.emails).toHaveLength(1);
  });

  it('a PATCH with more operations than advertised gets 413; the limits are in /ServiceProviderConfig', async () => {
    const spc = await noisy.scim('GET', '/ServiceProviderConfig');
    expect(spc.json.patch).toMatchObject({ supported: true, maxOperations: 1000, maxValuesPerAttribute: 100 });
    const ops = Array.from({ length: 1001 }, (_, i) => ({ op: 'replace', path: 'title', value: `t${i}` }));
    const r = await noisy.scim('PATCH', `/Users/${noisyUser}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: ops,
    });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ status: '413', detail: expect.stringMatching(/at most 1000 operations/) });
  });

  it('POST /Users with 10,001 e-mails gets 400, not 500', async () => {
    const r = await noisy.scim('POST', '/Users', { ...user('many@noisy.example'), emails: emails(10_001) });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ scimType: 'invalidValue' });
    expect((await noisy.scim('GET', '/Users?filter=userName%20eq%20%22many@noisy.example%22')).json.totalResults).toBe(
      0,
    );
  });

  it('a burst from one tenant is capped (429 + Retry-After) and never starves another tenant', async () => {
    const burst = Promise.all(Array.from({ length: 40 }, () => noisy.scim('GET', '/Users?count=50')));
    const others = Promise.all(Array.from({ length: 4 }, () => quiet.scim('GET', `/Users/${quietUser}`)));
    const [b, o] = await Promise.all([burst, others]);
    expect(b.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    const refused = b.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].headers.get('retry-after')).toBe('1');
    expect(refused[0].json).toMatchObject({
      status: '429',
      detail: expect.stringMatching(/4 SCIM requests in progress/),
    });
    expect(o.every((r) => r.status === 200)).toBe(true);
    // the cap frees up: the same tenant is served again afterwards
    expect((await noisy.scim('GET', '/Users?count=1')).status).toBe(200);
  });
});

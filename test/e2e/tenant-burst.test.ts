/**
 * Okta sends up to its per-app concurrency at one organization. Every change of an organization writes that
 * organization's event counter in the change's unit, so concurrent writes of one tenant conflict at commit and
 * run again: a burst at the gateway's per-tenant cap must still succeed, and its events must be numbered 1…n.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

describe('a burst of writes to one organization', () => {
  let sys: RunningSystem;
  let t: ScimTenant;

  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Burst');
  }, 90000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('32 concurrent creates, then 32 concurrent PATCHes, all succeed; the feed numbers them without a gap', async () => {
    const user = (i: number) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `burst${i}@acme.example`,
      name: { givenName: 'B', familyName: String(i) },
      emails: [{ value: `burst${i}@acme.example`, type: 'work', primary: true }],
      active: true,
    });
    const created = await Promise.all(Array.from({ length: 32 }, (_, i) => t.scim('POST', '/Users', user(i))));
    expect(created.map((r) => r.status)).toEqual(Array(32).fill(201));
    const ids = created.map((r) => r.json.id as string);
    const patched = await Promise.all(
      ids.map((id) =>
        t.scim('PATCH', `/Users/${id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        }),
      ),
    );
    expect(patched.map((r) => r.status)).toEqual(Array(32).fill(200));
    const feed = await t.admin('GET', '/orgs/{org}/events?limit=1000');
    expect(feed.status).toBe(200);
    const events = feed.json.events as Array<{ sequence: number; type: string }>;
    const userEvents = events.filter((e) => e.type.startsWith('user.'));
    expect(userEvents.filter((e) => e.type === 'user.created')).toHaveLength(32);
    expect(userEvents.filter((e) => e.type === 'user.deactivated')).toHaveLength(32);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  }, 120000);
});

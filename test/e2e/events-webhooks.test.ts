/**
 * Events out, end to end: the five processes, SCIM and admin-API changes, a platform receiver on loopback that
 * verifies every delivery with the `standardwebhooks` library, an outage of the receiver, the events feed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';
import { startWebhookReceiver, waitFor, type Delivery, type WebhookReceiver } from '../support/webhook-receiver.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const user = (userName: string, given = 'Ada') => ({
  schemas: [CORE],
  userName,
  name: { givenName: given, familyName: 'Lovelace' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
  password: 'S3cret-pass!',
});

describe('events feed and signed webhooks against the running system', () => {
  let sys: RunningSystem;
  let rx: WebhookReceiver;
  let t: ScimTenant;
  let webhookId: string;
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
  const ofOrg = () => rx.accepted().filter((d) => d.body.orgId === t.orgId);
  const types = (ds: Delivery[]) => ds.map((d) => d.body.type);

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    sys = await startSystem({
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_RETRY_SCHEDULE: Array(400).fill('100ms').join(','),
      WEBHOOKS_POLL_INTERVAL: '50ms',
      EVENTS_GAP_GRACE: '300ms',
    });
    const created = await admin('POST', '/webhooks', { url: rx.url, events: ['*'], description: 'platform' });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_/);
    rx.secret = created.json.secret;
    webhookId = created.json.id;
    t = await newScimTenant(sys, 'Events Inc');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
    await rx?.close();
  });

  it('registers endpoints with a clear error for bad input, and shows the secret only once', async () => {
    expect((await admin('POST', '/webhooks', { events: ['*'] })).json.error.message).toMatch(/"url" is required/);
    const badType = await admin('POST', '/webhooks', { url: rx.url, events: ['user.created', 'user.exploded'] });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toMatch(/unknown event types: user\.exploded/);
    expect((await admin('POST', '/webhooks', { url: rx.url, events: ['*'], orgId: 'nope' })).status).toBe(404);
    expect(
      (await admin('POST', '/webhooks', { url: rx.url, events: ['*'], colour: 'red' })).json.error.message,
    ).toMatch(/unknown fields: colour/);
    expect((await admin('GET', '/webhooks/wh_missing')).status).toBe(404);
    const listed = await admin('GET', '/webhooks');
    expect(listed.json.webhooks).toEqual([
      expect.objectContaining({
        id: webhookId,
        url: rx.url,
        events: ['*'],
        orgId: null,
        enabled: true,
        secretLast4: rx.secret.slice(-4),
      }),
    ]);
    expect(listed.text).not.toContain(rx.secret);
  });

  it('delivers every SCIM change, signed, in order per resource, with the platform view and never a secret', async () => {
    const ada = (await t.scim('POST', '/Users', user('ada@events.example'))).json.id;
    const bob = (await t.scim('POST', '/Users', user('bob@events.example', 'Bob'))).json.id;
    expect((await t.scim('PUT', `/Users/${ada}`, { ...user('ada@events.example', 'Augusta'), id: ada })).status).toBe(
      200,
    );
    expect(
      (
        await t.scim('PATCH', `/Users/${bob}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', value: { active: false } }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await t.scim('PATCH', `/Users/${bob}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', value: { active: true } }],
        })
      ).status,
    ).toBe(200);
    const team = (
      await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: ada }] })
    ).json.id;
    await t.scim('PATCH', `/Groups/${team}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: bob }] },
        { op: 'remove', path: `members[value eq "${ada}"]` },
      ],
    });
    await t.scim('PATCH', `/Groups/${team}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: team, displayName: 'Engineering EU' } }],
    });
    expect((await t.scim('DELETE', `/Groups/${team}`)).status).toBe(204);
    expect((await t.scim('DELETE', `/Users/${ada}`)).status).toBe(204);

    await waitFor('the SCIM events', () => ofOrg().some((d) => d.body.type === 'user.deleted'));
    const got = ofOrg();
    expect(rx.deliveries.every((d) => d.verified)).toBe(true);
    // the organization's sequence, without gaps, in delivery order
    expect(got.map((d) => d.body.sequence)).toEqual(got.map((_, i) => i + 1));
    expect(types(got)[0]).toBe('connector.created');
    const of = (id: string) =>
      types(got.filter((d) => d.body.data.user?.id === id && !d.body.type.startsWith('team.')));
    expect(of(ada)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    expect(of(bob)).toEqual(['user.created', 'user.deactivated', 'user.reactivated']);
    expect(types(got.filter((d) => d.body.data.team?.id === team))).toEqual([
      'team.created',
      'team.member_added',
      'team.member_added',
      'team.member_removed',
      'team.updated',
      'team.deleted',
    ]);
    const created = got.find((d) => d.body.type === 'user.created')!;
    expect(created.body).toMatchObject({
      actor: `connector:${t.connectorId}`,
      requestId: expect.any(String),
      data: {
        user: { id: ada, userName: 'ada@events.example', active: true, provisioned: true, role: null, access: 'app' },
      },
    });
    expect(got.find((d) => d.body.type === 'user.updated')!.body.data.user.displayName).toBe('Augusta Lovelace');
    expect(got.find((d) => d.body.type === 'team.updated')!.body.data.team).toMatchObject({
      name: 'Engineering EU',
      memberCount: 1,
    });
    expect(got.filter((d) => d.body.type === 'team.member_removed').map((d) => d.body.data.user)).toEqual([
      { id: ada, userName: 'ada@events.example' },
    ]);
    const everything = rx.deliveries.map((d) => d.raw).join('\n');
    for (const secret of [t.token, t.password, 'S3cret-pass!']) expect(everything).not.toContain(secret);
  });

  it('delivers admin-API changes (users, teams, connector) with the operator as actor', async () => {
    const carol = (await t.scim('POST', '/Users', user('carol@events.example', 'Carol'))).json.id;
    expect((await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: false })).status).toBe(200);
    expect((await t.admin('PATCH', `/orgs/{org}/users/${carol}`, { role: 'Admin' })).status).toBe(200);
    const team = (await t.admin('POST', '/orgs/{org}/teams', { name: 'Support' })).json.id;
    expect((await t.admin('POST', `/orgs/{org}/teams/${team}/members`, { userId: carol })).status).toBe(200);
    expect((await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: true })).status).toBe(200);
    await waitFor('the admin events', () => ofOrg().filter((d) => d.body.type === 'connector.updated').length === 2);
    const tail = ofOrg().slice(-6);
    expect(types(tail)).toEqual([
      'user.created',
      'connector.updated',
      'user.updated',
      'team.created',
      'team.member_added',
      'connector.updated',
    ]);
    expect(tail.slice(1).every((d) => d.body.actor === 'operator')).toBe(true);
    expect(tail[2].body.data.user).toMatchObject({ id: carol, role: 'Admin', access: 'web' });
    expect(tail[1].body.data.connector).toMatchObject({ id: t.connectorId, enabled: false });
    expect(tail[5].body.data.connector).toMatchObject({ id: t.connectorId, enabled: true });
  });

  it('a receiver down for a while gets everything after it returns, in order', async () => {
    const before = ofOrg().length;
    rx.down = true;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await t.scim('POST', '/Users', user(`outage${i}@events.example`))).json.id);
    await t.scim('PATCH', `/Users/${ids[0]}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    await waitFor(
      'failed attempts during the outage',
      () => rx.deliveries.filter((d) => d.status === 503).length >= 3,
      10000,
    );
    rx.down = false;
    await waitFor('everything after the outage', () => ofOrg().length === before + 5);
    const after = ofOrg().slice(before);
    expect(types(after)).toEqual(['user.created', 'user.created', 'user.created', 'user.created', 'user.deactivated']);
    expect(after.map((d) => d.body.data.user.id)).toEqual([...ids, ids[0]]);
    expect(ofOrg().map((d) => d.body.sequence)).toEqual(ofOrg().map((_, i) => i + 1));
    const log = await admin('GET', `/webhooks/${webhookId}/deliveries?limit=500`);
    expect(
      log.json.deliveries.some(
        (d: { outcome: string; responseStatus: number }) => d.outcome === 'failed' && d.responseStatus === 503,
      ),
    ).toBe(true);
  });

  it('the feed pages the same events in order, resumable from its cursor, per organization and for all', async () => {
    const delivered = ofOrg().map((d) => d.body.id);
    const seen: string[] = [];
    let after = '';
    for (let page = 0; page < 50; page++) {
      const r = await admin('GET', `/orgs/${t.orgId}/events?limit=7${after ? `&after=${after}` : ''}`);
      expect(r.status).toBe(200);
      if (!r.json.events.length) break;
      seen.push(...r.json.events.map((e: { id: string }) => e.id));
      after = r.json.nextCursor;
    }
    expect(seen.slice(0, delivered.length)).toEqual(delivered);
    const again = await admin('GET', `/orgs/${t.orgId}/events?after=${after}`);
    expect(again.json).toEqual({ events: [], nextCursor: after });
    await waitFor(
      'the all-organizations feed',
      async () =>
        (await admin('GET', '/events?limit=1000')).json.events.filter((e: { orgId: string }) => e.orgId === t.orgId)
          .length >= delivered.length,
    );
    const all = (await admin('GET', '/events?limit=1000')).json.events;
    expect(
      all
        .filter((e: { orgId: string }) => e.orgId === t.orgId)
        .map((e: { id: string }) => e.id)
        .slice(0, delivered.length),
    ).toEqual(delivered);
    expect((await admin('GET', `/orgs/${t.orgId}/events?after=bogus`)).json.error.code).toBe('invalid_cursor');
    expect((await admin('GET', `/events?after=${after}`)).status).toBe(400);
    expect((await admin('GET', `/orgs/${t.orgId}/events?limit=0`)).status).toBe(400);
  });

  it('redelivers one event by hand, and signs with the new secret after a rotation', async () => {
    const first = ofOrg()[0];
    const count = rx.deliveries.length;
    const re = await admin('POST', `/webhooks/${webhookId}/events/${first.body.id}/redeliver`);
    expect(re.status).toBe(200);
    expect(re.json).toMatchObject({ eventId: first.body.id, outcome: 'succeeded', manual: true });
    expect(rx.deliveries.slice(count).map((d) => d.webhookId)).toEqual([first.body.id]);

    const rotated = await admin('POST', `/webhooks/${webhookId}/rotate-secret`);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(rx.secret);
    rx.secret = rotated.json.secret;
    await t.scim('POST', '/Users', user('after-rotation@events.example'));
    await waitFor('a delivery signed with the new secret', () =>
      ofOrg().some((d) => d.body.data.user?.userName === 'after-rotation@events.example'),
    );

    // connector credentials rotated: an event without the new secrets (SCIM stops working with the old token)
    const rotatedConnector = await t.admin('POST', `/orgs/{org}/connectors/${t.connectorId}/rotate`);
    expect(rotatedConnector.status).toBe(200);
    await waitFor('connector.credentials_rotated', () =>
      ofOrg().some((d) => d.body.type === 'connector.credentials_rotated'),
    );
    const rotatedEvent = ofOrg().find((d) => d.body.type === 'connector.credentials_rotated')!;
    expect(rotatedEvent.body.data).toMatchObject({
      connector: { id: t.connectorId, type: 'okta', enabled: true },
      credentialsIssuedAt: expect.any(String),
    });
    for (const secret of [rotatedConnector.json.scim.bearerToken, rotatedConnector.json.scim.basic.password])
      expect(rotatedEvent.raw).not.toContain(secret);

    const off = await admin('PATCH', `/webhooks/${webhookId}`, { enabled: false });
    expect(off.json).toMatchObject({ enabled: false, disabledReason: 'disabled by operator' });
    expect((await admin('DELETE', `/webhooks/${webhookId}`)).status).toBe(204);
    expect((await admin('GET', '/webhooks')).json.webhooks).toEqual([]);
  });
});

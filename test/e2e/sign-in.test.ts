/** Sign-in end to end: five processes, a real OpenID Provider as the customer's Okta, a scripted browser. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Browser } from '../../services/identity/test/support/browser.js';
import { LOGIN_HEADER, startFakeOkta, type FakeOkta } from '../../services/identity/test/support/fake-okta.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PLATFORM = 'urn:ietf:params:scim:schemas:extension:platform:2.0:User';
const person = (userName: string, role?: string) => ({
  schemas: [CORE, PLATFORM],
  userName,
  name: { givenName: 'A', familyName: 'B' },
  emails: [{ value: userName, type: 'work', primary: true }],
  ...(role ? { [PLATFORM]: { role } } : {}),
});

describe('OIDC sign-in through the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  let okta: FakeOkta;
  let aliceId: string;
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Acme SSO');
    okta = await startFakeOkta({ redirectUris: [`${sys.url}/oidc/callback`] });
    okta.accounts.set('alice', { email: 'alice@acme.example', name: 'Alice' });
    okta.accounts.set('bob', { email: 'bob@acme.example' });
    okta.accounts.set('erin', { email: 'erin@acme.example' });
    aliceId = (await t.scim('POST', '/Users', person('alice@acme.example', 'Admin'))).json.id;
    await t.scim('POST', '/Users', person('bob@acme.example'));
  }, 90000);
  afterAll(async () => {
    await okta?.close();
    await sys?.stop();
  });

  async function signIn(who: string) {
    const browser = new Browser({ [LOGIN_HEADER]: who });
    const start = await browser.get(`${sys.url}/oidc/login?org=${t.orgId}`);
    expect(start.status).toBe(302);
    const { stoppedAt } = await browser.follow(start.location!, (u) => u.origin === sys.url);
    const callback = await browser.get(stoppedAt!);
    return { browser, callback };
  }
  const me = (browser: Browser) =>
    browser.request('GET', `${sys.url}/api/v1/me`, { headers: { accept: 'application/json' } });

  it('refuses an issuer that announces another host name, naming both', async () => {
    const wrong = okta.url.replace('127.0.0.1', 'localhost');
    const res = await t.admin('PUT', `/orgs/{org}/connectors/${t.connectorId}/oidc`, {
      issuer: wrong,
      clientId: okta.clientId,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.json)).toContain(wrong);
    expect(JSON.stringify(res.json)).toContain(okta.issuer());
  });

  it('signs a provisioned user in, with web access from the role; deactivation over SCIM ends the session at once', async () => {
    const configured = await t.admin('PUT', `/orgs/{org}/connectors/${t.connectorId}/oidc`, {
      issuer: okta.issuer(),
      clientId: okta.clientId,
    });
    expect(configured.status).toBe(200);
    const { browser, callback } = await signIn('alice');
    expect(callback.status).toBe(302);
    expect(browser.jar.has('scimgw_session')).toBe(true);
    const who = await me(browser);
    expect(who.status).toBe(200);
    expect(JSON.parse(who.body)).toMatchObject({
      userName: 'alice@acme.example',
      orgId: t.orgId,
      role: 'Admin',
      access: 'web',
    });

    await t.scim('PATCH', `/Users/${aliceId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect((await me(browser)).status).toBe(401);
    const again = await signIn('alice');
    expect(again.callback.status).toBeGreaterThanOrEqual(400);
    expect(again.callback.body).toMatch(/deactivated/i);

    const log = (await t.admin('GET', '/orgs/{org}/activity?action=auth.')).json.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(log).toEqual(expect.arrayContaining(['auth.login', 'auth.login_refused']));
  });

  it('gives app-only access to a user without a role, and refuses people who were never provisioned', async () => {
    const { browser } = await signIn('bob');
    expect(JSON.parse((await me(browser)).body)).toMatchObject({
      userName: 'bob@acme.example',
      role: null,
      access: 'app',
    });
    const erin = await signIn('erin');
    expect(erin.callback.status).toBeGreaterThanOrEqual(400);
    expect(erin.callback.body).toMatch(/not (been )?provisioned/i);
    expect((await http('GET', `${sys.url}/api/v1/me`)).status).toBe(401);
  });

  it('ends every session when the connector is disabled', async () => {
    const { browser } = await signIn('bob');
    expect((await me(browser)).status).toBe(200);
    await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: false });
    expect((await me(browser)).status).toBe(401);
    await t.admin('PATCH', `/orgs/{org}/connectors/${t.connectorId}`, { enabled: true });
  });

  it('refuses SSO configuration without the Enterprise Toolkit', async () => {
    await t.admin('DELETE', '/orgs/{org}/entitlements/enterprise-toolkit');
    const res = await t.admin('PUT', `/orgs/{org}/connectors/${t.connectorId}/oidc`, {
      issuer: okta.issuer(),
      clientId: okta.clientId,
    });
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/Billing/);
    await t.admin('PUT', '/orgs/{org}/entitlements/enterprise-toolkit');
  });
});

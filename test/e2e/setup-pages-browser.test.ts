/**
 * The customer admin's Okta setup in a real Chromium, through the five processes: setup link → Add connector
 * (Okta) → the values read from the page drive an Okta-like SCIM client → provisioned badges → provisioning off →
 * the user becomes editable → reset credentials → single sign-on against a real OpenID Provider (custom-domain
 * mismatch both ways, unreachable issuer, success) → signed-in EnterpriseAdmin access. Plus a keyboard-only form
 * and a phone-sized screen. Screenshots of every page go to test-output/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOGIN_HEADER, startFakeOkta, type FakeOkta } from '../../services/identity/test/support/fake-okta.js';
import { launchChromium, screenshot } from '../support/chromium.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const OKTA_HEADERS = { 'user-agent': 'Okta SCIM Client 1.0.0', accept: 'application/scim+json' };

describe('Organization Setup in a real browser: an Okta setup from a setup link', () => {
  let sys: RunningSystem;
  let okta: FakeOkta;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let orgId: string;
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
  /** What the admin copied from the page. */
  const shown = { baseUrl: '', companyId: '', passkey: '', bearer: '', connectorUrl: '' };
  let userId = '';

  beforeAll(async () => {
    sys = await startSystem();
    okta = await startFakeOkta({ redirectUris: [`${sys.url}/oidc/callback`] });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    const org = await admin('POST', '/orgs', { name: 'Acme Corp' });
    orgId = org.json.id;
    await admin('PUT', `/orgs/${orgId}/entitlements/enterprise-toolkit`);
  }, 90000);
  afterAll(async () => {
    await browser?.close();
    await okta?.close();
    await sys?.stop();
  });

  const text = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();
  const scim = (method: string, path: string, auth: { basic?: [string, string]; token?: string }, body?: unknown) =>
    http(method, `${shown.baseUrl}${path}`, { ...auth, body, headers: OKTA_HEADERS });

  it('opens the setup link and adds an Okta connector; the secrets are shown once', async () => {
    const link = await admin('POST', `/orgs/${orgId}/setup-links`, {});
    expect(link.status).toBe(201);
    await page.goto(link.json.url);
    await screenshot(page, '01-start');
    await page.getByRole('button', { name: 'Continue to Organization Setup' }).click();
    await page.waitForURL(`${sys.url}/setup`);
    expect(await text('h1')).toBe('External User Authentication & Provisioning');
    await screenshot(page, '02-overview-empty');

    // submitting without a choice: an error summary linking to the field
    await page.getByRole('button', { name: 'Add connector' }).click();
    expect(await text('.error-summary')).toContain('Select the identity provider you use');
    await screenshot(page, '03-overview-error');
    await page.getByRole('link', { name: 'Select the identity provider you use' }).click();
    await page.getByLabel('Okta', { exact: false }).first().check();
    await page.getByRole('button', { name: 'Add connector' }).click();
    expect(await text('h1')).toBe('Okta connector');
    shown.baseUrl = await text('#scim-url-0');
    shown.companyId = await text('#company-id');
    shown.passkey = await text('#new-passkey');
    shown.bearer = await text('#new-bearer');
    expect(shown.baseUrl).toBe(`${sys.url}/scim/v2/${orgId}`);
    expect(shown.passkey.length).toBeGreaterThanOrEqual(43);
    expect(await page.getByRole('button', { name: 'Copy Bearer token (HTTP Header / Secret Token)' }).count()).toBe(1);
    await screenshot(page, '04-connector-secrets');

    // after leaving the page only the last four characters remain
    await page.getByRole('link', { name: 'Back to overview' }).click();
    await page.getByRole('link', { name: /Open the Okta connector/ }).click();
    shown.connectorUrl = page.url();
    const body = await page.content();
    expect(body).not.toContain(shown.passkey);
    expect(body).not.toContain(shown.bearer);
    expect(await text('#passkey')).toBe(`••••••••${shown.passkey.slice(-4)}`);
    await screenshot(page, '05-connector');
    await page.getByRole('link', { name: /Step-by-step instructions for Okta/ }).click();
    expect(await page.content()).toContain(shown.baseUrl);
    expect(await page.content()).toContain(`${sys.url}/oidc/callback`);
    await screenshot(page, '06-instructions');
  });

  it('an Okta-like SCIM client with exactly the shown values provisions a user and pushes a group; both carry the Okta badge', async () => {
    const basic = { basic: [shown.companyId, shown.passkey] as [string, string] };
    // Okta's connection test, lookup before create, create, group push
    expect((await scim('GET', '/Users?startIndex=1&count=2', basic)).status).toBe(200);
    const lookup = await scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "jane@acme.example"')}&startIndex=1&count=100`,
      basic,
    );
    expect(lookup.json.totalResults).toBe(0);
    const created = await scim('POST', '/Users', basic, {
      schemas: [CORE],
      userName: 'jane@acme.example',
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ primary: true, value: 'jane@acme.example', type: 'work' }],
      displayName: 'Jane Doe',
      externalId: '00u1',
      groups: [],
      password: 'x',
      active: true,
    });
    expect(created.status).toBe(201);
    userId = created.json.id;
    const bearer = { token: shown.bearer };
    expect(
      (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}`, bearer)).json
        .totalResults,
    ).toBe(0);
    const group = await scim('POST', '/Groups', bearer, { schemas: [GROUP], displayName: 'Engineering', members: [] });
    expect(group.status).toBe(201);
    const push = await scim('PATCH', `/Groups/${group.json.id}`, bearer, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: 'jane@acme.example' }] }],
    });
    expect([200, 204]).toContain(push.status);

    await page.goto(`${sys.url}/setup/users`);
    const row = page.locator(`#user-${userId}`);
    expect(await row.locator('.badge').textContent()).toBe('Provisioned · Okta');
    expect(await row.textContent()).toContain('Read-only: provisioned by Okta');
    await screenshot(page, '07-users-provisioned');
    await page.goto(`${sys.url}/setup/teams`);
    expect(await page.locator('tbody tr').first().locator('.badge').textContent()).toBe('Provisioned · Okta');
    await screenshot(page, '08-teams-provisioned');
  });

  it('with provisioning off the user becomes editable, and the change is recorded with the setup link as actor', async () => {
    await page.goto(shown.connectorUrl);
    await page.getByRole('button', { name: 'Turn provisioning off' }).click();
    expect(await text('.success')).toContain('Provisioning is off');
    await page.goto(`${sys.url}/setup/users?q=jane`);
    const row = page.locator(`#user-${userId}`);
    await row.getByText('Change Jane Doe').click();
    await row.getByLabel('Role').selectOption('EnterpriseAdmin');
    await screenshot(page, '09-users-edit');
    await row.getByRole('button', { name: 'Save changes to Jane Doe' }).click();
    expect(await text('.success')).toContain('The user was updated');
    const users = await admin('GET', `/orgs/${orgId}/users`);
    expect(users.json.users[0]).toMatchObject({
      userName: 'jane@acme.example',
      role: 'EnterpriseAdmin',
      editable: true,
    });
    const activity = await admin('GET', `/orgs/${orgId}/activity?action=user.update`);
    expect(activity.json.entries[0].actor).toMatch(/^setup-link:/);
    // SCIM is refused while provisioning is off
    expect((await scim('GET', '/Users', { token: shown.bearer })).status).toBeGreaterThanOrEqual(400);
    await page.goto(shown.connectorUrl);
    await page.getByRole('button', { name: 'Turn provisioning on' }).click();
    expect(await text('.success')).toContain('Provisioning is on');
  });

  it('reset credentials: behind a confirmation; the old token gets 401 and the new one works', async () => {
    await page.getByRole('link', { name: 'Reset credentials' }).click();
    expect(await text('.warning')).toContain('Provisioning fails until you enter the new values in Okta');
    await screenshot(page, '10-reset-confirm');
    await page.getByRole('button', { name: 'Reset credentials now' }).click();
    const newBearer = await text('#new-bearer');
    const newPasskey = await text('#new-passkey');
    expect(newBearer).not.toBe(shown.bearer);
    await screenshot(page, '11-reset-done');
    expect((await scim('GET', '/Users?startIndex=1&count=2', { token: shown.bearer })).status).toBe(401);
    expect((await scim('GET', '/Users?startIndex=1&count=2', { basic: [shown.companyId, shown.passkey] })).status).toBe(
      401,
    );
    expect((await scim('GET', '/Users?startIndex=1&count=2', { token: newBearer })).status).toBe(200);
    expect((await scim('GET', '/Users?startIndex=1&count=2', { basic: [shown.companyId, newPasskey] })).status).toBe(
      200,
    );
  });

  it('single sign-on: the custom-domain mismatch is named both ways, an unreachable issuer is named, then it works', async () => {
    const orgUrl = okta.url; // http://127.0.0.1:<port>
    const customDomain = okta.url.replace('127.0.0.1', 'localhost'); // the same provider under another host name
    const submitSso = async (issuer: string) => {
      await page.goto(`${shown.connectorUrl}#sso`);
      await page.getByLabel('Issuer URL').fill(issuer);
      await page.getByLabel('Client ID').fill(okta.clientId);
      await page.getByRole('button', { name: /Turn on single sign-on|Save single sign-on settings/ }).click();
    };
    // 1. the provider announces its custom domain; the admin entered the Okta org URL
    okta.announceIssuer(customDomain);
    await submitSso(orgUrl);
    let summary = await text('.error-summary');
    expect(summary).toContain(`announces the issuer ${customDomain}`);
    expect(summary).toContain(`not ${orgUrl}`);
    expect(await page.locator('#issuer').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '12-sso-mismatch');
    // 2. the other way round
    okta.announceIssuer(orgUrl);
    await submitSso(customDomain);
    summary = await text('.error-summary');
    expect(summary).toContain(`announces the issuer ${orgUrl}`);
    expect(summary).toContain(`not ${customDomain}`);
    // 3. nobody answers there
    await submitSso('http://127.0.0.1:9/oauth2/default');
    expect(await text('.error-summary')).toContain('The issuer could not be used');
    await screenshot(page, '13-sso-unreachable');
    // 4. right
    await submitSso(orgUrl);
    expect(await text('.success')).toContain('Single sign-on is on');
    await screenshot(page, '14-sso-on');

    const failures = await admin('GET', `/orgs/${orgId}/activity?action=sso.configure`);
    const outcomes = failures.json.entries.map((e: { outcome: string }) => e.outcome);
    expect(outcomes).toEqual(['success', 'failure', 'failure', 'failure']);
    expect(failures.json.entries[1].details.reason).toBe('issuer_unreachable');
    expect(failures.json.entries.every((e: { actor: string }) => e.actor.startsWith('setup-link:'))).toBe(true);

    await page.goto(`${sys.url}/setup/activity?action=sso.`);
    expect(await page.locator('tbody tr').count()).toBe(4);
    expect(await page.locator('tbody').textContent()).toContain('Failed');
    await screenshot(page, '15-activity');
  });

  it('a person signed in through SSO with EnterpriseAdmin reaches the pages from the portal', async () => {
    okta.accounts.set('jane', { email: 'jane@acme.example' });
    const ctx = await browser.newContext({ extraHTTPHeaders: { [LOGIN_HEADER]: 'jane' } });
    const p = await ctx.newPage();
    await p.goto(`${sys.url}/oidc/login?org=${orgId}`);
    await p.waitForURL(`${sys.url}/portal`);
    await p.getByRole('link', { name: 'Organization Setup' }).click();
    expect(await p.textContent('header')).toContain('Signed in as jane@acme.example (EnterpriseAdmin)');
    await ctx.close();
  }, 60000);

  it('signed in with the role User: refused with a page that says why', async () => {
    await admin('PATCH', `/orgs/${orgId}/connectors/${shown.connectorUrl.split('/').pop()}`, { enabled: false });
    await admin('PATCH', `/orgs/${orgId}/users/${userId}`, { role: 'User' });
    await admin('PATCH', `/orgs/${orgId}/connectors/${shown.connectorUrl.split('/').pop()}`, { enabled: true });
    const ctx2 = await browser.newContext({ extraHTTPHeaders: { [LOGIN_HEADER]: 'jane' } });
    const p2 = await ctx2.newPage();
    await p2.goto(`${sys.url}/oidc/login?org=${orgId}`);
    await p2.waitForURL(`${sys.url}/portal`);
    const refused = await p2.goto(`${sys.url}/setup`);
    expect(refused!.status()).toBe(403);
    expect(await p2.textContent('main')).toContain('whose role is User');
    await screenshot(p2, '16-refused');
    await ctx2.close();
  }, 60000);

  it('signed in with the role Admin: the same pages, read only', async () => {
    // Admin: the same pages, read only — no changing form, and a forged post is refused
    await admin('PATCH', `/orgs/${orgId}/connectors/${shown.connectorUrl.split('/').pop()}`, { enabled: false });
    await admin('PATCH', `/orgs/${orgId}/users/${userId}`, { role: 'Admin' });
    await admin('PATCH', `/orgs/${orgId}/connectors/${shown.connectorUrl.split('/').pop()}`, { enabled: true });
    const ctx3 = await browser.newContext({ extraHTTPHeaders: { [LOGIN_HEADER]: 'jane' } });
    const p3 = await ctx3.newPage();
    await p3.goto(`${sys.url}/oidc/login?org=${orgId}`);
    await p3.waitForURL(`${sys.url}/portal`);
    await p3.goto(shown.connectorUrl);
    expect(await p3.textContent('header')).toContain('(read only)');
    expect(await p3.locator('main form').count()).toBe(0);
    await p3.goto(`${sys.url}/setup/users`);
    expect(await p3.locator('main form[method=post]').count()).toBe(0);
    // even with the right CSRF token (computed here from the session cookie), an Admin cannot change anything
    const session = (await ctx3.cookies()).find((c) => c.name === 'scimgw_session')!.value;
    const csrf = createHash('sha256').update(`setup-csrf:${session}`).digest('hex');
    const forged = await p3.request.post(`${sys.url}/setup/teams`, {
      form: { name: 'By an Admin', csrf },
      headers: { origin: sys.url },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('read only');
    await ctx3.close();
  }, 60000);

  it('keyboard only: create a team through its form, with a visible focus', async () => {
    await page.goto(`${sys.url}/setup/teams`);
    // Tab from the top of the page to the team name field, as a keyboard user does
    let focused = '';
    for (let i = 0; i < 60 && focused !== 'team-name'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    expect(focused).toBe('team-name');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter'); // empty: refused with the message next to the field
    expect(await text('.error-summary')).toContain('Enter a team name');
    expect(await text('#team-name-error')).toContain('Enter a team name');
    await screenshot(page, '17-teams-error');
    await page.focus('.error-summary a');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('team-name');
    await page.keyboard.type('Support');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Create team');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=team-created/);
    expect(await page.locator('tbody').textContent()).toContain('Support');
    await screenshot(page, '18-teams');
  });

  it('fits a phone-sized screen (375 px) without sideways scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 800 },
      storageState: await context.storageState(),
    });
    const p = await phone.newPage();
    for (const [path, name] of [
      ['/setup', '19-phone-overview'],
      ['/setup/users', '20-phone-users'],
      [new URL(shown.connectorUrl).pathname, '21-phone-connector'],
    ]) {
      await p.goto(`${sys.url}${path}`);
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(p, name);
    }
    await phone.close();
  });

  it('without the Enterprise Toolkit the overview says where to enable it and offers nothing else', async () => {
    const other = await admin('POST', '/orgs', { name: 'Initech' });
    const link = await admin('POST', `/orgs/${other.json.id}/setup-links`, {});
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(link.json.url);
    await p.getByRole('button', { name: 'Continue to Organization Setup' }).click();
    expect(await p.textContent('main')).toContain('Enable it on the Billing page');
    expect(await p.locator('main form').count()).toBe(0);
    await screenshot(p, '22-overview-no-toolkit');
    await ctx.close();
  });

  it('turning single sign-on off signs everyone out of it and is recorded', async () => {
    okta.accounts.set('jane', { email: 'jane@acme.example' });
    const ctx = await browser.newContext({ extraHTTPHeaders: { [LOGIN_HEADER]: 'jane' } });
    const signedIn = await ctx.newPage();
    await signedIn.goto(`${sys.url}/oidc/login?org=${orgId}`);
    await signedIn.waitForURL(`${sys.url}/portal`);

    await page.goto(shown.connectorUrl);
    await page.getByRole('button', { name: 'Turn single sign-on off' }).click();
    expect(await text('.success')).toContain('Single sign-on is off');
    expect(await page.locator('#issuer').inputValue()).toBe('');
    const me = await signedIn.request.get(`${sys.url}/api/v1/me`, { headers: { accept: 'application/json' } });
    expect(me.status()).toBe(401);
    const login = await signedIn.goto(`${sys.url}/oidc/login?org=${orgId}`);
    expect(login!.status()).toBe(400);
    expect(await signedIn.textContent('main, body')).toContain('Single sign-on is not set up');
    await ctx.close();
    const activity = await admin('GET', `/orgs/${orgId}/activity?action=sso.disable`);
    expect(activity.json.entries[0].actor).toMatch(/^setup-link:/);
    // the admin API's way, on an organization where it is already off
    expect(
      (await admin('DELETE', `/orgs/${orgId}/connectors/${shown.connectorUrl.split('/').pop()}/oidc`)).json,
    ).toEqual({ enabled: false, changed: false });
  }, 60000);
});

/**
 * Organization Setup over HTTP through the five processes: setup links (reuse, expiry, revocation), the CSP and
 * security headers, CSRF refusal, and cross-organization access. The browser journey is in setup-pages-browser.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Browser } from '../../services/identity/test/support/browser.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const csrfOf = (page: string) => /name="csrf" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';

describe('Organization Setup over HTTP', () => {
  let sys: RunningSystem;
  let a: ScimTenant;
  let b: ScimTenant;
  let bUserId: string;
  let bTeamId: string;
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });

  /** A browser holding a setup session for `org` (link made with the operator token, opened, continued). */
  async function setupSession(org: string) {
    const link = await admin('POST', `/orgs/${org}/setup-links`, {});
    expect(link.status).toBe(201);
    const browser = new Browser();
    const start = await browser.get(link.json.url);
    expect(start.status).toBe(200);
    const token = new URL(link.json.url).searchParams.get('token')!;
    const redeemed = await browser.request('POST', `${sys.url}/setup/start`, form({ token }));
    expect(redeemed.status).toBe(303);
    return { browser, link: link.json, token };
  }

  beforeAll(async () => {
    sys = await startSystem();
    a = await newScimTenant(sys, 'Acme');
    b = await newScimTenant(sys, 'Globex');
    bUserId = (
      await b.scim('POST', '/Users', {
        schemas: [CORE],
        userName: 'bea@globex.example',
        name: { givenName: 'Bea', familyName: 'G' },
        emails: [{ value: 'bea@globex.example', primary: true }],
      })
    ).json.id;
    bTeamId = (await b.admin('POST', '/orgs/{org}/teams', { name: 'Globex team' })).json.id;
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('the admin API makes, lists and revokes setup links; bad lifetimes are refused', async () => {
    const made = await admin('POST', `/orgs/${a.orgId}/setup-links`, { expiresInSeconds: 600 });
    expect(made.status).toBe(201);
    expect(made.json.url).toMatch(new RegExp(`^${sys.url}/setup/start\\?token=`));
    expect(new Date(made.json.expiresAt).getTime() - Date.now()).toBeGreaterThan(500_000);
    const listed = await admin('GET', `/orgs/${a.orgId}/setup-links`);
    expect(listed.json.setupLinks.map((l: { id: string }) => l.id)).toContain(made.json.id);
    expect(JSON.stringify(listed.json)).not.toContain(new URL(made.json.url).searchParams.get('token'));
    expect((await admin('POST', `/orgs/${a.orgId}/setup-links`, { expiresInSeconds: 8 * 86400 })).status).toBe(400);
    expect((await admin('POST', `/orgs/${a.orgId}/setup-links`, { expiresInSeconds: '60' })).status).toBe(400);
    expect((await admin('DELETE', `/orgs/${b.orgId}/setup-links/${made.json.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/orgs/${a.orgId}/setup-links/${made.json.id}`)).status).toBe(204);
    expect(
      (await admin('GET', `/orgs/${a.orgId}/setup-links`)).json.setupLinks.map((l: { id: string }) => l.id),
    ).not.toContain(made.json.id);
    expect(
      (
        await http('POST', `${sys.url}/admin/v1/orgs/${a.orgId}/setup-links`, {
          body: {},
          contentType: 'application/json',
        })
      ).status,
    ).toBe(401);
  });

  it('every page carries a strict CSP and no-store; the session cookie is HttpOnly and scoped to /setup', async () => {
    const link = await admin('POST', `/orgs/${a.orgId}/setup-links`, {});
    const browser = new Browser();
    const token = new URL(link.json.url).searchParams.get('token')!;
    const redeemed = await browser.request('POST', `${sys.url}/setup/start`, form({ token }));
    const cookie = redeemed.headers.getSetCookie().find((c) => c.startsWith('scimgw_setup='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/setup/);
    expect(cookie).toMatch(/SameSite=Lax/i);
    for (const path of [
      '/setup',
      '/setup/users',
      '/setup/teams',
      '/setup/activity',
      `/setup/connectors/${a.connectorId}`,
    ]) {
      const res = await browser.get(`${sys.url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.body).not.toMatch(/<script>|<style|style="|onclick=/);
    }
    const css = await browser.get(`${sys.url}/setup/assets/setup.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
  });

  it('a link works once: reuse is 410, and the page says what to do without showing the organization', async () => {
    const { token } = await setupSession(a.orgId);
    const again = await new Browser().request('POST', `${sys.url}/setup/start`, form({ token }));
    expect(again.status).toBe(410);
    expect(again.body).toContain('already been used');
    expect(again.body).toContain('Ask the platform');
    expect(again.body).not.toContain('Acme');
    expect((await new Browser().get(`${sys.url}/setup/start?token=${encodeURIComponent(token)}`)).status).toBe(410);
    expect((await new Browser().get(`${sys.url}/setup/start?token=scimgw_setup_nope`)).status).toBe(404);
  });

  it('an expired link is 410', async () => {
    const link = await admin('POST', `/orgs/${a.orgId}/setup-links`, { expiresInSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1200));
    const res = await new Browser().get(link.json.url);
    expect(res.status).toBe(410);
    expect(res.body).toContain('expired');
  });

  it('revoking a link ends the session it started (and the link answers 403)', async () => {
    const { browser, link, token } = await setupSession(a.orgId);
    expect((await browser.get(`${sys.url}/setup`)).status).toBe(200);
    expect((await admin('DELETE', `/orgs/${a.orgId}/setup-links/${link.id}`)).status).toBe(204);
    const after = await browser.get(`${sys.url}/setup`);
    expect(after.status).toBe(401);
    expect(after.body).toContain('setup session has ended');
    expect(after.body).not.toContain('Acme');
    expect((await new Browser().request('POST', `${sys.url}/setup/start`, form({ token }))).status).toBe(403);
  });

  it('the sign-in error page\'s "Organization Setup" leads to the setup pages', async () => {
    const res = await new Browser().get(`${sys.url}/oidc/login?org=${a.orgId}`);
    expect(res.status).toBe(400);
    expect(res.body).toContain(`<a href="${sys.url}/setup">Organization Setup</a>`);
  });

  it('without a session the pages refuse, and say how to get in', async () => {
    const res = await new Browser().get(`${sys.url}/setup/users`);
    expect(res.status).toBe(401);
    expect(res.body).toContain('setup link');
  });

  it('a changing form without the right CSRF token is refused with 403 and changes nothing', async () => {
    const { browser } = await setupSession(a.orgId);
    const page = await browser.get(`${sys.url}/setup/teams`);
    const csrf = csrfOf(page.body);
    expect(csrf).toHaveLength(64);
    const missing = await browser.request('POST', `${sys.url}/setup/teams`, form({ name: 'No token' }));
    expect(missing.status).toBe(403);
    const wrong = await browser.request(
      'POST',
      `${sys.url}/setup/teams`,
      form({ name: 'Wrong token', csrf: 'f'.repeat(64) }),
    );
    expect(wrong.status).toBe(403);
    const crossSite = await browser.request('POST', `${sys.url}/setup/teams`, {
      ...form({ name: 'Cross site', csrf }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const names = (await a.admin('GET', '/orgs/{org}/teams')).json.teams.map((t: { name: string }) => t.name);
    expect(names).not.toEqual(expect.arrayContaining(['No token']));
    expect(names).not.toContain('Wrong token');
    expect(names).not.toContain('Cross site');
    // the same form with the token works, and the change is recorded with the link as actor
    const ok = await browser.request('POST', `${sys.url}/setup/teams`, form({ name: 'With token', csrf }));
    expect(ok.status).toBe(303);
    const activity = await a.admin('GET', '/orgs/{org}/activity?action=team.create');
    expect(activity.json.entries[0]).toMatchObject({ action: 'team.create', resource: { name: 'With token' } });
    expect(activity.json.entries[0].actor).toMatch(/^setup-link:/);
  });

  it('the users page finds people by whole e-mail, by e-mail prefix and by name, within the organization only', async () => {
    for (const [given, family] of [
      ['Ann', 'Archer'],
      ['Annabel', 'Lee'],
      ['Bob', 'Annan'],
    ]) {
      const mail = `${given.toLowerCase()}@acme.example`;
      expect(
        (
          await a.scim('POST', '/Users', {
            schemas: [CORE],
            userName: mail,
            name: { givenName: given, familyName: family },
            emails: [{ value: mail, primary: true }],
          })
        ).status,
      ).toBe(201);
    }
    const { browser } = await setupSession(a.orgId);
    const found = async (q: string) =>
      [
        ...(await browser.get(`${sys.url}/setup/users?q=${encodeURIComponent(q)}`)).body.matchAll(
          /<span class="small">([^<]+)<\/span>/g,
        ),
      ]
        .map((m) => m[1])
        .sort();
    expect(await found('ANN@acme.example')).toEqual(['ann@acme.example']);
    expect(await found('ann')).toEqual(['ann@acme.example', 'annabel@acme.example', 'bob@acme.example']);
    expect(await found('archer')).toEqual(['ann@acme.example']);
    expect(await found('bea@globex.example')).toEqual([]);
    expect(await found('nobody')).toEqual([]);
  });

  it('a session of organization A cannot read or change organization B: every id in a URL is checked', async () => {
    const { browser } = await setupSession(a.orgId);
    const csrf = csrfOf((await browser.get(`${sys.url}/setup`)).body);
    for (const path of [
      `/setup/connectors/${b.connectorId}`,
      `/setup/connectors/${b.connectorId}/guide`,
      `/setup/connectors/${b.connectorId}/reset`,
    ]) {
      const res = await browser.get(`${sys.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('Globex');
      expect(res.body).not.toContain(b.companyId);
    }
    const posts: Array<[string, Record<string, string>]> = [
      [`/setup/connectors/${b.connectorId}/reset`, {}],
      [`/setup/connectors/${b.connectorId}/provisioning`, { enabled: 'off' }],
      [`/setup/connectors/${b.connectorId}/sso/off`, {}],
      [`/setup/users/${bUserId}`, { role: 'EnterpriseAdmin', active: 'false' }],
      [`/setup/teams/${bTeamId}/name`, { name: 'Taken over' }],
    ];
    for (const [path, fields] of posts) {
      const res = await browser.request('POST', `${sys.url}${path}`, form({ ...fields, csrf }));
      expect([path, res.status]).toEqual([path, 404]);
    }
    // B is untouched: its credentials still work, its user and team are unchanged
    expect((await b.scim('GET', `/Users/${bUserId}`)).json.active).toBe(true);
    expect((await b.admin('GET', '/orgs/{org}/teams')).json.teams.map((t: { name: string }) => t.name)).toEqual([
      'Globex team',
    ]);
    expect((await b.admin('GET', `/orgs/{org}/connectors/${b.connectorId}`)).json.enabled).toBe(true);
    // and A's search does not find B's people
    const search = await browser.get(`${sys.url}/setup/users?q=bea`);
    expect(search.body).not.toContain('bea@globex.example');
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Role } from '../../../proto/gen/directory/v1/directory.js';
import { Browser } from '../../../services/identity/test/support/browser.js';
import { LOGIN_HEADER, startFakeOkta } from '../../../services/identity/test/support/fake-okta.js';
import { APP_URI, startGatewayHarness, type GatewayHarness } from './support/gateway-harness.js';

describe('gateway sign-in routes (real identity service, real OpenID Provider, real gRPC)', () => {
  let h: GatewayHarness;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startGatewayHarness();
    const d = h.stack.directory;
    for (const org of ['acme', 'globex', 'initech', 'umbrella']) d.addOrg(org);
    d.addConnector('acme', 'c1');
    d.addConnector('globex', 'c2');
    d.addConnector('initech', 'c3');
    d.addConnector('umbrella', 'c4');
    h.entitled.add('acme');
    h.entitled.add('initech');
    ids.alice = d.addUser({
      tenantId: 'acme',
      userName: 'alice@acme.example',
      email: 'alice@acme.example',
      role: Role.ROLE_ENTERPRISE_ADMIN,
    }).id;
    ids.bob = d.addUser({
      tenantId: 'acme',
      userName: 'bob@acme.example',
      email: 'bob@acme.example',
      role: Role.ROLE_UNSPECIFIED,
    }).id;
    d.addUser({ tenantId: 'acme', userName: 'carol@acme.example', email: 'carol@acme.example', active: false });
    d.addUser({ tenantId: 'globex', userName: 'dave@mail.example', email: 'dave@mail.example' });
    for (const who of ['alice', 'bob', 'carol', 'erin']) h.okta.accounts.set(who, { email: `${who}@acme.example` });
    h.okta.accounts.set('dave', { email: 'dave@mail.example' });
    h.okta.accounts.set('mallory', { email: '<script>alert(1)</script>@acme.example' });
    const res = await fetch(`${h.url}/admin/v1/orgs/acme/connectors/c1/oidc`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ issuer: h.okta.url, clientId: h.okta.clientId }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A person opening the sign-in link and signing in at the provider; returns the gateway's answer to the callback. */
  async function signIn(who: string, org = 'acme', browser = new Browser({ [LOGIN_HEADER]: who })) {
    const start = await browser.get(`${h.url}/oidc/login?org=${org}`);
    if (start.status !== 302) return { browser, start, callback: start };
    const { stoppedAt } = await browser.follow(start.location!, (u) => u.origin === h.url);
    const callback = await browser.get(stoppedAt!);
    return { browser, start, callback };
  }
  const me = async (browser: Browser, headers: Record<string, string> = {}) => {
    const r = await browser.request('GET', `${h.url}/api/v1/me`, {
      headers: { accept: 'application/json', ...headers },
    });
    return { status: r.status, json: JSON.parse(r.body), headers: r.headers };
  };
  const sessionCookieOf = (hop: { headers: Headers }) =>
    hop.headers.getSetCookie().find((c) => c.startsWith('scimgw_session='));

  describe('web sign-in', () => {
    it('redirects to the provider, sets a hardened session cookie and lands on the portal', async () => {
      const { browser, start, callback } = await signIn('alice');
      const auth = new URL(start.location!);
      expect(auth.origin).toBe(h.okta.url);
      expect(auth.searchParams.get('redirect_uri')).toBe(`${h.url}/oidc/callback`);
      expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
      expect(start.headers.getSetCookie().find((c) => c.startsWith('scimgw_login_state='))).toMatch(/HttpOnly/);

      expect(callback.status).toBe(302);
      expect(callback.location).toBe(`${h.url}/portal`);
      const cookie = sessionCookieOf(callback)!;
      expect(cookie).toMatch(/^scimgw_session=scimgw_ses_[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Secure/); // PUBLIC_URL is http here
      expect(callback.headers.get('referrer-policy') ?? 'no-referrer').toBe('no-referrer');

      const who = await me(browser);
      expect(who.status).toBe(200);
      expect(who.json).toMatchObject({
        userName: 'alice@acme.example',
        orgId: 'acme',
        role: 'EnterpriseAdmin',
        access: 'web',
      });
      const portal = await browser.get(`${h.url}/portal`);
      expect(portal.body).toContain('You have access to the web portal');
      expect(portal.body).toContain('alice@acme.example');
    });

    it('rotates the session at every sign-in and ends the one the browser held', async () => {
      const { browser, callback } = await signIn('alice');
      const first = browser.jar.get('scimgw_session')!;
      const again = await signIn('alice', 'acme', browser);
      const second = browser.jar.get('scimgw_session')!;
      expect(sessionCookieOf(callback)).toBeDefined();
      expect(again.callback.status).toBe(302);
      expect(second).not.toBe(first);
      const old = await me(new Browser(), { authorization: `Bearer ${first}` });
      expect(old.status).toBe(401);
      expect((await me(browser)).status).toBe(200);
    });

    it('tells a user without a role, plainly, that they have app access only', async () => {
      const { browser, callback } = await signIn('bob');
      expect(callback.location).toBe(`${h.url}/portal`);
      expect((await me(browser)).json).toMatchObject({ userName: 'bob@acme.example', role: null, access: 'app' });
      const portal = await browser.get(`${h.url}/portal`);
      expect(portal.status).toBe(200);
      expect(portal.body).toContain('Your account has app access only');
      expect(portal.body).not.toContain('You have access to the web portal');
    });

    it('signs out: the session ends and the cookie is cleared', async () => {
      const { browser } = await signIn('alice');
      const out = await browser.request('POST', `${h.url}/oidc/logout`);
      expect(out.status).toBe(200);
      expect(out.body).toContain('You are signed out');
      expect(browser.jar.has('scimgw_session')).toBe(false);
      expect(h.stack.directory.actions('acme')).toContain('auth.logout');
      expect((await me(browser)).status).toBe(401);
    });

    it('answers 401 JSON to /api/v1/me without a session, and shows the sign-in form on /', async () => {
      const anon = new Browser();
      const r = await me(anon);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('unauthenticated');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const garbage = await me(anon, { cookie: 'scimgw_session=scimgw_ses_forged' });
      expect([garbage.status, garbage.json.error.code]).toEqual([401, 'session_not_found']);
      const home = await anon.get(`${h.url}/`);
      expect(home.body).toContain('Company ID');
    });
  });

  describe('failures are pages that say what to change', () => {
    const pageOf = async (who: string, org = 'acme') => (await signIn(who, org)).callback;

    it('names an unprovisioned, a deactivated and another organization user, and never redirects', async () => {
      const erin = await pageOf('erin');
      expect(erin.status).toBe(403);
      expect(erin.location).toBeUndefined();
      expect(erin.headers.get('content-type')).toMatch(/text\/html/);
      expect(erin.body).toContain('Your account has not been provisioned to this organization');
      expect(erin.body).toContain('erin@acme.example');
      expect(erin.body).toContain('user_not_provisioned');
      expect(erin.body).toContain('/oidc/login?org=acme');
      const carol = await pageOf('carol');
      expect([carol.status, carol.body.includes('Your account is deactivated')]).toEqual([403, true]);
      const dave = await pageOf('dave');
      expect(dave.body).toContain('You are not a member of this organization');
      expect(dave.body).not.toContain('globex');
      expect(erin.body).not.toMatch(/login failed/i);
    });

    it('escapes what the provider asserts', async () => {
      const page = await pageOf('mallory');
      expect(page.status).toBe(403);
      expect(page.body).not.toContain('<script>alert(1)</script>');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('answers JSON to API clients', async () => {
      const browser = new Browser({ [LOGIN_HEADER]: 'erin' });
      const start = await browser.get(`${h.url}/oidc/login?org=acme`);
      const { stoppedAt } = await browser.follow(start.location!, (u) => u.origin === h.url);
      const r = await browser.request('GET', stoppedAt!, { headers: { accept: 'application/json' } });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'user_not_provisioned', login: 'erin@acme.example' } });
    });

    it('refuses a callback from a sign-in this browser did not start (state mismatch) without spending it', async () => {
      const victim = new Browser({ [LOGIN_HEADER]: 'alice' });
      await victim.get(`${h.url}/oidc/login?org=acme`); // the victim has a pending sign-in of its own
      const attacker = new Browser({ [LOGIN_HEADER]: 'erin' });
      const start = await attacker.get(`${h.url}/oidc/login?org=acme`);
      const { stoppedAt } = await attacker.follow(start.location!, (u) => u.origin === h.url);
      const injected = await victim.get(stoppedAt!);
      expect(injected.status).toBe(400);
      expect(injected.body).toContain('This sign-in has expired or was already used');
      expect(injected.body).toContain('state mismatch');
      expect(sessionCookieOf(injected)).toBeUndefined();
      const noCookie = await new Browser().get(stoppedAt!);
      expect(noCookie.status).toBe(400);
      expect(noCookie.body).toContain('no pending sign-in');
      // the attacker's own browser can still finish it: the refused attempts did not spend it
      const own = await attacker.get(stoppedAt!);
      expect(own.status).toBe(403); // erin is not provisioned, but the response was processed
      expect(own.body).toContain('not been provisioned');
    });

    it('explains a refused sign-in without PKCE and a replayed callback', async () => {
      const browser = new Browser({ [LOGIN_HEADER]: 'alice' });
      const start = await browser.get(`${h.url}/oidc/login?org=acme`);
      const auth = new URL(start.location!);
      auth.searchParams.delete('code_challenge');
      auth.searchParams.delete('code_challenge_method');
      const { stoppedAt } = await browser.follow(auth.href, (u) => u.origin === h.url);
      const page = await browser.get(stoppedAt!);
      expect(page.status).toBe(400);
      expect(page.body).toContain('Your identity provider refused the sign-in');
      expect(page.body).toContain('invalid_request');

      const ok = new Browser({ [LOGIN_HEADER]: 'alice' });
      const s2 = await ok.get(`${h.url}/oidc/login?org=acme`);
      const cb = (await ok.follow(s2.location!, (u) => u.origin === h.url)).stoppedAt!;
      const stateCookie = ok.jar.get('scimgw_login_state')!;
      expect((await ok.get(cb)).status).toBe(302);
      ok.jar.set('scimgw_login_state', stateCookie); // a replay with the cookie put back
      const replay = await ok.get(cb);
      expect(replay.status).toBe(400);
      expect(replay.body).toContain('invalid_state');
    });

    it('ends an issuer mismatch on a page naming both issuers and what to change', async () => {
      const moving = await startFakeOkta({ redirectUris: [`${h.url}/oidc/callback`] });
      try {
        h.stack.directory.addUser({
          tenantId: 'initech',
          userName: 'ivan@initech.example',
          email: 'ivan@initech.example',
        });
        moving.accounts.set('ivan', { email: 'ivan@initech.example' });
        const put = await fetch(`${h.url}/admin/v1/orgs/initech/connectors/c3/oidc`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ issuer: moving.url, clientId: moving.clientId }),
        });
        expect(put.status).toBe(200);
        const announced = `http://localhost:${moving.port}`;
        moving.announceIssuer(announced); // e.g. the authorization server moved to an Okta custom domain
        const browser = new Browser({ [LOGIN_HEADER]: 'ivan' });
        const start = await browser.get(`${h.url}/oidc/login?org=initech`);
        const { stoppedAt } = await browser.follow(start.location!, (u) => u.origin === h.url);
        const page = await browser.get(stoppedAt!);
        expect(page.status).toBe(400);
        expect(page.body).toContain('The identity provider&#39;s issuer does not match the platform&#39;s SSO setting');
        expect(page.body).toContain('Issuer configured on the platform');
        expect(page.body).toContain(`<code>${moving.url}</code>`);
        expect(page.body).toContain('Issuer the identity provider announced');
        expect(page.body).toContain(`<code>${announced}</code>`);
        expect(page.body).toContain('custom domain');
        // and straight away at the next attempt, from discovery
        const next = await browser.get(`${h.url}/oidc/login?org=initech`);
        expect(next.status).toBe(400);
        expect(next.body).toContain(`<code>${announced}</code>`);
        const json = await browser.request('GET', `${h.url}/oidc/login?org=initech`, {
          headers: { accept: 'application/json' },
        });
        expect(JSON.parse(json.body).error).toMatchObject({
          code: 'issuer_mismatch',
          configuredIssuer: moving.url,
          announcedIssuer: announced,
        });
      } finally {
        await moving.close();
      }
    });

    it('says when single sign-on is not set up', async () => {
      const page = await new Browser().get(`${h.url}/oidc/login?org=umbrella`);
      expect(page.status).toBe(400);
      expect(page.body).toContain('Single sign-on is not set up for this organization');
    });
  });

  describe('live sessions', () => {
    it('ends a live session when the user is deactivated over SCIM', async () => {
      const gina = h.stack.directory.addUser({
        tenantId: 'acme',
        userName: 'gina@acme.example',
        email: 'gina@acme.example',
      });
      h.okta.accounts.set('gina', { email: 'gina@acme.example' });
      const { browser } = await signIn('gina');
      expect((await me(browser)).status).toBe(200);
      gina.active = false;
      const after = await me(browser);
      expect([after.status, after.json.error.code]).toEqual([401, 'user_deactivated']);
      expect(browser.jar.has('scimgw_session')).toBe(false);
    });

    it('ends sessions when the connector is disabled', async () => {
      const { browser } = await signIn('alice');
      h.stack.directory.setConnectorEnabled('acme', 'c1', false);
      try {
        expect((await me(browser)).json.error.code).toBe('sso_disabled');
        const page = (await signIn('alice')).callback;
        expect(page.body).toContain('Single sign-on is turned off for this organization');
      } finally {
        h.stack.directory.setConnectorEnabled('acme', 'c1', true);
      }
    });
  });

  describe('apps', () => {
    async function appCode(who: string, verifier: string) {
      const u = new URL(`${h.okta.url}/auth`);
      u.search = new URLSearchParams({
        client_id: h.okta.clientId,
        response_type: 'code',
        scope: 'openid email profile',
        redirect_uri: APP_URI,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 's',
      }).toString();
      const { stoppedAt } = await new Browser({ [LOGIN_HEADER]: who }).follow(
        u.href,
        (x) => x.protocol === 'com.example.platform:',
      );
      return new URL(stoppedAt!).searchParams.get('code')!;
    }
    const exchange = (body: object) =>
      fetch(`${h.url}/api/v1/sessions/oidc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('exchanges an app code for a session token usable as a bearer token', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const code = await appCode('bob', verifier);
      const res = await exchange({ org: 'acme', code, codeVerifier: verifier, redirectUri: APP_URI });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await res.json();
      expect(body).toMatchObject({
        sessionToken: expect.stringMatching(/^scimgw_ses_/),
        tokenType: 'Bearer',
        user: { userName: 'bob@acme.example', orgId: 'acme', role: null, access: 'app' },
      });
      expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      const bearer = { authorization: `Bearer ${body.sessionToken}` };
      expect((await me(new Browser(), bearer)).json).toMatchObject({ userName: 'bob@acme.example', access: 'app' });
      const out = await fetch(`${h.url}/oidc/logout`, { method: 'POST', headers: bearer });
      expect(out.status).toBe(204);
      expect((await me(new Browser(), bearer)).status).toBe(401);

      const replay = await exchange({ org: 'acme', code, codeVerifier: verifier, redirectUri: APP_URI });
      expect(replay.status).toBe(400);
      expect((await replay.json()).error.code).toBe('invalid_grant');
    });

    it('refuses an exchange without a verifier or with a redirect URI that is not registered', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const code = await appCode('alice', verifier);
      const missing = await exchange({ org: 'acme', code, redirectUri: APP_URI });
      expect([missing.status, (await missing.json()).error.code]).toEqual([400, 'pkce_required']);
      const other = await exchange({
        org: 'acme',
        code,
        codeVerifier: verifier,
        redirectUri: 'https://evil.example/cb',
      });
      expect([other.status, (await other.json()).error.code]).toEqual([400, 'invalid_redirect_uri']);
      const bad = await fetch(`${h.url}/api/v1/sessions/oidc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expect([bad.status, (await bad.json()).error.code]).toEqual([400, 'invalid_request']);
    });
  });

  describe('admin: PUT /admin/v1/orgs/{org}/connectors/{id}/oidc', () => {
    const put = (org: string, connector: string, body: object) =>
      fetch(`${h.url}/admin/v1/orgs/${org}/connectors/${connector}/oidc`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('turns SSO on and answers the oidc block of the connector', async () => {
      const res = await put('acme', 'c1', { issuer: `${h.okta.url}/`, clientId: h.okta.clientId });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        issuer: h.okta.url,
        clientId: h.okta.clientId,
        redirectUris: [`${h.url}/oidc/callback`, APP_URI],
        enabled: true,
      });
    });

    it('refuses without the Enterprise Toolkit, pointing to Billing', async () => {
      const res = await put('globex', 'c2', { issuer: h.okta.url, clientId: h.okta.clientId });
      expect(res.status).toBe(403);
      const body = await res.json();
      expect(body.error.code).toBe('entitlement_required');
      expect(body.error.message).toMatch(/Billing/);
    });

    it('reports a wrong issuer at once, naming both', async () => {
      const res = await put('acme', 'c1', { issuer: `http://localhost:${h.okta.port}`, clientId: h.okta.clientId });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error).toMatchObject({
        code: 'issuer_mismatch',
        configuredIssuer: `http://localhost:${h.okta.port}`,
        announcedIssuer: h.okta.url,
      });
      expect(body.error.message).toContain(h.okta.url);
    });

    it('answers 404 for an unknown connector or organization and 400 for a missing field', async () => {
      expect((await put('acme', 'nope', { issuer: h.okta.url, clientId: 'x' })).status).toBe(404);
      expect((await put('nobody', 'c1', { issuer: h.okta.url, clientId: 'x' })).status).toBe(404);
      expect((await put('acme', 'c1', { issuer: h.okta.url })).status).toBe(400);
    });
  });

  describe('sign-in page', () => {
    it('asks for a work e-mail or Company ID, and says when it cannot resolve one', async () => {
      const form = await new Browser().get(`${h.url}/oidc/login`);
      expect([form.status, form.body.includes('name="login"')]).toEqual([200, true]);
      const unknown = await new Browser().get(`${h.url}/oidc/login?login=${encodeURIComponent('<b>x</b>')}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toContain('&lt;b&gt;x&lt;/b&gt;');
    });

    it('starts the sign-in of the organization a Company ID names', async () => {
      const v = await h.variant({ resolveOrg: async (login) => (login === 'ACME' ? 'acme' : undefined) });
      try {
        const onPublicHost = { host: new URL(h.url).host };
        const found = await getRaw(`${v.url}/oidc/login?login=ACME`, onPublicHost);
        expect(found.status).toBe(302);
        expect(new URL(found.location!).origin).toBe(h.okta.url);
        const missing = await getRaw(`${v.url}/oidc/login?login=NOPE`, onPublicHost);
        expect(missing.status).toBe(404);
        expect(missing.body).toContain('We could not find an organization');
      } finally {
        await v.close();
      }
    });

    it('answers an e-mail address the same way whether or not it has an account (no enumeration)', async () => {
      const asked: string[] = [];
      const v = await h.variant({
        resolveOrg: async (login) => (
          asked.push(login),
          login.toLowerCase().endsWith('@acme.example') ? 'acme' : undefined
        ),
      });
      try {
        const onPublicHost = { host: new URL(h.url).host };
        const answers = await Promise.all(
          ['alice@acme.example', 'nobody@acme.example', 'someone@else.example'].map((login) =>
            getRaw(`${v.url}/oidc/login?login=${encodeURIComponent(login)}`, onPublicHost),
          ),
        );
        for (const a of answers) {
          expect([a.status, a.location, a.setCookie]).toEqual([200, undefined, []]);
          expect(a.body).toContain('does not look people up by e-mail address');
        }
        // The same page apart from the address echoed in the form.
        const strip = (body: string) => body.replace(/value="[^"]*"/, 'value=""');
        expect(new Set(answers.map((a) => strip(a.body))).size).toBe(1);
        expect(asked).toEqual([]);
      } finally {
        await v.close();
      }
    });

    it('moves a sign-in started on another host name to PUBLIC_URL before setting the login-state cookie', async () => {
      const port = new URL(h.url).port;
      const elsewhere = await getRaw(`${h.url}/oidc/login?org=acme&x=1`, { host: `localhost:${port}` });
      expect(elsewhere.status).toBe(302);
      expect(elsewhere.location).toBe(`${h.url}/oidc/login?org=acme&x=1`);
      expect(elsewhere.setCookie).toEqual([]);
      const there = await getRaw(elsewhere.location!, { host: new URL(h.url).host });
      expect(there.status).toBe(302);
      expect(new URL(there.location!).origin).toBe(h.okta.url);
      expect(there.setCookie.join(';')).toContain('scimgw_login_state=');
    });
  });
});

/** GET with an explicit Host header (fetch does not let a test set it). */
function getRaw(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; location?: string; setCookie: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: { accept: 'text/html', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          setCookie: res.headers['set-cookie'] ?? [],
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

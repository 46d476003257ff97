import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { Role } from '../../../proto/gen/directory/v1/directory.js';
import { Access } from '../../../proto/gen/identity/v1/identity.js';
import { Browser } from './support/browser.js';
import { LOGIN_HEADER as LOGIN_HEADER_NAME, startFakeOkta, type FakeOkta } from './support/fake-okta.js';
import { errorMetadata, failure, startIdentityStack, type IdentityStack } from './support/identity-stack.js';

const WEB_CALLBACK = 'http://127.0.0.1:9/oidc/callback';
const APP_URI = 'com.example.platform:/oidc/callback';
const REDIRECTS = [WEB_CALLBACK, APP_URI];

describe('identity service: OIDC sign-in against a real OpenID Provider (real gRPC, real redis-server)', () => {
  let stack: IdentityStack;
  let okta: FakeOkta;
  const users: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startIdentityStack();
    okta = await startFakeOkta({ redirectUris: [WEB_CALLBACK, APP_URI, 'http://127.0.0.1/callback'] });
    const d = stack.directory;
    for (const org of ['acme', 'globex', 'initech']) d.addOrg(org);
    d.addConnector('acme', 'c1');
    d.addConnector('globex', 'c2');
    d.addConnector('initech', 'c3');
    users.alice = d.addUser({
      tenantId: 'acme',
      userName: 'alice@acme.example',
      email: 'alice@acme.example',
      role: Role.ROLE_ADMIN,
    }).id;
    users.bob = d.addUser({
      tenantId: 'acme',
      userName: 'bob@acme.example',
      email: 'bob@acme.example',
      role: Role.ROLE_UNSPECIFIED,
    }).id;
    users.carol = d.addUser({
      tenantId: 'acme',
      userName: 'carol@acme.example',
      email: 'carol@acme.example',
      active: false,
    }).id;
    users.dave = d.addUser({ tenantId: 'globex', userName: 'dave@mail.example', email: 'dave@mail.example' }).id;
    users.frank = d.addUser({ tenantId: 'acme', userName: 'frank', email: 'frank.work@acme.example' }).id;
    const a = okta.accounts;
    a.set('alice', { email: 'Alice@Acme.example', preferred_username: 'alice@acme.example' });
    a.set('bob', { email: 'bob@acme.example' });
    a.set('carol', { email: 'carol@acme.example' });
    a.set('dave', { email: 'dave@mail.example' });
    a.set('erin', { email: 'erin@acme.example' });
    a.set('frank', { preferred_username: 'frank' });
    await stack.client.configureOidc({
      tenantId: 'acme',
      connectorId: 'c1',
      issuer: okta.url,
      clientId: okta.clientId,
      redirectUris: REDIRECTS,
      actor: 'operator',
    });
  });
  afterAll(async () => {
    await okta?.close();
    await stack?.stop();
  });

  /** Starts a web login, lets `who` sign in at the provider, and returns the callback URL the browser reached. */
  async function webLogin(tenantId: string, who: string, mutate?: (authUrl: URL) => void) {
    const begun = await stack.client.beginLogin({ tenantId, redirectUri: WEB_CALLBACK });
    const authUrl = new URL(begun.authorizationUrl);
    mutate?.(authUrl);
    const browser = new Browser({ [LOGIN_HEADER_NAME]: who });
    const { stoppedAt, last } = await browser.follow(authUrl.href, (u) => u.href.startsWith(WEB_CALLBACK));
    if (!stoppedAt) throw new Error(`the provider did not redirect back: ${last.status} ${last.body.slice(0, 300)}`);
    return { callbackUrl: stoppedAt, begun };
  }

  const login = async (tenantId: string, who: string) =>
    (await stack.client.completeLogin({ callbackUrl: (await webLogin(tenantId, who)).callbackUrl })).result!;

  /** An app doing PKCE itself: returns the code the provider sent to the app's redirect URI. */
  async function appCode(who: string, redirectUri: string, verifier = randomBytes(32).toString('base64url')) {
    const u = new URL(`${okta.url}/auth`);
    u.search = new URLSearchParams({
      client_id: okta.clientId,
      response_type: 'code',
      scope: 'openid email profile',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'app-state',
    }).toString();
    const browser = new Browser({ [LOGIN_HEADER_NAME]: who });
    const { stoppedAt } = await browser.follow(u.href, (x) => x.origin !== okta.url);
    return { code: new URL(stoppedAt!).searchParams.get('code')!, verifier };
  }

  const reasonOf = (err: unknown) => errorMetadata(err)['error-reason'];

  describe('ConfigureOidc', () => {
    it('saves the settings after fetching discovery, and records the change', async () => {
      const { settings } = await stack.client.getOidcSettings({ tenantId: 'acme' });
      expect(settings).toMatchObject({
        tenantId: 'acme',
        connectorId: 'c1',
        issuer: okta.url,
        clientId: okta.clientId,
        redirectUris: REDIRECTS,
      });
      expect(stack.directory.actions('acme')).toContain('sso.configure');
      expect((await stack.client.getOidcSettings({ tenantId: 'nobody' })).settings).toBeUndefined();
    });

    it('refuses an issuer whose provider announces another host name, naming both issuers', async () => {
      const err = await failure(
        stack.client.configureOidc({
          tenantId: 'globex',
          connectorId: 'c2',
          issuer: `http://localhost:${okta.port}`,
          clientId: okta.clientId,
          redirectUris: REDIRECTS,
          actor: 'operator',
        }),
      );
      expect(err.code).toBe(status.FAILED_PRECONDITION);
      expect(reasonOf(err)).toBe('issuer_mismatch');
      expect(err.details).toContain(`"http://localhost:${okta.port}"`);
      expect(err.details).toContain(`"${okta.url}"`);
      expect(errorMetadata(err)).toMatchObject({
        'configured-issuer': `http://localhost:${okta.port}`,
        'announced-issuer': okta.url,
      });
      expect((await stack.client.getOidcSettings({ tenantId: 'globex' })).settings).toBeUndefined();
    });

    it('refuses an unreachable issuer naming the URL, plain http off loopback, and an unknown connector', async () => {
      const closed = await startFakeOkta({ redirectUris: REDIRECTS });
      await closed.close();
      const err = await failure(
        stack.client.configureOidc({
          tenantId: 'globex',
          connectorId: 'c2',
          issuer: closed.url,
          clientId: 'x',
          redirectUris: REDIRECTS,
          actor: '',
        }),
      );
      expect(err.code).toBe(status.FAILED_PRECONDITION);
      expect(reasonOf(err)).toBe('issuer_unreachable');
      expect(err.details).toContain('ECONNREFUSED');
      expect(err.details).toContain(`${closed.url}/.well-known/openid-configuration`);
      const http = await failure(
        stack.client.configureOidc({
          tenantId: 'globex',
          connectorId: 'c2',
          issuer: 'http://acme.okta.example',
          clientId: 'x',
          redirectUris: REDIRECTS,
          actor: '',
        }),
      );
      expect([http.code, reasonOf(http)]).toEqual([status.INVALID_ARGUMENT, 'invalid_issuer']);
      const connector = await failure(
        stack.client.configureOidc({
          tenantId: 'globex',
          connectorId: 'nope',
          issuer: okta.url,
          clientId: 'x',
          redirectUris: REDIRECTS,
          actor: '',
        }),
      );
      expect([connector.code, reasonOf(connector)]).toEqual([status.NOT_FOUND, 'connector_not_found']);
    });

    it('accepts a pasted discovery URL or trailing slash and stores the issuer itself', async () => {
      const { settings } = await stack.client.configureOidc({
        tenantId: 'globex',
        connectorId: 'c2',
        issuer: `${okta.url}/.well-known/openid-configuration`,
        clientId: okta.clientId,
        redirectUris: REDIRECTS,
        actor: '',
      });
      expect(settings!.issuer).toBe(okta.url);
    });
  });

  describe('web sign-in', () => {
    it('signs in a provisioned user: session with role and web access, activity and metrics', async () => {
      const { callbackUrl, begun } = await webLogin('acme', 'alice');
      const authUrl = new URL(begun.authorizationUrl);
      expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authUrl.searchParams.get('nonce')).toBeTruthy();
      expect(authUrl.searchParams.get('state')).toBe(begun.state);
      const { result } = await stack.client.completeLogin({ callbackUrl });
      expect(result!.sessionToken).toMatch(/^scimgw_ses_[A-Za-z0-9_-]{43}$/);
      expect(result!.session).toMatchObject({
        tenantId: 'acme',
        userId: users.alice,
        userName: 'alice@acme.example',
        role: 'Admin',
        access: Access.ACCESS_WEB,
      });
      const { session } = await stack.client.getSession({ sessionToken: result!.sessionToken });
      expect(session).toMatchObject({ userName: 'alice@acme.example', role: 'Admin', access: Access.ACCESS_WEB });
      expect(
        stack.directory.activity.find((e) => e.action === 'auth.login' && e.resourceId === users.alice),
      ).toMatchObject({ tenantId: 'acme', outcome: 'success', actor: `user:${users.alice}` });
      const metrics = await (await fetch(stack.metricsUrl)).text();
      expect(metrics).toMatch(/oidc_logins_total\{outcome="success"[^}]*\} [1-9]/);
    });

    it("carries the call's request id and trace to the directory: its calls and the activity entry", async () => {
      const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };
      const { callbackUrl } = await webLogin('acme', 'bob');
      const before = stack.directory.calls.length;
      await stack.client.completeLogin({ callbackUrl }, { context: { requestId: 'req-login-0042', trace } });
      const calls = stack.directory.calls.slice(before);
      expect(calls.map((c) => c.method)).toEqual(['findLoginUser', 'getConnector', 'recordActivity']);
      for (const c of calls) expect(c).toMatchObject({ requestId: 'req-login-0042', traceId: trace.traceId });
      expect(
        stack.directory.activity.filter((e) => e.action === 'auth.login' && e.resourceId === users.bob).at(-1),
      ).toMatchObject({ requestId: 'req-login-0042' });
    });

    it('uses a new session token on every sign-in', async () => {
      const first = await login('acme', 'alice');
      const second = await login('acme', 'alice');
      expect(second.sessionToken).not.toBe(first.sessionToken);
    });

    it('matches by user name when the provider sends no e-mail', async () => {
      expect((await login('acme', 'frank')).session).toMatchObject({ userId: users.frank, userName: 'frank' });
    });

    it('gives a user without a role app access only', async () => {
      const result = await login('acme', 'bob');
      expect(result.session).toMatchObject({ role: '', access: Access.ACCESS_APP });
    });

    it('accepts a callback once: the replay and an unknown state are refused', async () => {
      const { callbackUrl } = await webLogin('acme', 'alice');
      await stack.client.completeLogin({ callbackUrl });
      const replay = await failure(stack.client.completeLogin({ callbackUrl }));
      expect([replay.code, reasonOf(replay)]).toEqual([status.INVALID_ARGUMENT, 'invalid_state']);
      const forged = new URL(callbackUrl);
      forged.searchParams.set('state', 'not-a-state-we-issued');
      expect(reasonOf(await failure(stack.client.completeLogin({ callbackUrl: forged.href })))).toBe('invalid_state');
    });

    it('refuses a response whose state differs from the one the login sent', async () => {
      // The provider echoes whatever state the authorization request carried.
      const other = await stack.client.beginLogin({ tenantId: 'acme', redirectUri: WEB_CALLBACK });
      const { callbackUrl } = await webLogin('acme', 'alice', (u) => u.searchParams.set('state', other.state));
      // Delivered to the other login's transaction: its PKCE verifier and nonce do not fit this code.
      const err = await failure(stack.client.completeLogin({ callbackUrl }));
      expect(['invalid_grant', 'nonce_mismatch']).toContain(reasonOf(err));
    });

    it('refuses an ID token carrying another nonce', async () => {
      const { callbackUrl } = await webLogin('acme', 'alice', (u) =>
        u.searchParams.set('nonce', 'a-nonce-of-someone-else-entirely'),
      );
      const err = await failure(stack.client.completeLogin({ callbackUrl }));
      expect([err.code, reasonOf(err)]).toEqual([status.UNAUTHENTICATED, 'nonce_mismatch']);
    });

    it('refuses a code redeemed with the wrong PKCE verifier, and a request without PKCE', async () => {
      const wrong = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
      const { callbackUrl } = await webLogin('acme', 'alice', (u) => u.searchParams.set('code_challenge', wrong));
      const err = await failure(stack.client.completeLogin({ callbackUrl }));
      expect([err.code, reasonOf(err)]).toEqual([status.INVALID_ARGUMENT, 'invalid_grant']);

      const { callbackUrl: noPkce } = await webLogin('acme', 'alice', (u) => {
        u.searchParams.delete('code_challenge');
        u.searchParams.delete('code_challenge_method');
      });
      const refused = await failure(stack.client.completeLogin({ callbackUrl: noPkce }));
      expect(reasonOf(refused)).toBe('idp_error');
      expect(errorMetadata(refused)['idp-error']).toBe('invalid_request');
      expect(refused.details).toMatch(/PKCE|code_challenge/i);
    });

    it('refuses an expired ID token', async () => {
      const now = Math.floor(Date.now() / 1000);
      okta.tamperIdTokens((c) => ({ ...c, iat: now - 7200, exp: now - 3600 }));
      try {
        const { callbackUrl } = await webLogin('acme', 'alice');
        const err = await failure(stack.client.completeLogin({ callbackUrl }));
        expect([err.code, reasonOf(err)]).toEqual([status.UNAUTHENTICATED, 'id_token_expired']);
      } finally {
        okta.tamperIdTokens(undefined);
      }
    });

    it('refuses an ID token for another audience, or signed with a key the provider does not publish', async () => {
      const refusal = async () =>
        failure(stack.client.completeLogin({ callbackUrl: (await webLogin('acme', 'alice')).callbackUrl }));
      try {
        okta.tamperIdTokens((c) => ({ ...c, aud: 'another-client' }));
        const audience = await refusal();
        expect([audience.code, reasonOf(audience)]).toEqual([status.UNAUTHENTICATED, 'invalid_id_token']);
        expect(audience.details).toMatch(/client ID/);
        okta.tamperIdTokens((c) => ({ ...c, sub: 'someone-else' }), 'same-kid');
        const forged = await refusal();
        expect(reasonOf(forged)).toBe('invalid_id_token');
        expect(forged.details).toMatch(/signature/);
        okta.tamperIdTokens((c) => c, 'unknown-kid');
        const unknownKey = await refusal();
        expect(reasonOf(unknownKey)).toBe('invalid_id_token');
        expect(unknownKey.details).toMatch(/key set|JWKS/);
      } finally {
        okta.tamperIdTokens(undefined);
      }
    });

    it('follows the provider through a signing key rotation', async () => {
      await login('acme', 'alice'); // the key set is cached now
      const before = okta.signingKid();
      await okta.rotateKeys();
      expect(okta.signingKid()).not.toBe(before);
      // Signed with a key the service has not seen, less than 60 s after it fetched the key set.
      const result = await login('acme', 'alice');
      expect(okta.issuedKids.at(-1)).toBe(okta.signingKid());
      expect(result.session?.userId).toBe(users.alice);
      await login('acme', 'alice');
    });

    it('refuses people who are not provisioned, deactivated, or in another organization, saying which', async () => {
      const erin = await failure(login('acme', 'erin'));
      expect([erin.code, reasonOf(erin)]).toEqual([status.PERMISSION_DENIED, 'user_not_provisioned']);
      const carol = await failure(login('acme', 'carol'));
      expect(reasonOf(carol)).toBe('user_deactivated');
      const dave = await failure(login('acme', 'dave'));
      expect(reasonOf(dave)).toBe('user_in_other_org');
      expect(dave.details).not.toMatch(/globex/i);
      expect(JSON.stringify(errorMetadata(dave))).not.toMatch(/globex/i);
      const refusals = stack.directory.activity
        .filter((e) => e.tenantId === 'acme' && e.action === 'auth.login_refused')
        .map((e) => JSON.parse(e.detailsJson).reason);
      expect(refusals).toEqual(
        expect.arrayContaining(['user_not_provisioned', 'user_deactivated', 'user_in_other_org']),
      );
      const metrics = await (await fetch(stack.metricsUrl)).text();
      expect(metrics).toMatch(/oidc_logins_total\{outcome="user_not_provisioned"/);
    });

    it('reports the provider own refusal (person not assigned to the app)', async () => {
      const err = await failure(login('acme', 'deny:alice'));
      expect(reasonOf(err)).toBe('idp_error');
      expect(errorMetadata(err)).toMatchObject({
        'idp-error': 'access_denied',
        'idp-error-description': 'User is not assigned to the client application.',
      });
    });
  });

  describe('issuer changed at the provider after SSO was configured', () => {
    it('ends the sign-in naming the configured issuer and the one the provider announced', async () => {
      const moving = await startFakeOkta({ redirectUris: [WEB_CALLBACK] });
      try {
        await stack.client.configureOidc({
          tenantId: 'initech',
          connectorId: 'c3',
          issuer: moving.url,
          clientId: moving.clientId,
          redirectUris: [WEB_CALLBACK],
          actor: '',
        });
        stack.directory.addUser({
          tenantId: 'initech',
          userName: 'ivan@initech.example',
          email: 'ivan@initech.example',
        });
        moving.accounts.set('ivan', { email: 'ivan@initech.example' });
        const webLoginAt = async () => {
          const begun = await stack.client.beginLogin({ tenantId: 'initech', redirectUri: WEB_CALLBACK });
          const { stoppedAt } = await new Browser({ [LOGIN_HEADER_NAME]: 'ivan' }).follow(begun.authorizationUrl, (u) =>
            u.href.startsWith(WEB_CALLBACK),
          );
          return stack.client.completeLogin({ callbackUrl: stoppedAt! });
        };
        await webLoginAt();
        // The admin moves the authorization server to a custom domain: it now announces another issuer.
        const announced = `http://localhost:${moving.port}`;
        moving.announceIssuer(announced);
        const atCallback = await failure(webLoginAt());
        expect(reasonOf(atCallback)).toBe('issuer_mismatch');
        expect(errorMetadata(atCallback)).toMatchObject({
          'configured-issuer': moving.url,
          'announced-issuer': announced,
          'tenant-id': 'initech',
        });
        // The cached discovery was dropped: the next attempt fails at once, from discovery.
        const atBegin = await failure(stack.client.beginLogin({ tenantId: 'initech', redirectUri: WEB_CALLBACK }));
        expect(errorMetadata(atBegin)).toMatchObject({
          'error-reason': 'issuer_mismatch',
          'configured-issuer': moving.url,
          'announced-issuer': announced,
        });
        expect(atBegin.details).toMatch(/custom domain/);
      } finally {
        await moving.close();
      }
    });
  });

  describe('apps (ExchangeAppCode)', () => {
    it('exchanges an app code obtained with the app own PKCE, on the custom scheme and on loopback', async () => {
      const { code, verifier } = await appCode('alice', APP_URI);
      const { result } = await stack.client.exchangeAppCode({
        tenantId: 'acme',
        code,
        codeVerifier: verifier,
        redirectUri: APP_URI,
        nonce: '',
      });
      expect(result!.session).toMatchObject({ userId: users.alice, access: Access.ACCESS_WEB });
      expect((await stack.client.getSession({ sessionToken: result!.sessionToken })).session?.userName).toBe(
        'alice@acme.example',
      );

      const loopback = 'http://127.0.0.1:53123/callback';
      const viaLoopback = await appCode('bob', loopback);
      const { result: bob } = await stack.client.exchangeAppCode({
        tenantId: 'acme',
        code: viaLoopback.code,
        codeVerifier: viaLoopback.verifier,
        redirectUri: loopback,
        nonce: '',
      });
      expect(bob!.session).toMatchObject({ userId: users.bob, access: Access.ACCESS_APP });
    });

    it('refuses a replayed code, a wrong or missing verifier and an unregistered redirect URI', async () => {
      const { code, verifier } = await appCode('alice', APP_URI);
      await stack.client.exchangeAppCode({
        tenantId: 'acme',
        code,
        codeVerifier: verifier,
        redirectUri: APP_URI,
        nonce: '',
      });
      const replay = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code,
          codeVerifier: verifier,
          redirectUri: APP_URI,
          nonce: '',
        }),
      );
      expect([replay.code, reasonOf(replay)]).toEqual([status.INVALID_ARGUMENT, 'invalid_grant']);

      const fresh = await appCode('alice', APP_URI);
      const wrong = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code: fresh.code,
          codeVerifier: randomBytes(32).toString('base64url'),
          redirectUri: APP_URI,
          nonce: '',
        }),
      );
      expect(reasonOf(wrong)).toBe('invalid_grant');
      const missing = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code: fresh.code,
          codeVerifier: '',
          redirectUri: APP_URI,
          nonce: '',
        }),
      );
      expect([missing.code, reasonOf(missing)]).toEqual([status.INVALID_ARGUMENT, 'pkce_required']);
      const other = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code: fresh.code,
          codeVerifier: fresh.verifier,
          redirectUri: 'com.evil.app:/callback',
          nonce: '',
        }),
      );
      expect(reasonOf(other)).toBe('invalid_redirect_uri');
      const web = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code: fresh.code,
          codeVerifier: fresh.verifier,
          redirectUri: WEB_CALLBACK,
          nonce: '',
        }),
      );
      expect(reasonOf(web)).toBe('invalid_redirect_uri');
    });

    it('applies the same user checks to apps', async () => {
      const { code, verifier } = await appCode('dave', APP_URI);
      const err = await failure(
        stack.client.exchangeAppCode({
          tenantId: 'acme',
          code,
          codeVerifier: verifier,
          redirectUri: APP_URI,
          nonce: '',
        }),
      );
      expect(reasonOf(err)).toBe('user_in_other_org');
    });
  });

  describe('sessions', () => {
    it('ends a live session at once when the user is deactivated, and again works after reactivation only with a new sign-in', async () => {
      const user = stack.directory.addUser({
        tenantId: 'acme',
        userName: 'gina@acme.example',
        email: 'gina@acme.example',
      });
      okta.accounts.set('gina', { email: 'gina@acme.example' });
      const { sessionToken } = await login('acme', 'gina');
      await stack.client.getSession({ sessionToken });
      user.active = false;
      const ended = await failure(stack.client.getSession({ sessionToken }));
      expect([ended.code, reasonOf(ended)]).toEqual([status.UNAUTHENTICATED, 'user_deactivated']);
      user.active = true;
      expect(reasonOf(await failure(stack.client.getSession({ sessionToken })))).toBe('session_not_found');
    });

    it('ends sessions when the connector is disabled, and refuses sign-in while it is', async () => {
      const { sessionToken } = await login('acme', 'alice');
      stack.directory.setConnectorEnabled('acme', 'c1', false);
      try {
        expect(reasonOf(await failure(stack.client.getSession({ sessionToken })))).toBe('sso_disabled');
        expect(reasonOf(await failure(login('acme', 'alice')))).toBe('sso_disabled');
      } finally {
        stack.directory.setConnectorEnabled('acme', 'c1', true);
      }
    });

    it('ends a session on logout, with an activity entry', async () => {
      const { sessionToken } = await login('acme', 'alice');
      await stack.client.endSession({ sessionToken });
      expect(reasonOf(await failure(stack.client.getSession({ sessionToken })))).toBe('session_not_found');
      expect(stack.directory.actions('acme')).toContain('auth.logout');
      await stack.client.endSession({ sessionToken }); // idempotent
    });

    it('revokes every session of a user, or of a whole tenant', async () => {
      const a1 = await login('acme', 'alice');
      const a2 = await login('acme', 'alice');
      const b = await login('acme', 'bob');
      const { revoked } = await stack.client.revokeSessions({ tenantId: 'acme', userId: users.alice });
      expect(revoked).toBeGreaterThanOrEqual(2);
      for (const t of [a1, a2])
        expect(reasonOf(await failure(stack.client.getSession({ sessionToken: t.sessionToken })))).toBe(
          'session_not_found',
        );
      await stack.client.getSession({ sessionToken: b.sessionToken });
      const all = await stack.client.revokeSessions({ tenantId: 'acme', userId: '' });
      expect(all.revoked).toBeGreaterThanOrEqual(1);
      expect(reasonOf(await failure(stack.client.getSession({ sessionToken: b.sessionToken })))).toBe(
        'session_not_found',
      );
    });

    it('refuses tokens it never issued', async () => {
      for (const sessionToken of ['', 'scimgw_ses_nope', 'x'.repeat(5000)]) {
        expect((await failure(stack.client.getSession({ sessionToken }))).code).toBe(status.UNAUTHENTICATED);
      }
    });
  });

  it('never writes tokens, codes or verifiers to Redis keys', async () => {
    const { sessionToken } = await login('acme', 'alice');
    const { Redis } = await import('ioredis');
    const r = new Redis(stack.redis.url);
    try {
      const keys = await r.keys('*');
      expect(keys.join('\n')).not.toContain(sessionToken);
      expect(keys.some((k) => k.startsWith('session:v1:'))).toBe(true);
    } finally {
      r.disconnect();
    }
  });
});

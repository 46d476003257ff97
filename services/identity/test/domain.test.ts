import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../kit/src/errors.js';
import { normalizeIssuer, validateClientId } from '../src/domain/issuer.js';
import { assertedIdentity, needsUserinfo } from '../src/domain/login-claims.js';
import { discoveryError, loginError } from '../src/domain/oidc-errors.js';
import { isWellFormedVerifier, newLoginSecrets, s256 } from '../src/domain/pkce.js';
import { isAllowedAppRedirect, isLoopbackRedirect } from '../src/domain/redirect-uris.js';
import { accessOf, roleNameOf } from '../src/domain/roles.js';
import { lastSeenTtlSeconds, verdict } from '../src/domain/session-policy.js';

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).reason;
  }
  return 'no error';
};

describe('issuer URLs', () => {
  it('keeps issuers as providers write them and strips what admins paste by mistake', () => {
    expect(normalizeIssuer(' https://acme.okta.com ')).toBe('https://acme.okta.com');
    expect(normalizeIssuer('https://acme.okta.com/')).toBe('https://acme.okta.com');
    expect(normalizeIssuer('https://acme.okta.com/oauth2/default/')).toBe('https://acme.okta.com/oauth2/default');
    expect(normalizeIssuer('https://login.acme.com/oauth2/aus1/.well-known/openid-configuration')).toBe(
      'https://login.acme.com/oauth2/aus1',
    );
    expect(normalizeIssuer('https://login.microsoftonline.com/0b1c/v2.0')).toBe(
      'https://login.microsoftonline.com/0b1c/v2.0',
    );
  });
  it('requires https except on loopback, and refuses queries, fragments and credentials', () => {
    expect(normalizeIssuer('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
    expect(normalizeIssuer('http://localhost:4000/x')).toBe('http://localhost:4000/x');
    for (const bad of [
      'http://acme.okta.com',
      'ftp://acme.okta.com',
      'acme.okta.com',
      '',
      'https://a.example/?x=1',
      'https://a.example/#f',
      'https://u:p@a.example',
    ]) {
      expect(reasonOf(() => normalizeIssuer(bad))).toBe('invalid_issuer');
    }
  });
  it('requires a client ID without spaces', () => {
    expect(validateClientId(' 0oa1b2c3 ')).toBe('0oa1b2c3');
    expect(reasonOf(() => validateClientId('two words'))).toBe('invalid_client_id');
    expect(reasonOf(() => validateClientId(''))).toBe('invalid_client_id');
  });
});

describe('redirect URIs', () => {
  const registered = ['https://gw.example/oidc/callback', 'com.example.platform:/oidc/callback'];
  it('lets apps use their registered URIs and loopback on any port, never the web callback', () => {
    expect(isAllowedAppRedirect('com.example.platform:/oidc/callback', registered)).toBe(true);
    expect(isAllowedAppRedirect('http://127.0.0.1:61234/callback', registered)).toBe(true);
    expect(isAllowedAppRedirect('http://[::1]:8000/cb', registered)).toBe(true);
    expect(isAllowedAppRedirect('https://gw.example/oidc/callback', registered)).toBe(false);
    expect(isAllowedAppRedirect('com.example.platform:/other', registered)).toBe(false);
    expect(isAllowedAppRedirect('http://localhost:8000/cb', registered)).toBe(false);
    expect(isAllowedAppRedirect('https://127.0.0.1/cb', registered)).toBe(false);
    expect(isAllowedAppRedirect('', registered)).toBe(false);
    expect(isLoopbackRedirect('http://127.0.0.1.evil.example/cb')).toBe(false);
  });
});

describe('who signed in', () => {
  it('prefers the e-mail, then the user name, without duplicates', () => {
    expect(assertedIdentity({ sub: 's', email: 'A@x.example', preferred_username: 'a@x.example' }).logins).toEqual([
      'A@x.example',
    ]);
    expect(assertedIdentity({ sub: 's' }, { email: 'a@x.example', preferred_username: 'alogin' }).logins).toEqual([
      'a@x.example',
      'alogin',
    ]);
    expect(assertedIdentity({ sub: 's', preferred_username: ' u ' }).logins).toEqual(['u']);
    expect(assertedIdentity({ sub: 's' }).logins).toEqual([]);
    expect(needsUserinfo({ sub: 's' })).toBe(true);
    expect(needsUserinfo({ sub: 's', email: 'a@x' })).toBe(false);
  });
  it('maps roles to access', () => {
    expect(roleNameOf(3)).toBe('Admin');
    expect(roleNameOf(0)).toBe('');
    expect(accessOf('ReadOnly')).toBe('web');
    expect(accessOf('')).toBe('app');
  });
});

describe('PKCE', () => {
  it('makes S256 challenges from well-formed verifiers (RFC 7636 appendix B)', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const s = newLoginSecrets();
    expect(isWellFormedVerifier(s.codeVerifier)).toBe(true);
    expect(s.state).not.toBe(s.nonce);
    expect(isWellFormedVerifier('short')).toBe(false);
    expect(isWellFormedVerifier('x'.repeat(43) + ' ')).toBe(false);
  });
});

describe('session lifetime', () => {
  const policy = { idleSeconds: 60, absoluteSeconds: 300 };
  it('ends sessions after the idle limit or the absolute limit', () => {
    expect(verdict(policy, 300_000, 0, 59_000)).toBe('active');
    expect(verdict(policy, 300_000, 0, 60_000)).toBe('idle_timeout');
    expect(verdict(policy, 300_000, null, 1)).toBe('idle_timeout');
    expect(verdict(policy, 300_000, 299_000, 300_000)).toBe('absolute_timeout');
    expect(lastSeenTtlSeconds(policy, 300_000, 280_000)).toBe(20);
    expect(lastSeenTtlSeconds(policy, 300_000, 0)).toBe(60);
  });
});

describe('openid-client errors', () => {
  const issuer = 'https://login.acme.example/oauth2/default';
  const clientError = (code: string, message: string, details: object) =>
    Object.assign(new Error('wrapper'), {
      name: 'ClientError',
      code,
      cause: Object.assign(new Error(message), { cause: details }),
    });

  it('turns a discovery issuer mismatch into both issuers', () => {
    const err = discoveryError(
      Object.assign(new Error('discovered metadata issuer does not match the expected issuer'), {
        name: 'ClientError',
        code: 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
        cause: { attribute: 'issuer', expected: `${issuer}`, body: { issuer: 'https://acme.okta.com/oauth2/default' } },
      }),
      issuer,
    );
    expect(err).toMatchObject({
      code: 'FAILED_PRECONDITION',
      reason: 'issuer_mismatch',
      meta: { 'configured-issuer': issuer, 'announced-issuer': 'https://acme.okta.com/oauth2/default' },
    });
    expect(err.message).toContain(issuer);
    expect(err.message).toContain('https://acme.okta.com/oauth2/default');
  });
  it('names the URL when the provider cannot be reached (also when wrapped by openid-client)', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(discoveryError(refused, issuer)).toMatchObject({
      reason: 'issuer_unreachable',
      message: expect.stringContaining(`${issuer}/.well-known/openid-configuration`),
    });
    const wrapped = Object.assign(new Error('something went wrong'), { name: 'ClientError', cause: refused });
    expect(discoveryError(wrapped, issuer).message).toContain('ECONNREFUSED');
    expect(
      discoveryError(
        clientError('OAUTH_RESPONSE_IS_NOT_CONFORM', 'unexpected HTTP response status code', { status: 404 }),
        issuer,
      ).reason,
    ).toBe('issuer_unreachable');
  });
  it('gives every ID token and grant failure its own reason', () => {
    const cases: Array<[unknown, string]> = [
      [
        clientError('OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected ID Token "nonce" claim value', { claim: 'nonce' }),
        'nonce_mismatch',
      ],
      [
        clientError('OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "iss" (issuer) claim value', {
          claim: 'iss',
          claims: { iss: 'https://other' },
        }),
        'issuer_mismatch',
      ],
      [
        clientError('OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "aud" claim value', { claim: 'aud' }),
        'invalid_id_token',
      ],
      [clientError('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'expiration is past', { claim: 'exp' }), 'id_token_expired'],
      [clientError('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'nbf', { claim: 'nbf' }), 'invalid_id_token'],
      [clientError('OAUTH_KEY_SELECTION_FAILED', 'no applicable keys found', {}), 'invalid_id_token'],
      [clientError('OAUTH_INVALID_RESPONSE', 'JWT signature verification failed', {}), 'invalid_id_token'],
      [
        clientError('OAUTH_INVALID_RESPONSE', 'unexpected "iss" (issuer) response parameter value', {
          parameters: new URLSearchParams({ iss: 'https://x' }),
        }),
        'issuer_mismatch',
      ],
      [clientError('OAUTH_INVALID_RESPONSE', 'unexpected "state" response parameter value', {}), 'invalid_state'],
      [
        Object.assign(new Error('server responded with an error'), {
          code: 'OAUTH_RESPONSE_BODY_ERROR',
          error: 'invalid_grant',
          error_description: 'grant request is invalid',
        }),
        'invalid_grant',
      ],
      [
        Object.assign(new Error('server responded with an error'), {
          code: 'OAUTH_RESPONSE_BODY_ERROR',
          error: 'invalid_client',
        }),
        'idp_error',
      ],
      [
        Object.assign(new Error('authorization response from the server is an error'), {
          code: 'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
          error: 'access_denied',
          error_description: 'User is not assigned to the client application.',
        }),
        'idp_error',
      ],
    ];
    for (const [err, reason] of cases) expect([reason, loginError(err, issuer).reason]).toEqual([reason, reason]);
    const iss = loginError(cases[7][0], issuer);
    expect(iss.meta).toMatchObject({ 'configured-issuer': issuer, 'announced-issuer': 'https://x' });
  });
  it('keeps metadata printable ASCII and passes unknown errors through', () => {
    const err = loginError(
      Object.assign(new Error('x'), {
        code: 'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
        error: 'access_denied',
        error_description: 'Zugriff verweigert – nicht zugewiesen',
      }),
      issuer,
    );
    expect(err.meta['idp-error-description']).toMatch(/^[\x20-\x7e]+$/);
    const boom = new RangeError('bug');
    expect(() => loginError(boom, issuer)).toThrow(boom);
  });
});

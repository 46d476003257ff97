import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '../../kit/src/errors.js';
import { createLogger, requestLogger } from '../../kit/src/logger.js';
import { checkMetadata, RelyingParty } from '../src/oidc/relying-party.js';
import { startFakeOkta, type FakeOkta } from './support/fake-okta.js';

/** The discovery cache of the relying party against a real provider, on a clock the test moves. */
describe('relying party discovery cache', () => {
  let okta: FakeOkta;
  let t = 0;
  const rp = () =>
    new RelyingParty({
      clockToleranceSeconds: 30,
      timeoutSeconds: 5,
      discoveryTtlSeconds: 60,
      now: () => t,
    });
  const quiet = createLogger('test', 'error');
  const params = { redirectUri: 'http://127.0.0.1:9/cb', state: 's', nonce: 'n', codeChallenge: 'c'.repeat(43) };

  beforeAll(async () => {
    okta = await startFakeOkta({ redirectUris: ['http://127.0.0.1:9/cb'] });
  });
  afterAll(async () => {
    await okta.close();
  });

  it('refreshes after the TTL and reports an issuer that changed meanwhile', async () => {
    const sut = rp();
    const ref = { tenantId: 't1', issuer: okta.url, clientId: okta.clientId, version: '1' };
    await sut.discover(ref);
    okta.announceIssuer(`http://localhost:${okta.port}`);
    expect(await sut.authorizationUrl(quiet, ref, params)).toContain(`${okta.url}/auth?`); // cached
    t += 61_000;
    await expect(sut.authorizationUrl(quiet, ref, params)).rejects.toMatchObject({ reason: 'issuer_mismatch' });
    okta.announceIssuer(okta.url);
  });

  it('keeps the cached metadata when a refresh cannot reach the provider', async () => {
    const other = await startFakeOkta({ redirectUris: ['http://127.0.0.1:9/cb'] });
    const sut = rp();
    const ref = { tenantId: 't2', issuer: other.url, clientId: other.clientId, version: '1' };
    await sut.discover(ref);
    await other.close();
    t += 61_000;
    // the refresh that failed is noted on the line of the request that met it
    const lines: string[] = [];
    const log = requestLogger(
      createLogger('identity', 'info', {}, (l) => lines.push(l)),
      { requestId: 'req-login-1' },
    );
    expect(await sut.authorizationUrl(log, ref, params)).toContain(`${other.url}/auth?`);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'warn', tenant: 't2', requestId: 'req-login-1' }),
    ]);
    // new settings (another version) must be discovered, and fail while the provider is down
    const err = await sut.authorizationUrl(quiet, { ...ref, version: '2' }, params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).reason).toBe('issuer_unreachable');
  });

  it('refuses providers without PKCE S256, without endpoints, or with a multi-tenant issuer template', () => {
    const base = {
      issuer: 'https://idp.example',
      authorization_endpoint: 'https://idp.example/a',
      token_endpoint: 'https://idp.example/t',
      jwks_uri: 'https://idp.example/k',
    };
    const reason = (m: object) => {
      try {
        checkMetadata('https://idp.example', m as never);
        return 'ok';
      } catch (err) {
        return (err as AppError).reason;
      }
    };
    expect(reason(base)).toBe('ok');
    expect(reason({ ...base, code_challenge_methods_supported: ['S256', 'plain'] })).toBe('ok');
    expect(reason({ ...base, code_challenge_methods_supported: ['plain'] })).toBe('pkce_unsupported');
    expect(reason({ ...base, jwks_uri: undefined })).toBe('invalid_idp_response');
    expect(reason({ ...base, issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' })).toBe('invalid_issuer');
  });
});

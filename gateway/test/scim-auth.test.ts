import { describe, expect, it } from '@jest/globals';
import { CredentialScheme } from '../../proto/gen/credentials/v1/credentials.js';
import { parseAuthorization } from '../src/scim/scim-auth.js';

describe('parseAuthorization', () => {
  it('reads Okta/Entra bearer tokens in any scheme case', () => {
    expect(parseAuthorization('Bearer abc')).toEqual({
      scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER,
      secret: 'abc',
      username: '',
    });
    expect(parseAuthorization('bearer   abc ')).toMatchObject({ secret: 'abc' });
  });
  it('reads HTTP Basic with a colon in the password', () => {
    const header = 'Basic ' + Buffer.from('ACME:pa:ss').toString('base64');
    expect(parseAuthorization(header)).toEqual({
      scheme: CredentialScheme.CREDENTIAL_SCHEME_BASIC,
      username: 'ACME',
      secret: 'pa:ss',
    });
  });
  it('names what is wrong otherwise', () => {
    expect(parseAuthorization(undefined)).toEqual({ problem: 'missing' });
    expect(parseAuthorization('non-token')).toEqual({ problem: 'malformed' });
    expect(parseAuthorization('Bearer')).toEqual({ problem: 'malformed' });
    expect(parseAuthorization('Basic ' + Buffer.from('nocolon').toString('base64'))).toEqual({ problem: 'malformed' });
    expect(parseAuthorization('Digest x')).toEqual({ problem: 'malformed' });
  });
  it('reads a bare token (Okta SCIM 1.1 Header Auth) only when allowed, and schemes still win', () => {
    expect(parseAuthorization('scimgw_tok_abc', { allowBare: true })).toEqual({
      scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER,
      secret: 'scimgw_tok_abc',
      username: '',
    });
    expect(parseAuthorization('scimgw_tok_abc')).toEqual({ problem: 'malformed' });
    expect(parseAuthorization('Bearer abc', { allowBare: true })).toMatchObject({
      scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER,
      secret: 'abc',
    });
    const basic = 'Basic ' + Buffer.from('ACME:pw').toString('base64');
    expect(parseAuthorization(basic, { allowBare: true })).toMatchObject({
      scheme: CredentialScheme.CREDENTIAL_SCHEME_BASIC,
      username: 'ACME',
    });
    expect(parseAuthorization('Digest x', { allowBare: true })).toEqual({ problem: 'malformed' });
  });
});

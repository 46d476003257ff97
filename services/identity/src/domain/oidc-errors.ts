/**
 * Turns what openid-client (oauth4webapi underneath) throws into typed refusals with stable reasons and
 * messages an administrator can act on. Duck-typed on `code`/`name`/`cause` so this module stays pure.
 * Messages name issuers, claims and the provider's own error text, never tokens, codes or verifiers.
 */
import { AppError } from '../../../kit/src/errors.js';

export type LoginReason =
  | 'issuer_mismatch'
  | 'issuer_unreachable'
  | 'invalid_state'
  | 'invalid_grant'
  | 'nonce_mismatch'
  | 'id_token_expired'
  | 'invalid_id_token'
  | 'idp_error'
  | 'invalid_idp_response';

/** The fields of an openid-client error's `cause` read below; they come from the identity provider, so unchecked. */
interface ErrorDetails {
  attribute?: unknown;
  body?: { issuer?: unknown };
  claim?: unknown;
  claims?: { iss?: unknown };
  status?: unknown;
  parameters?: unknown;
}

interface Unwrapped {
  code?: string;
  name?: string;
  message: string;
  details: ErrorDetails;
}

function unwrap(err: unknown): Unwrapped {
  const top = err as { code?: string; name?: string; message?: string; cause?: unknown };
  let message = String(top?.message ?? err);
  let details: ErrorDetails = {};
  let cur: unknown = top?.cause;
  for (let depth = 0; cur && depth < 4; depth++) {
    if (cur instanceof Error) {
      message = cur.message || message;
      cur = (cur as { cause?: unknown }).cause;
    } else if (typeof cur === 'object') {
      details = cur;
      break;
    } else break;
  }
  return { code: top?.code, name: top?.name, message, details };
}

/** gRPC metadata values must be printable ASCII. */
const ascii = (v: string): string => v.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000);

const paramOf = (params: unknown, name: string): string | undefined =>
  params instanceof URLSearchParams ? (params.get(name) ?? undefined) : undefined;

export function issuerMismatch(configured: string, announced: string | undefined, where: string): AppError {
  const shown = announced ?? '(none)';
  return new AppError(
    'FAILED_PRECONDITION',
    `issuer mismatch: the platform is configured with issuer "${configured}", but the identity provider announced "${shown}" ${where}. ` +
      'Make the issuer configured on the platform match the authorization server that issues the tokens (with an Okta custom domain, use the issuer URL on the custom domain exactly as Okta shows it in the authorization server settings), or change the issuer setting in your identity provider.',
    'issuer_mismatch',
    { 'configured-issuer': ascii(configured), 'announced-issuer': ascii(shown) },
  );
}

/** The network error itself, possibly wrapped once by openid-client ("something went wrong", timeouts). */
function networkError(
  err: unknown,
): { name?: string; code?: string; cause?: { code?: string; message?: string } } | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 3; depth++) {
    const e = cur as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    if (e.name === 'TypeError' && typeof e.message === 'string' && /fetch failed/i.test(e.message))
      return e as { name: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT')
      return { name: 'TimeoutError' };
    cur = e.cause;
  }
  return undefined;
}

const isNetworkError = (err: unknown) => networkError(err) !== undefined;

export function unreachable(url: string, detail: string): AppError {
  return new AppError(
    'FAILED_PRECONDITION',
    `the identity provider could not be reached at ${url} (${detail}); check the issuer URL and that the provider is available`,
    'issuer_unreachable',
    { 'issuer-url': ascii(url) },
  );
}

/** Errors of discovery (ConfigureOidc and the first login after a restart). */
export function discoveryError(err: unknown, configuredIssuer: string): AppError {
  if (err instanceof AppError) return err;
  const discoveryUrl = `${configuredIssuer}/.well-known/openid-configuration`;
  if (isNetworkError(err)) return unreachable(discoveryUrl, describeNetworkError(err));
  const u = unwrap(err);
  if (u.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && u.details.attribute === 'issuer') {
    return issuerMismatch(
      configuredIssuer,
      typeof u.details.body?.issuer === 'string' ? u.details.body.issuer : undefined,
      'in its discovery document',
    );
  }
  if (u.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || u.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    const statusCode = (u.details as { status?: number }).status;
    return unreachable(
      discoveryUrl,
      statusCode
        ? `it answered HTTP ${statusCode}, not an OpenID Connect discovery document`
        : 'it did not answer with an OpenID Connect discovery document',
    );
  }
  return new AppError(
    'FAILED_PRECONDITION',
    `the discovery document at ${discoveryUrl} is not valid OpenID Connect metadata (${u.message})`,
    'invalid_idp_response',
    { 'issuer-url': ascii(discoveryUrl) },
  );
}

function describeNetworkError(err: unknown): string {
  const e = networkError(err);
  if (e?.name === 'TimeoutError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? 'connection failed';
}

/** Errors of the authorization response, the token request and ID token validation. */
export function loginError(err: unknown, configuredIssuer: string): AppError {
  if (err instanceof AppError) return err;
  if (isNetworkError(err)) return unreachable(configuredIssuer, describeNetworkError(err));
  const u = unwrap(err);
  const e = err as { error?: string; error_description?: string; status?: number };
  switch (u.code) {
    case 'OAUTH_AUTHORIZATION_RESPONSE_ERROR':
      return idpError(e.error, e.error_description, 'the sign-in');
    case 'OAUTH_RESPONSE_BODY_ERROR':
      if (e.error === 'invalid_grant') {
        return new AppError(
          'INVALID_ARGUMENT',
          `the identity provider refused the authorization code (${e.error_description ?? 'invalid_grant'}): it was already used, it expired, or the PKCE code verifier does not match. Start the sign-in again.`,
          'invalid_grant',
          { 'idp-error': 'invalid_grant' },
        );
      }
      return idpError(e.error, e.error_description, 'the token request');
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED': {
      const claim = typeof u.details.claim === 'string' ? u.details.claim : '';
      if (claim === 'iss')
        return issuerMismatch(
          configuredIssuer,
          typeof u.details.claims?.iss === 'string' ? u.details.claims.iss : undefined,
          'in the ID token',
        );
      if (claim === 'nonce')
        return new AppError(
          'UNAUTHENTICATED',
          'the ID token does not carry the nonce of this sign-in (a replayed or injected token); start the sign-in again',
          'nonce_mismatch',
        );
      if (claim === 'aud' || claim === 'azp') {
        return new AppError(
          'UNAUTHENTICATED',
          'the ID token was issued to another client: check that the client ID configured on the platform is the Client ID of the OIDC app in your identity provider',
          'invalid_id_token',
          { claim },
        );
      }
      return new AppError(
        'UNAUTHENTICATED',
        `the ID token was refused: unexpected "${claim}" claim`,
        'invalid_id_token',
        { claim },
      );
    }
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED': {
      const claim = typeof u.details.claim === 'string' ? u.details.claim : '';
      if (claim === 'exp' || claim === 'iat') {
        return new AppError(
          'UNAUTHENTICATED',
          'the ID token has expired (or was issued too long ago); if this keeps happening, check that the clocks of the identity provider and the platform are correct',
          'id_token_expired',
          { claim },
        );
      }
      return new AppError(
        'UNAUTHENTICATED',
        `the ID token is not valid yet ("${claim}" claim): the clocks of the identity provider and the platform differ`,
        'invalid_id_token',
        { claim },
      );
    }
    case 'OAUTH_KEY_SELECTION_FAILED':
      return new AppError(
        'UNAUTHENTICATED',
        "the ID token is signed with a key that is not in the identity provider's published key set (JWKS)",
        'invalid_id_token',
      );
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_PARSE_ERROR':
      if (/"iss" \(issuer\) response parameter/.test(u.message))
        return issuerMismatch(configuredIssuer, paramOf(u.details.parameters, 'iss'), 'in the sign-in response');
      if (/"state"/.test(u.message))
        return new AppError(
          'INVALID_ARGUMENT',
          'the sign-in response does not belong to a sign-in started here (state mismatch); start the sign-in again',
          'invalid_state',
        );
      if (/signature verification failed/i.test(u.message))
        return new AppError(
          'UNAUTHENTICATED',
          "the ID token signature does not verify with the identity provider's keys",
          'invalid_id_token',
        );
      if (/ID Token|JWT/.test(u.message))
        return new AppError('UNAUTHENTICATED', `the ID token was refused: ${u.message}`, 'invalid_id_token');
      return new AppError(
        'FAILED_PRECONDITION',
        `the identity provider sent an invalid response: ${u.message}`,
        'invalid_idp_response',
      );
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
      return new AppError(
        'FAILED_PRECONDITION',
        `the identity provider sent an unexpected response: ${u.message}`,
        'invalid_idp_response',
      );
    default:
      if (u.code?.startsWith('OAUTH_'))
        return new AppError(
          'FAILED_PRECONDITION',
          `the identity provider sent an invalid response: ${u.message}`,
          'invalid_idp_response',
        );
      throw err;
  }
}

/** The provider's own error (e.g. access_denied when the person is not assigned to the app in Okta). */
export function idpError(error: string | undefined, description: string | undefined, during: string): AppError {
  const code = (error ?? 'error').slice(0, 100);
  const text = description ? `: ${description.slice(0, 500)}` : '';
  return new AppError(
    'FAILED_PRECONDITION',
    `the identity provider refused ${during} with "${code}"${text}`,
    'idp_error',
    { 'idp-error': ascii(code), ...(description ? { 'idp-error-description': ascii(description.slice(0, 500)) } : {}) },
  );
}

export function isKeySelectionFailure(err: unknown): boolean {
  return unwrap(err).code === 'OAUTH_KEY_SELECTION_FAILED';
}

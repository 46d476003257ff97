/** Issuer URLs as an admin types them, reduced to the identifier the provider must announce. */
import { AppError } from '../../../kit/src/errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const DISCOVERY_SUFFIX = /\/\.well-known\/openid-configuration\/?$/;

/** Plain http is accepted for loopback issuers only (tests, local development): nothing leaves the host. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Trims the input, drops a pasted "/.well-known/openid-configuration" (which would disable the issuer check in
 * discovery) and trailing slashes, and requires https (or loopback http). Returns the canonical issuer string:
 * no trailing slash, so "https://acme.okta.com" and "https://acme.okta.com/oauth2/default" stay as Okta writes them.
 */
export function normalizeIssuer(input: string): string {
  const raw = (input ?? '').trim().replace(DISCOVERY_SUFFIX, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError(
      'INVALID_ARGUMENT',
      `"${input}" is not a URL; enter the issuer URL of your identity provider, e.g. https://acme.okta.com/oauth2/default`,
      'invalid_issuer',
    );
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `the issuer must be an https:// URL (got ${url.protocol}//${url.host})`,
      'invalid_issuer',
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new AppError(
      'INVALID_ARGUMENT',
      'the issuer URL must not contain a query, a fragment or credentials',
      'invalid_issuer',
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function validateClientId(clientId: string): string {
  const v = (clientId ?? '').trim();
  if (!v || v.length > 255 || /\s/.test(v))
    throw new AppError(
      'INVALID_ARGUMENT',
      'the client ID is required: the "Client ID" of the OIDC app in your identity provider (no spaces)',
      'invalid_client_id',
    );
  return v;
}

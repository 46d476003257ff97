/**
 * The relying party side of OpenID Connect, one provider per organization, on openid-client.
 *
 * - Discovery is fetched when SSO is configured and cached per tenant (keyed by the settings version, so a
 *   change made through another replica is picked up, and refreshed after OIDC_DISCOVERY_TTL_SECONDS).
 * - Every login builds its own Configuration from the cached metadata and shares the tenant's JWKS cache.
 * - The ID token signature is verified against the issuer's JWKS ("non-repudiation checks" in openid-client,
 *   which otherwise relies on TLS for tokens received from the token endpoint).
 * - Key rotation: openid-client refetches the provider's JWKS when a token names an unknown key, but only if
 *   its copy is at least 60 s old, and every 5 minutes anyway. A provider that signs with a brand-new key inside
 *   that window would fail the login, and the authorization code is spent by then; so the token response is
 *   recorded and, on "no applicable key", validated once more against a freshly downloaded key set.
 */
import * as oidc from 'openid-client';
import { AppError } from '../../../kit/src/errors.js';
import type { Logger } from '../../../kit/src/logger.js';
import { isLoopbackHttp } from '../domain/issuer.js';
import { needsUserinfo } from '../domain/login-claims.js';
import { discoveryError, isKeySelectionFailure, loginError } from '../domain/oidc-errors.js';
import type { ClaimsResult, ProviderRef, RedeemChecks, RelyingPartyPort } from '../domain/ports.js';

export interface RelyingPartyOptions {
  clockToleranceSeconds: number;
  timeoutSeconds: number;
  discoveryTtlSeconds: number;
  now?: () => number;
}

interface Entry {
  key: string;
  metadata: oidc.ServerMetadata;
  fetchedAt: number;
  jwks?: oidc.ExportedJWKSCache;
}

const SCOPE = 'openid email profile';

export class RelyingParty implements RelyingPartyPort {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(private readonly opts: RelyingPartyOptions) {
    this.now = opts.now ?? Date.now;
  }

  private keyOf(p: ProviderRef) {
    return `${p.version}\n${p.issuer}\n${p.clientId}`;
  }

  /** Fetches the discovery document now (ConfigureOidc) and keeps it for the tenant. */
  async discover(p: ProviderRef): Promise<oidc.ServerMetadata> {
    const entry = await this.fetchEntry(p);
    this.entries.set(p.tenantId, entry);
    return entry.metadata;
  }

  forget(tenantId: string) {
    this.entries.delete(tenantId);
  }

  private async fetchEntry(p: ProviderRef): Promise<Entry> {
    const key = this.keyOf(p);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const started = (async (): Promise<Entry> => {
      const server = new URL(p.issuer);
      let config: oidc.Configuration;
      try {
        config = await oidc.discovery(
          server,
          p.clientId,
          { [oidc.clockTolerance]: this.opts.clockToleranceSeconds },
          oidc.None(),
          {
            execute: isLoopbackHttp(server) ? [oidc.allowInsecureRequests] : [],
            timeout: this.opts.timeoutSeconds,
          },
        );
      } catch (err) {
        throw discoveryError(err, p.issuer);
      }
      const metadata = config.serverMetadata();
      checkMetadata(p.issuer, metadata);
      return { key, metadata: JSON.parse(JSON.stringify(metadata)) as oidc.ServerMetadata, fetchedAt: this.now() };
    })();
    this.inflight.set(key, started);
    try {
      return await started;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async entryFor(log: Logger, p: ProviderRef): Promise<Entry> {
    const cached = this.entries.get(p.tenantId);
    const sameSettings = cached?.key === this.keyOf(p);
    if (cached && sameSettings && this.now() - cached.fetchedAt < this.opts.discoveryTtlSeconds * 1000) return cached;
    let fresh: Entry;
    try {
      fresh = await this.fetchEntry(p);
    } catch (err) {
      // A periodic refresh that cannot reach the provider keeps the metadata it has (the provider may only be
      // slow to answer discovery); anything else, such as an issuer mismatch, is reported.
      if (cached && sameSettings && err instanceof AppError && err.reason === 'issuer_unreachable') {
        log.warn('could not refresh the provider discovery document; using the cached one', {
          tenant: p.tenantId,
          issuer: p.issuer,
        });
        cached.fetchedAt = this.now();
        return cached;
      }
      throw err;
    }
    // Keep the key set already downloaded when only the metadata was refreshed.
    if (cached && cached.key === fresh.key && !fresh.jwks) fresh.jwks = cached.jwks;
    this.entries.set(p.tenantId, fresh);
    return fresh;
  }

  private configuration(p: ProviderRef, entry: Entry, fetchImpl?: oidc.CustomFetch): oidc.Configuration {
    const config = new oidc.Configuration(
      entry.metadata,
      p.clientId,
      { [oidc.clockTolerance]: this.opts.clockToleranceSeconds },
      oidc.None(),
    );
    // openid-client skips the ID token signature for tokens fetched directly from the token endpoint (OIDC Core
    // 3.1.3.7 lets TLS stand in for it); we verify it against the issuer's JWKS anyway.
    oidc.enableNonRepudiationChecks(config);
    if (isLoopbackHttp(new URL(p.issuer))) oidc.allowInsecureRequests(config);
    config.timeout = this.opts.timeoutSeconds;
    if (entry.jwks) oidc.setJwksCache(config, entry.jwks);
    if (fetchImpl) config[oidc.customFetch] = fetchImpl;
    return config;
  }

  async authorizationUrl(
    log: Logger,
    p: ProviderRef,
    params: { redirectUri: string; state: string; nonce: string; codeChallenge: string },
  ): Promise<string> {
    const entry = await this.entryFor(log, p);
    return oidc
      .buildAuthorizationUrl(this.configuration(p, entry), {
        redirect_uri: params.redirectUri,
        scope: SCOPE,
        state: params.state,
        nonce: params.nonce,
        code_challenge: params.codeChallenge,
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /** The issuer the tenant's provider announced (for synthesising an app's authorization response). */
  async announcedIssuer(log: Logger, p: ProviderRef): Promise<string> {
    return (await this.entryFor(log, p)).metadata.issuer;
  }

  /**
   * Redeems an authorization response: state, iss, code exchange with the PKCE verifier, ID token signature
   * (JWKS), iss, aud, azp, exp/iat within the clock tolerance, nonce. Fetches userinfo when the ID token does
   * not carry the e-mail address.
   */
  async redeem(log: Logger, p: ProviderRef, callbackUrl: URL, checks: RedeemChecks): Promise<ClaimsResult> {
    const entry = await this.entryFor(log, p);
    const tokenEndpoint = entry.metadata.token_endpoint;
    let recorded: { body: string; status: number; headers: [string, string][] } | undefined;
    const recorder: oidc.CustomFetch = async (url, options) => {
      const res = await fetch(url, options as RequestInit);
      if (url !== tokenEndpoint) return res;
      const body = await res.text();
      recorded = { body, status: res.status, headers: [...res.headers] };
      return new Response(body, { status: res.status, headers: recorded.headers });
    };
    const grantChecks: oidc.AuthorizationCodeGrantChecks = {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.expectedState,
      expectedNonce: checks.expectedNonce,
      idTokenExpected: true,
    };
    let config = this.configuration(p, entry, recorder);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, grantChecks);
    } catch (err) {
      if (!isKeySelectionFailure(err) || !recorded) throw loginError(err, p.issuer);
      log.info('ID token signed with an unknown key; fetching the provider key set again', {
        tenant: p.tenantId,
        issuer: p.issuer,
      });
      const replay = recorded;
      config = this.configuration(p, { ...entry, jwks: undefined }, async (url, options) =>
        url === tokenEndpoint
          ? new Response(replay.body, { status: replay.status, headers: replay.headers })
          : fetch(url, options as RequestInit),
      );
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, grantChecks);
      } catch (retryErr) {
        throw loginError(retryErr, p.issuer);
      }
    }
    entry.jwks = oidc.getJwksCache(config) ?? entry.jwks;
    const claims = tokens.claims() as Record<string, unknown> | undefined;
    if (!claims)
      throw new AppError('UNAUTHENTICATED', 'the identity provider returned no ID token', 'invalid_id_token');
    let userinfo: Record<string, unknown> | undefined;
    if (needsUserinfo(claims) && entry.metadata.userinfo_endpoint && tokens.access_token) {
      try {
        userinfo = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      } catch (err) {
        throw loginError(err, p.issuer);
      }
    }
    return { claims, userinfo };
  }
}

/** What sign-in needs from a provider's metadata: endpoints, a concrete issuer, PKCE with S256. */
export function checkMetadata(issuer: string, m: oidc.ServerMetadata) {
  const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter(
    (k) => typeof m[k] !== 'string',
  );
  if (missing.length)
    throw new AppError(
      'FAILED_PRECONDITION',
      `the discovery document of ${issuer} lacks ${missing.join(', ')}: it is not an OpenID Connect provider usable for sign-in`,
      'invalid_idp_response',
    );
  if (m.issuer.includes('{tenantid}')) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `${issuer} is a multi-tenant endpoint; enter your tenant's own issuer, e.g. https://login.microsoftonline.com/<Directory (tenant) ID>/v2.0`,
      'invalid_issuer',
    );
  }
  const pkce = m.code_challenge_methods_supported;
  if (Array.isArray(pkce) && !pkce.includes('S256')) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `${issuer} does not support PKCE with S256, which sign-in requires`,
      'pkce_unsupported',
    );
  }
}

/**
 * Sign-in through each organization's identity provider, and the platform sessions it opens.
 *
 * Web: begin (state, nonce and PKCE verifier kept server-side, single use) → the provider → complete (every
 * check of the authorization response and the ID token) → match the person to a provisioned, active user of
 * *that* organization → session. Apps run PKCE themselves and hand over code + verifier + redirect URI.
 * Sessions are re-checked on every use: idle and absolute timeouts, the user still active, SSO still on.
 */
import { AppError } from '../../../kit/src/errors.js';
import type { RequestScope } from '../../../kit/src/logger.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import { normalizeIssuer, validateClientId } from './issuer.js';
import { assertedIdentity } from './login-claims.js';
import { isWellFormedVerifier, newLoginSecrets } from './pkce.js';
import type {
  ClaimsResult,
  DirectoryPort,
  LoginTransactionStore,
  OidcSettings,
  OidcSettingsStore,
  ProviderRef,
  RelyingPartyPort,
  SessionRecord,
  SessionStore,
  SessionView,
} from './ports.js';
import { isAllowedAppRedirect, webRedirectUri } from './redirect-uris.js';
import { accessOf } from './roles.js';
import { touchIntervalMs, verdict, type SessionPolicy } from './session-policy.js';

export interface SignInDeps {
  settings: OidcSettingsStore;
  transactions: LoginTransactionStore;
  sessions: SessionStore;
  directory: DirectoryPort;
  relyingParty: RelyingPartyPort;
  policy: SessionPolicy;
  /** Counts every completed or refused login by outcome ("success" or the refusal reason). */
  countLogin: (outcome: string) => void;
  now?: () => number;
}

export interface LoginResult {
  token: string;
  session: SessionView;
}

const providerRef = (s: OidcSettings): ProviderRef => ({
  tenantId: s.tenantId,
  issuer: s.issuer,
  clientId: s.clientId,
  version: String(s.updatedAt.getTime()),
});

const notConfigured = () =>
  new AppError(
    'FAILED_PRECONDITION',
    'single sign-on is not set up for this organization: an administrator must enter the issuer URL and client ID of the identity provider first',
    'sso_not_configured',
  );

const unauthenticated = (reason: string, message: string) => new AppError('UNAUTHENTICATED', message, reason);

/** Reasons after which the cached provider metadata may be stale. */
const STALE_PROVIDER = new Set(['issuer_mismatch', 'issuer_unreachable', 'invalid_idp_response']);

export class SignIn {
  private readonly now: () => number;

  constructor(private readonly deps: SignInDeps) {
    this.now = deps.now ?? Date.now;
  }

  // ---- settings

  async configure(
    input: {
      tenantId: string;
      connectorId: string;
      issuer: string;
      clientId: string;
      redirectUris: string[];
      actor: string;
    },
    scope: RequestScope,
  ): Promise<OidcSettings> {
    const tenant = requireTenant(input.tenantId);
    if (!input.connectorId) throw new AppError('INVALID_ARGUMENT', 'connector_id is required', 'invalid_request');
    const actor = input.actor || 'operator';
    const updatedAt = new Date(this.now());
    let issuer = String(input.issuer ?? '');
    let clientId = String(input.clientId ?? '');
    let redirectUris: string[];
    try {
      issuer = normalizeIssuer(input.issuer);
      clientId = validateClientId(input.clientId);
      redirectUris = (input.redirectUris ?? []).map((u) => u.trim()).filter(Boolean);
      if (!redirectUris.length)
        throw new AppError(
          'INVALID_ARGUMENT',
          "redirect_uris is required: the web callback first, then the apps' redirect URIs",
          'invalid_request',
        );
      for (const u of redirectUris) {
        try {
          new URL(u);
        } catch {
          throw new AppError('INVALID_ARGUMENT', `"${u}" is not a valid redirect URI`, 'invalid_request');
        }
      }
      const connector = await this.deps.directory.getConnector(scope, tenant, input.connectorId);
      if (!connector)
        throw new AppError(
          'NOT_FOUND',
          `connector ${input.connectorId} not found in this organization`,
          'connector_not_found',
        );
      // Discovery now: a wrong issuer is reported to the admin who typed it, not to the first person signing in.
      await this.deps.relyingParty.discover({
        tenantId: tenant,
        issuer,
        clientId,
        version: String(updatedAt.getTime()),
      });
    } catch (err) {
      // A failed attempt is part of the organization's history too: what was tried and why it was refused.
      const e = err instanceof AppError ? err : undefined;
      await this.deps.directory.recordActivity(scope, tenant, {
        actor,
        action: 'sso.configure',
        resourceType: 'connector',
        resourceId: input.connectorId,
        resourceName: 'oidc',
        outcome: 'failure',
        details: {
          issuer: issuer.slice(0, 300),
          clientId: clientId.slice(0, 200),
          reason: e?.reason ?? 'internal',
          ...(e?.meta ?? {}),
        },
      });
      throw err;
    }
    const saved = await this.deps.settings.put(tenant, {
      connectorId: input.connectorId,
      issuer,
      clientId,
      redirectUris,
      updatedAt,
      updatedBy: actor,
    });
    await this.deps.directory.recordActivity(scope, tenant, {
      actor,
      action: 'sso.configure',
      resourceType: 'connector',
      resourceId: input.connectorId,
      resourceName: 'oidc',
      outcome: 'success',
      details: { issuer, clientId },
    });
    return saved;
  }

  /** Turns single sign-on off: the settings are removed and the organization's platform sessions end. */
  async disable(input: { tenantId: string; actor: string }, scope: RequestScope): Promise<boolean> {
    const tenant = requireTenant(input.tenantId);
    const existing = await this.deps.settings.get(tenant);
    if (!existing) return false;
    await this.deps.settings.remove(tenant);
    this.deps.relyingParty.forget(tenant);
    const ended = await this.deps.sessions.revokeTenant(tenant);
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: input.actor || 'operator',
      action: 'sso.disable',
      resourceType: 'connector',
      resourceId: existing.connectorId,
      resourceName: 'oidc',
      outcome: 'success',
      details: { issuer: existing.issuer, clientId: existing.clientId, sessionsEnded: ended },
    });
    return true;
  }

  async getSettings(tenantIdValue: string): Promise<OidcSettings | null> {
    return this.deps.settings.get(requireTenant(tenantIdValue));
  }

  private async requireSettings(tenant: TenantId): Promise<OidcSettings> {
    const s = await this.deps.settings.get(tenant);
    if (!s) throw notConfigured();
    return s;
  }

  // ---- web login

  async begin(
    input: { tenantId: string; redirectUri: string },
    scope: RequestScope,
  ): Promise<{ authorizationUrl: string; state: string }> {
    const tenant = requireTenant(input.tenantId);
    const settings = await this.requireSettings(tenant);
    const redirectUri = input.redirectUri || webRedirectUri(settings.redirectUris)!;
    if (!settings.redirectUris.includes(redirectUri))
      throw new AppError(
        'INVALID_ARGUMENT',
        `${redirectUri} is not a redirect URI registered for this organization (registered: ${settings.redirectUris.join(', ')}); if the platform's public URL changed, save the organization's single sign-on settings again`,
        'invalid_redirect_uri',
      );
    const secrets = newLoginSecrets();
    let authorizationUrl: string;
    try {
      authorizationUrl = await this.deps.relyingParty.authorizationUrl(scope.log, providerRef(settings), {
        redirectUri,
        state: secrets.state,
        nonce: secrets.nonce,
        codeChallenge: secrets.codeChallenge,
      });
    } catch (err) {
      throw await this.refused(tenant, err, { flow: 'web' }, scope);
    }
    await this.deps.transactions.put(secrets.state, {
      tenantId: tenant,
      redirectUri,
      nonce: secrets.nonce,
      codeVerifier: secrets.codeVerifier,
      createdAt: this.now(),
    });
    return { authorizationUrl, state: secrets.state };
  }

  async complete(callbackUrl: string, scope: RequestScope): Promise<LoginResult> {
    let received: URL;
    try {
      received = new URL(callbackUrl);
    } catch {
      throw new AppError('INVALID_ARGUMENT', 'callback_url is not a URL', 'invalid_request');
    }
    const state = received.searchParams.get('state') ?? '';
    const txn = state ? await this.deps.transactions.take(state) : null;
    if (!txn) {
      this.deps.countLogin('invalid_state');
      const idpErr = received.searchParams.get('error');
      throw new AppError(
        'INVALID_ARGUMENT',
        `this sign-in response does not belong to a pending sign-in: it was already used, it is older than 10 minutes, or it was started elsewhere${idpErr ? ` (the identity provider reported "${idpErr.slice(0, 100)}")` : ''}. Start the sign-in again.`,
        'invalid_state',
      );
    }
    const tenant = requireTenant(txn.tenantId);
    try {
      const settings = await this.requireSettings(tenant);
      // The response is re-assembled on the redirect URI of the transaction: the token request must name exactly
      // the redirect URI of the authorization request, whatever host the browser reached the gateway by.
      const callback = new URL(txn.redirectUri);
      for (const [k, v] of received.searchParams) callback.searchParams.append(k, v);
      const claims = await this.deps.relyingParty.redeem(scope.log, providerRef(settings), callback, {
        expectedState: state,
        expectedNonce: txn.nonce,
        codeVerifier: txn.codeVerifier,
      });
      return await this.establish(tenant, settings, claims, 'web', scope);
    } catch (err) {
      throw await this.refused(tenant, err, { flow: 'web' }, scope);
    }
  }

  // ---- apps

  async exchange(
    input: {
      tenantId: string;
      code: string;
      codeVerifier: string;
      redirectUri: string;
      nonce?: string;
    },
    scope: RequestScope,
  ): Promise<LoginResult> {
    const tenant = requireTenant(input.tenantId);
    try {
      if (!input.code)
        throw new AppError(
          'INVALID_ARGUMENT',
          'code is required: the authorization code the app received',
          'invalid_request',
        );
      if (!input.codeVerifier)
        throw new AppError(
          'INVALID_ARGUMENT',
          'codeVerifier is required: sign-in uses PKCE (S256), send the code_verifier the app generated',
          'pkce_required',
        );
      if (!isWellFormedVerifier(input.codeVerifier))
        throw new AppError(
          'INVALID_ARGUMENT',
          'codeVerifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~" (RFC 7636)',
          'pkce_required',
        );
      const settings = await this.requireSettings(tenant);
      if (!isAllowedAppRedirect(input.redirectUri, settings.redirectUris)) {
        const allowed = [...settings.redirectUris.slice(1), 'http://127.0.0.1:<port>/…'].join(', ');
        throw new AppError(
          'INVALID_ARGUMENT',
          `redirectUri "${input.redirectUri}" is not an app redirect URI of this organization (allowed: ${allowed})`,
          'invalid_redirect_uri',
        );
      }
      const ref = providerRef(settings);
      const callback = new URL(input.redirectUri);
      callback.searchParams.set('code', input.code);
      // The app received the response, not us; it is attributed to the organization's issuer, whose token
      // endpoint alone can redeem the code.
      callback.searchParams.set('iss', await this.deps.relyingParty.announcedIssuer(scope.log, ref));
      const claims = await this.deps.relyingParty.redeem(scope.log, ref, callback, {
        codeVerifier: input.codeVerifier,
        expectedNonce: input.nonce || undefined,
      });
      return await this.establish(tenant, settings, claims, 'app', scope);
    } catch (err) {
      throw await this.refused(tenant, err, { flow: 'app' }, scope);
    }
  }

  // ---- matching and sessions

  private async establish(
    tenant: TenantId,
    settings: OidcSettings,
    result: ClaimsResult,
    flow: 'web' | 'app',
    scope: RequestScope,
  ): Promise<LoginResult> {
    const who = assertedIdentity(result.claims, result.userinfo);
    if (!who.logins.length) {
      throw new AppError(
        'PERMISSION_DENIED',
        'the identity provider sent neither an e-mail address nor a user name for this person; grant the "email" and "profile" scopes to the OIDC app',
        'missing_login_claim',
      );
    }
    let user: Awaited<ReturnType<DirectoryPort['findLoginUser']>>['user'];
    let elsewhere = false;
    for (const login of who.logins) {
      const found = await this.deps.directory.findLoginUser(scope, tenant, login);
      if (found.user) {
        user = found.user;
        break;
      }
      elsewhere ||= found.existsInOtherTenant;
    }
    const shown = who.logins[0];
    if (!user && elsewhere) {
      throw new AppError(
        'PERMISSION_DENIED',
        `${shown} is not a member of this organization. If you work for another organization on this platform, use its sign-in link.`,
        'user_in_other_org',
        { login: asciiLogin(shown) },
      );
    }
    if (!user) {
      throw new AppError(
        'PERMISSION_DENIED',
        `${shown} signed in at the identity provider, but this organization has no user with that e-mail address or user name: the identity provider has not provisioned it. Assign the person to the platform's provisioning (SCIM) app and push them, then sign in again.`,
        'user_not_provisioned',
        { login: asciiLogin(shown) },
      );
    }
    if (!user.active) {
      throw new AppError(
        'PERMISSION_DENIED',
        `the account ${user.userName} is deactivated in this organization; an administrator must reactivate it in the identity provider`,
        'user_deactivated',
        { login: asciiLogin(user.userName) },
      );
    }
    const connector = await this.deps.directory.getConnector(scope, tenant, settings.connectorId);
    if (!connector?.enabled)
      throw new AppError(
        'FAILED_PRECONDITION',
        'single sign-on is turned off for this organization (its identity provider connector is disabled); an administrator must enable it again',
        'sso_disabled',
      );

    const { token, record } = await this.deps.sessions.create({
      tenantId: tenant,
      connectorId: settings.connectorId,
      userId: user.id,
      userName: user.userName,
      role: user.role,
      flow,
    });
    this.deps.countLogin('success');
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: `user:${user.id}`,
      action: 'auth.login',
      resourceType: 'User',
      resourceId: user.id,
      resourceName: user.userName,
      outcome: 'success',
      details: { flow, access: accessOf(user.role) },
    });
    scope.log.info('sign-in', { tenant, userId: user.id, flow, access: accessOf(user.role) });
    return { token, session: view(record, record.role) };
  }

  /** Counts and records a refusal, then hands back the error to throw. */
  private async refused(
    tenant: TenantId,
    err: unknown,
    ctx: { flow: 'web' | 'app' },
    scope: RequestScope,
  ): Promise<unknown> {
    if (!(err instanceof AppError)) {
      this.deps.countLogin(err && typeof err === 'object' && 'code' in err ? 'unavailable' : 'error');
      return err;
    }
    const reason = err.reason ?? 'refused';
    this.deps.countLogin(reason);
    if (STALE_PROVIDER.has(reason)) this.deps.relyingParty.forget(tenant);
    // The organization the sign-in was for (never another one), so the gateway can offer "start again".
    const tagged = new AppError(err.code, err.message, err.reason, { ...err.meta, 'tenant-id': tenant });
    // No activity line for an organization without SSO: anyone can ask for /oidc/login?org=<anything>.
    if (err.code === 'UNAVAILABLE' || reason === 'sso_not_configured') return tagged;
    const login = err.meta.login;
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: 'system',
      action: 'auth.login_refused',
      resourceType: 'User',
      resourceId: '',
      resourceName: login ?? '',
      outcome: 'failure',
      details: {
        reason,
        flow: ctx.flow,
        ...(err.meta['configured-issuer']
          ? { configuredIssuer: err.meta['configured-issuer'], announcedIssuer: err.meta['announced-issuer'] }
          : {}),
        ...(err.meta['idp-error'] ? { idpError: err.meta['idp-error'] } : {}),
      },
    });
    scope.log.info('sign-in refused', { tenant, reason, flow: ctx.flow });
    return tagged;
  }

  async session(token: string, scope: RequestScope): Promise<SessionView> {
    const found = await this.deps.sessions.find(token);
    if (!found.found) throw unauthenticated('session_not_found', 'no valid session: sign in again');
    const { hash, record } = found;
    const now = this.now();
    const state = verdict(this.deps.policy, record.expiresAt, found.lastSeenAt, now);
    if (state !== 'active') {
      await this.deps.sessions.end(hash, record);
      throw unauthenticated(
        'session_expired',
        state === 'idle_timeout'
          ? 'the session ended after a period without activity: sign in again'
          : 'the session reached its maximum length: sign in again',
      );
    }
    const tenant = requireTenant(record.tenantId);
    const [status, connector] = await Promise.all([
      this.deps.directory.getUserStatus(scope, tenant, record.userId),
      this.deps.directory.getConnector(scope, tenant, record.connectorId),
    ]);
    if (!status.exists || !status.active) {
      await this.deps.sessions.end(hash, record);
      throw unauthenticated('user_deactivated', 'the account has been deactivated: the session has ended');
    }
    if (!connector?.enabled) {
      await this.deps.sessions.end(hash, record);
      throw unauthenticated(
        'sso_disabled',
        'single sign-on was turned off for this organization: the session has ended',
      );
    }
    if (found.lastSeenAt === null || now - found.lastSeenAt >= touchIntervalMs(this.deps.policy))
      await this.deps.sessions.touch(hash, record);
    return view(record, status.role);
  }

  async end(token: string, scope: RequestScope): Promise<boolean> {
    const found = await this.deps.sessions.find(token);
    if (!found.found) return false;
    const ended = await this.deps.sessions.end(found.hash, found.record);
    if (ended) {
      const r = found.record;
      await this.deps.directory.recordActivity(scope, requireTenant(r.tenantId), {
        actor: `user:${r.userId}`,
        action: 'auth.logout',
        resourceType: 'User',
        resourceId: r.userId,
        resourceName: r.userName,
        outcome: 'success',
        details: { flow: r.flow },
      });
    }
    return ended;
  }

  async revoke(tenantIdValue: string, userId: string, scope: RequestScope): Promise<number> {
    const tenant = requireTenant(tenantIdValue);
    const n = userId
      ? await this.deps.sessions.revokeUser(tenant, userId)
      : await this.deps.sessions.revokeTenant(tenant);
    if (n) scope.log.info('sessions revoked', { tenant, userId: userId || undefined, count: n });
    return n;
  }
}

function view(r: SessionRecord, role: SessionRecord['role']): SessionView {
  return {
    tenantId: r.tenantId,
    userId: r.userId,
    userName: r.userName,
    role,
    access: accessOf(role),
    createdAt: new Date(r.createdAt),
    expiresAt: new Date(r.expiresAt),
  };
}

const asciiLogin = (v: string) => v.replace(/[^\x20-\x7e]/g, '?').slice(0, 320);

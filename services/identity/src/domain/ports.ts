/** What the sign-in domain needs from the outside, as interfaces; adapters live in store/, oidc/ and peers/. */
import type { Logger, RequestScope } from '../../../kit/src/logger.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { AccessKind, RoleName } from './roles.js';

export interface LoginUser {
  id: string;
  userName: string;
  active: boolean;
  role: RoleName;
}

/**
 * Every method is asked for a request being served (`scope`): its id and trace travel on the directory call, an
 * activity entry records its id, and what is logged goes through its logger.
 */
export interface DirectoryPort {
  /** The user of this tenant with this login (e-mail or userName, case-insensitive). */
  findLoginUser(
    scope: RequestScope,
    tenant: TenantId,
    login: string,
  ): Promise<{ user?: LoginUser; existsInOtherTenant: boolean }>;
  getUserStatus(
    scope: RequestScope,
    tenant: TenantId,
    userId: string,
  ): Promise<{ exists: boolean; active: boolean; role: RoleName }>;
  /** undefined: the connector does not exist (any more). */
  getConnector(scope: RequestScope, tenant: TenantId, connectorId: string): Promise<{ enabled: boolean } | undefined>;
  /** Best effort: a lost audit line is logged, never fails the sign-in. */
  recordActivity(scope: RequestScope, tenant: TenantId, entry: ActivityEvent): Promise<void>;
}

export interface ActivityEvent {
  actor: string;
  action:
    | 'auth.login'
    | 'auth.login_refused'
    | 'auth.logout'
    | 'sso.configure'
    | 'sso.disable'
    | 'setup_link.create'
    | 'setup_link.revoke'
    | 'setup_link.redeem';
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: 'success' | 'failure';
  details?: Record<string, unknown>;
}

export interface OidcSettings {
  tenantId: string;
  connectorId: string;
  issuer: string;
  clientId: string;
  /** The web callback first, then the apps' redirect URIs. */
  redirectUris: string[];
  updatedAt: Date;
  updatedBy: string;
}

export interface OidcSettingsStore {
  get(tenant: TenantId): Promise<OidcSettings | null>;
  put(tenant: TenantId, settings: Omit<OidcSettings, 'tenantId'>): Promise<OidcSettings>;
  remove(tenant: TenantId): Promise<boolean>;
}

export interface LoginTransaction {
  tenantId: string;
  redirectUri: string;
  nonce: string;
  codeVerifier: string;
  createdAt: number;
}

export interface LoginTransactionStore {
  put(state: string, txn: LoginTransaction): Promise<void>;
  /** Single use: returns the transaction once, then never again. */
  take(state: string): Promise<LoginTransaction | null>;
}

export interface SessionRecord {
  tenantId: string;
  connectorId: string;
  userId: string;
  userName: string;
  role: RoleName;
  flow: 'web' | 'app';
  createdAt: number;
  /** Absolute expiry (ms); the idle limit may end the session earlier. */
  expiresAt: number;
}

export type SessionLookup =
  { found: true; hash: string; record: SessionRecord; lastSeenAt: number | null } | { found: false };

export interface SessionStore {
  create(record: Omit<SessionRecord, 'createdAt' | 'expiresAt'>): Promise<{ token: string; record: SessionRecord }>;
  find(token: string): Promise<SessionLookup>;
  touch(hash: string, record: SessionRecord): Promise<void>;
  end(hash: string, record?: SessionRecord): Promise<boolean>;
  revokeUser(tenant: string, userId: string): Promise<number>;
  revokeTenant(tenant: string): Promise<number>;
}

/** One organization's provider as the relying party needs it; `version` changes with the settings. */
export interface ProviderRef {
  tenantId: string;
  issuer: string;
  clientId: string;
  version: string;
}

export interface RedeemChecks {
  /** The state of the login transaction; undefined for apps (their callback carries none to us). */
  expectedState?: string;
  expectedNonce?: string;
  codeVerifier: string;
}

/**
 * The OpenID Connect relying party (openid-client adapter in oidc/). Throws AppErrors with login reasons. `log`:
 * the logger of the request being served, for what the relying party notes on the way (a stale key set, …).
 */
export interface RelyingPartyPort {
  /** Fetches the discovery document now and keeps it for the tenant. */
  discover(p: ProviderRef): Promise<unknown>;
  forget(tenantId: string): void;
  authorizationUrl(
    log: Logger,
    p: ProviderRef,
    params: { redirectUri: string; state: string; nonce: string; codeChallenge: string },
  ): Promise<string>;
  announcedIssuer(log: Logger, p: ProviderRef): Promise<string>;
  redeem(log: Logger, p: ProviderRef, callbackUrl: URL, checks: RedeemChecks): Promise<ClaimsResult>;
}

export interface ClaimsResult {
  claims: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
}

export interface SessionView {
  tenantId: string;
  userId: string;
  userName: string;
  role: RoleName;
  access: AccessKind;
  createdAt: Date;
  expiresAt: Date;
}

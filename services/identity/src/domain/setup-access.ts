/**
 * Organization Setup access: one-time setup links made by the platform operator, and the setup sessions they
 * open for the customer's admin (one organization only).
 *
 * - A link token carries the tenant and the link id in clear and 256 random bits; only its SHA-256 is stored,
 *   and the hash is compared in constant time. Reads stay scoped to the tenant named in the token.
 * - Redeeming is single use: the link moves from "live" to "used" in one conditional update, so of two
 *   concurrent redeems exactly one wins. Revoking a link ends the session it opened.
 * - Sessions: absolute and idle timeouts (session-policy.ts), in the key-value store like platform sessions.
 */
import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { newSecret, safeEqual, sha256Hex } from '../../../kit/src/secrets.js';
import { tenantId as toTenantId, type TenantId } from '../../../kit/src/store/store.js';
import type { RequestScope } from '../../../kit/src/logger.js';
import type { DirectoryPort } from './ports.js';
import { touchIntervalMs, verdict, type SessionPolicy } from './session-policy.js';

export const SETUP_LINK_PREFIX = 'scimgw_setup_';
export const SETUP_SESSION_PREFIX = 'scimgw_setupses_';
export const SETUP_LINK_DEFAULT_SECONDS = 3600;
export const SETUP_LINK_MAX_SECONDS = 7 * 86400;

export type SetupLinkState = 'live' | 'used' | 'revoked';

export interface SetupLinkRecord {
  id: string;
  tenantId: string;
  tokenHash: string;
  state: SetupLinkState;
  createdAt: Date;
  expiresAt: Date;
  createdBy: string;
  usedAt?: Date;
  revokedAt?: Date;
  /** SHA-256 of the setup session's token, once redeemed. */
  sessionHash?: string;
}

export interface SetupLinkStore {
  insert(link: SetupLinkRecord): Promise<void>;
  get(tenant: TenantId, id: string): Promise<SetupLinkRecord | null>;
  /** Live and not expired at `now`, newest first. */
  listLive(tenant: TenantId, now: Date): Promise<SetupLinkRecord[]>;
  /** Atomic: moves a live link to "used" and returns true, or returns false when it was not live any more. */
  markUsed(tenant: TenantId, id: string, usedAt: Date, sessionHash: string): Promise<boolean>;
  /** Atomic: moves a live or used link to "revoked"; returns the link as it was, or null when already revoked or missing. */
  markRevoked(tenant: TenantId, id: string, revokedAt: Date): Promise<SetupLinkRecord | null>;
}

export interface SetupSessionRecord {
  tenantId: string;
  linkId: string;
  createdAt: number;
  expiresAt: number;
}

export interface SetupSessionStore {
  put(hash: string, record: SetupSessionRecord, now: number): Promise<void>;
  find(hash: string): Promise<{ record: SetupSessionRecord; lastSeenAt: number | null } | null>;
  touch(hash: string, record: SetupSessionRecord, now: number): Promise<void>;
  end(hash: string): Promise<boolean>;
}

export interface SetupSessionView {
  tenantId: string;
  actor: string;
  linkId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface SetupAccessDeps {
  links: SetupLinkStore;
  sessions: SetupSessionStore;
  directory: Pick<DirectoryPort, 'recordActivity'>;
  policy: SessionPolicy;
  now?: () => number;
}

const TENANT = /^[A-Za-z0-9-]{1,64}$/;
const LINK_ID = /^[0-9a-f]{1,64}$/;

export const setupActor = (linkId: string) => `setup-link:${linkId}`;

const linkError = (state: 'used' | 'expired' | 'revoked' | 'unknown') => {
  const messages = {
    used: 'this setup link has already been used; a setup link opens Organization Setup once. Ask the platform for a new link',
    expired: 'this setup link has expired. Ask the platform for a new link',
    revoked: 'this setup link was revoked by the platform. Ask the platform for a new link',
    unknown: 'this is not a valid setup link; check that it was copied completely, or ask the platform for a new link',
  };
  return new AppError(
    state === 'unknown' ? 'NOT_FOUND' : 'FAILED_PRECONDITION',
    messages[state],
    `setup_link_${state}`,
  );
};

/** The tenant and link id a token names, or undefined for anything that is not one of our tokens. */
export function parseSetupLinkToken(token: string): { tenant: TenantId; linkId: string } | undefined {
  if (typeof token !== 'string' || !token.startsWith(SETUP_LINK_PREFIX) || token.length > 300) return undefined;
  const [tenant, linkId, secret] = token.slice(SETUP_LINK_PREFIX.length).split('.');
  if (!tenant || !linkId || !secret || !TENANT.test(tenant) || !LINK_ID.test(linkId)) return undefined;
  return { tenant: toTenantId(tenant), linkId };
}

export class SetupAccess {
  private readonly now: () => number;

  constructor(private readonly deps: SetupAccessDeps) {
    this.now = deps.now ?? Date.now;
  }

  async createLink(
    input: {
      tenantId: string;
      expiresInSeconds: number;
      actor: string;
    },
    scope: RequestScope,
  ): Promise<{ link: SetupLinkRecord; token: string }> {
    const tenant = requireTenant(input.tenantId);
    const seconds = input.expiresInSeconds || SETUP_LINK_DEFAULT_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > SETUP_LINK_MAX_SECONDS) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `expiresInSeconds must be a whole number from 1 to ${SETUP_LINK_MAX_SECONDS} (7 days)`,
        'invalid_request',
      );
    }
    const now = this.now();
    const id = newId(now);
    const token = newSecret(`${SETUP_LINK_PREFIX}${tenant}.${id}.`, 32);
    const link: SetupLinkRecord = {
      id,
      tenantId: tenant,
      tokenHash: sha256Hex(token),
      state: 'live',
      createdAt: new Date(now),
      expiresAt: new Date(now + seconds * 1000),
      createdBy: input.actor || 'operator',
    };
    await this.deps.links.insert(link);
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: link.createdBy,
      action: 'setup_link.create',
      resourceType: 'setup_link',
      resourceId: id,
      resourceName: '',
      outcome: 'success',
      details: { expiresAt: link.expiresAt.toISOString() },
    });
    return { link, token };
  }

  async listLinks(tenantIdValue: string): Promise<SetupLinkRecord[]> {
    return this.deps.links.listLive(requireTenant(tenantIdValue), new Date(this.now()));
  }

  async revokeLink(
    input: {
      tenantId: string;
      linkId: string;
      actor: string;
    },
    scope: RequestScope,
  ): Promise<{ changed: boolean; sessionEnded: boolean }> {
    const tenant = requireTenant(input.tenantId);
    const existing = await this.deps.links.get(tenant, input.linkId);
    if (!existing)
      throw new AppError(
        'NOT_FOUND',
        `setup link ${input.linkId} not found in this organization`,
        'setup_link_not_found',
      );
    const before = await this.deps.links.markRevoked(tenant, input.linkId, new Date(this.now()));
    if (!before) return { changed: false, sessionEnded: false };
    const sessionEnded = before.sessionHash ? await this.deps.sessions.end(before.sessionHash) : false;
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: input.actor || 'operator',
      action: 'setup_link.revoke',
      resourceType: 'setup_link',
      resourceId: input.linkId,
      resourceName: '',
      outcome: 'success',
      details: { wasUsed: before.state === 'used', sessionEnded },
    });
    return { changed: true, sessionEnded };
  }

  /** The link a token names if it can be redeemed now; otherwise an error saying why. */
  async checkLink(token: string): Promise<SetupLinkRecord> {
    const named = parseSetupLinkToken(token);
    if (!named) throw linkError('unknown');
    const link = await this.deps.links.get(named.tenant, named.linkId);
    if (!link || !safeEqual(sha256Hex(token), link.tokenHash)) throw linkError('unknown');
    if (link.state === 'revoked') throw linkError('revoked');
    if (link.state === 'used') throw linkError('used');
    if (link.expiresAt.getTime() <= this.now()) throw linkError('expired');
    return link;
  }

  async redeemLink(token: string, scope: RequestScope): Promise<{ token: string; session: SetupSessionView }> {
    const link = await this.checkLink(token);
    const tenant = toTenantId(link.tenantId);
    const sessionToken = newSecret(SETUP_SESSION_PREFIX, 32);
    const hash = sha256Hex(sessionToken);
    const now = this.now();
    if (!(await this.deps.links.markUsed(tenant, link.id, new Date(now), hash))) {
      // Another redeem (or a revocation) got there first: report the state it left.
      await this.checkLink(token);
      throw linkError('used');
    }
    const record: SetupSessionRecord = {
      tenantId: link.tenantId,
      linkId: link.id,
      createdAt: now,
      expiresAt: now + this.deps.policy.absoluteSeconds * 1000,
    };
    await this.deps.sessions.put(hash, record, now);
    // A revocation between the update above and the session write could not end the session: check again.
    const after = await this.deps.links.get(tenant, link.id);
    if (after?.state === 'revoked') {
      await this.deps.sessions.end(hash);
      throw linkError('revoked');
    }
    await this.deps.directory.recordActivity(scope, tenant, {
      actor: setupActor(link.id),
      action: 'setup_link.redeem',
      resourceType: 'setup_link',
      resourceId: link.id,
      resourceName: '',
      outcome: 'success',
    });
    return { token: sessionToken, session: view(record) };
  }

  async session(token: string): Promise<SetupSessionView> {
    if (!token || !token.startsWith(SETUP_SESSION_PREFIX) || token.length > 200)
      throw new AppError(
        'UNAUTHENTICATED',
        'no setup session: open your setup link again or ask the platform for a new one',
        'setup_session_not_found',
      );
    const hash = sha256Hex(token);
    const found = await this.deps.sessions.find(hash);
    if (!found)
      throw new AppError(
        'UNAUTHENTICATED',
        'your setup session has ended (it was revoked, or it expired); ask the platform for a new setup link',
        'setup_session_not_found',
      );
    const now = this.now();
    const v = verdict(this.deps.policy, found.record.expiresAt, found.lastSeenAt, now);
    if (v !== 'active') {
      await this.deps.sessions.end(hash);
      const why =
        v === 'idle_timeout'
          ? `it was not used for ${Math.round(this.deps.policy.idleSeconds / 60)} minutes`
          : `it is more than ${Math.round(this.deps.policy.absoluteSeconds / 3600)} hours old`;
      throw new AppError(
        'UNAUTHENTICATED',
        `your setup session has ended: ${why}. Ask the platform for a new setup link`,
        'setup_session_expired',
      );
    }
    if (found.lastSeenAt === null || now - found.lastSeenAt >= touchIntervalMs(this.deps.policy))
      await this.deps.sessions.touch(hash, found.record, now);
    return view(found.record);
  }

  async end(token: string): Promise<boolean> {
    if (!token || !token.startsWith(SETUP_SESSION_PREFIX)) return false;
    return this.deps.sessions.end(sha256Hex(token));
  }
}

function view(r: SetupSessionRecord): SetupSessionView {
  return {
    tenantId: r.tenantId,
    actor: setupActor(r.linkId),
    linkId: r.linkId,
    createdAt: new Date(r.createdAt),
    expiresAt: new Date(r.expiresAt),
  };
}

function requireTenant(value: string): TenantId {
  if (!value) throw new AppError('INVALID_ARGUMENT', 'tenant_id is required', 'tenant_required');
  return toTenantId(value);
}

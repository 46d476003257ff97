/** Setup sessions: 30 minutes idle, 8 hours absolute (the defaults), on the in-process key-value store with a test clock. */
import { describe, expect, it } from '@jest/globals';
import { MemoryKeyValueStore } from '../../kit/src/kv.js';
import { testCall } from '../../kit/test/support/call-context.js';
import type { TenantId } from '../../kit/src/store/store.js';
import { SetupAccess, type SetupLinkRecord, type SetupLinkStore } from '../src/domain/setup-access.js';
import { kvSetupSessionStore } from '../src/store/setup-session-store.js';
import { loadIdentityConfig } from '../src/config.js';

function memoryLinks(): SetupLinkStore {
  const links = new Map<string, SetupLinkRecord>();
  const key = (t: string, id: string) => `${t}/${id}`;
  return {
    async insert(l) {
      links.set(key(l.tenantId, l.id), { ...l });
    },
    async get(t: TenantId, id) {
      return links.get(key(t, id)) ?? null;
    },
    async listLive(t, now) {
      return [...links.values()].filter((l) => l.tenantId === t && l.state === 'live' && l.expiresAt > now);
    },
    async markUsed(t, id, usedAt, sessionHash) {
      const l = links.get(key(t, id));
      if (!l || l.state !== 'live') return false;
      Object.assign(l, { state: 'used', usedAt, sessionHash });
      return true;
    },
    async markRevoked(t, id, revokedAt) {
      const l = links.get(key(t, id));
      if (!l || l.state === 'revoked') return null;
      const before = { ...l };
      Object.assign(l, { state: 'revoked', revokedAt });
      return before;
    },
  };
}

describe('setup session lifetime', () => {
  const call = testCall('req-setup');
  const { config } = loadIdentityConfig({ ADMIN_TOKEN: 'x'.repeat(32) });
  const policy = { idleSeconds: config.setupSessionIdleSeconds, absoluteSeconds: config.setupSessionAbsoluteSeconds };
  let t = Date.UTC(2026, 11, 6, 9, 0);
  const now = () => t;
  const minutes = (m: number) => (t += m * 60_000);
  const sut = () => {
    const kv = new MemoryKeyValueStore(now);
    return new SetupAccess({
      links: memoryLinks(),
      sessions: kvSetupSessionStore(kv, policy),
      directory: { recordActivity: async () => undefined },
      policy,
      now,
    });
  };
  const reason = async (p: Promise<unknown>) =>
    p.then(
      () => 'active',
      (e: { reason?: string }) => e.reason,
    );

  it('defaults to 30 minutes idle and 8 hours absolute', () => {
    expect(policy).toEqual({ idleSeconds: 1800, absoluteSeconds: 28800 });
  });

  it('ends after 30 minutes without use, and lives on while used', async () => {
    const access = sut();
    const { token } = await access.createLink({ tenantId: 'acme', expiresInSeconds: 0, actor: 'operator' }, call);
    const s = await access.redeemLink(token, call);
    minutes(29);
    expect(await reason(access.session(s.token))).toBe('active');
    minutes(29);
    expect(await reason(access.session(s.token))).toBe('active');
    minutes(31);
    expect(await reason(access.session(s.token))).toBe('setup_session_expired');
    expect(await reason(access.session(s.token))).toBe('setup_session_not_found');
  });

  it('ends 8 hours after the link was opened however active', async () => {
    const access = sut();
    const { token } = await access.createLink({ tenantId: 'acme', expiresInSeconds: 0, actor: 'operator' }, call);
    const s = await access.redeemLink(token, call);
    for (let i = 0; i < 7 * 4; i++) {
      minutes(15);
      expect(await reason(access.session(s.token))).toBe('active');
    }
    minutes(60);
    expect(await reason(access.session(s.token))).not.toBe('active');
  });

  it('a link expires after its lifetime (default one hour)', async () => {
    const access = sut();
    const { token } = await access.createLink({ tenantId: 'acme', expiresInSeconds: 0, actor: 'operator' }, call);
    minutes(59);
    expect((await access.checkLink(token)).tenantId).toBe('acme');
    minutes(2);
    expect(await reason(access.redeemLink(token, call))).toBe('setup_link_expired');
  });
});

import { afterAll, describe, expect, it } from '@jest/globals';
import { AppError } from '../../kit/src/errors.js';
import { MemoryKeyValueStore } from '../../kit/src/kv.js';
import { testCall } from '../../kit/test/support/call-context.js';
import type { DirectoryPort, OidcSettingsStore, RelyingPartyPort } from '../src/domain/ports.js';
import { SignIn } from '../src/domain/sign-in.js';
import { kvLoginTransactionStore } from '../src/store/login-transaction-store.js';
import { kvSessionStore } from '../src/store/session-store.js';

/** Session timeouts and transaction expiry on a clock the test moves (in-memory key-value store). */
describe('session lifetime and login transactions (clock-driven)', () => {
  let t = 1_000_000;
  const clock = () => t;
  const kv = new MemoryKeyValueStore(clock);
  afterAll(() => kv.close());
  const policy = { idleSeconds: 60, absoluteSeconds: 300 };
  const directory: DirectoryPort = {
    findLoginUser: async () => ({ existsInOtherTenant: false }),
    getUserStatus: async () => ({ exists: true, active: true, role: 'User' }),
    getConnector: async () => ({ enabled: true }),
    recordActivity: async () => undefined,
  };
  const sessions = kvSessionStore(kv, policy, clock);
  const sut = new SignIn({
    settings: {} as OidcSettingsStore,
    transactions: kvLoginTransactionStore(kv),
    sessions,
    directory,
    relyingParty: {} as RelyingPartyPort,
    policy,
    countLogin: () => undefined,
    now: clock,
  });
  const open = async () =>
    (
      await sessions.create({
        tenantId: 'org',
        connectorId: 'c',
        userId: 'u1',
        userName: 'u1@x',
        role: 'User',
        flow: 'web',
      })
    ).token;
  const reason = async (token: string) =>
    sut.session(token, testCall('req-session')).then(
      () => 'active',
      (err: AppError) => err.reason,
    );

  it('slides the idle timeout with use, and ends an idle session', async () => {
    const token = await open();
    t += 30_000;
    expect(await reason(token)).toBe('active');
    t += 50_000; // 50 s after the last use
    expect(await reason(token)).toBe('active');
    t += 61_000;
    expect(await reason(token)).toBe('session_expired');
    expect(await reason(token)).toBe('session_not_found'); // ended, not just refused
  });

  it('ends a session at the absolute timeout however active', async () => {
    const token = await open();
    for (let i = 0; i < 5; i++) {
      t += 55_000;
      expect(await reason(token)).toBe('active');
    }
    t += 30_000; // 305 s after sign-in
    expect(await reason(token)).toBe('session_not_found');
  });

  it('keeps a login transaction for 10 minutes and hands it out once', async () => {
    const txns = kvLoginTransactionStore(kv);
    const txn = { tenantId: 'org', redirectUri: 'https://gw/cb', nonce: 'n', codeVerifier: 'v', createdAt: t };
    await txns.put('s1', txn);
    await txns.put('s2', txn);
    expect(await txns.take('s1')).toEqual(txn);
    expect(await txns.take('s1')).toBeNull();
    t += 601_000;
    expect(await txns.take('s2')).toBeNull();
    expect(await txns.take('')).toBeNull();
  });
});

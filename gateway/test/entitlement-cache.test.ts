import { describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { EntitlementCache } from '../src/entitlement-cache.js';

/** The request asking (its id travels with a miss's call). */
const call = { context: { requestId: 'req-entitle-0001' } };
const counter = () => new Counter({ name: 'c', help: 'c', labelNames: ['result'], registers: [new Registry()] });

describe('EntitlementCache', () => {
  it('answers from memory within the TTL, asks again after it, and shares concurrent misses', async () => {
    let now = 0;
    let calls = 0;
    let enabled = true;
    const sut = new EntitlementCache(
      async () => (calls++, enabled),
      1000,
      counter(),
      () => now,
    );
    await Promise.all([sut.enabled('t', call), sut.enabled('t', call), sut.enabled('t', call)]);
    expect(calls).toBe(1);
    enabled = false;
    now = 999;
    expect(await sut.enabled('t', call)).toBe(true);
    now = 1000;
    expect(await sut.enabled('t', call)).toBe(false);
    expect(calls).toBe(2);
  });
  it('asks for the request whose miss started the call; misses that share it add no call', async () => {
    const asked: unknown[] = [];
    const sut = new EntitlementCache(async (_t, call) => (asked.push(call), true), 1000, counter());
    const first = { context: { requestId: 'req-first-0001' } };
    await Promise.all([sut.enabled('t', first), sut.enabled('t', { context: { requestId: 'req-other-0002' } })]);
    expect(asked).toEqual([first]);
  });
  it('forgets a tenant on demand and keeps tenants apart', async () => {
    const state: Record<string, boolean> = { a: true, b: false };
    const sut = new EntitlementCache(async (t) => state[t], 1000, counter());
    expect(await sut.enabled('a', call)).toBe(true);
    expect(await sut.enabled('b', call)).toBe(false);
    state.a = false;
    sut.forget('a');
    expect(await sut.enabled('a', call)).toBe(false);
  });
  it('does not cache failures', async () => {
    let fail = true;
    const sut = new EntitlementCache(
      async () => {
        if (fail) throw new Error('unavailable');
        return true;
      },
      1000,
      counter(),
    );
    await expect(sut.enabled('t', call)).rejects.toThrow('unavailable');
    fail = false;
    expect(await sut.enabled('t', call)).toBe(true);
  });
});

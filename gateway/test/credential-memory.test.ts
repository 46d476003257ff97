import { describe, expect, it } from '@jest/globals';
import { CredentialMemory } from '../src/credential-memory.js';

const v = (connectorId: string, generation: number) => ({ tenantId: 't1', connectorId, generation });

describe('CredentialMemory', () => {
  let clock = 0;
  const sut = () => {
    clock = 1000;
    const m = new CredentialMemory(100, () => clock);
    m.synced([]);
    m.extendLease(clock, 500);
    return m;
  };

  it('answers only while synced and within the lease granted from the ping time', () => {
    const m = sut();
    m.admit('k', v('c1', 1), m.ticket());
    expect(m.get('k')).toEqual(v('c1', 1));
    clock = 1499;
    expect(m.get('k')).toBeDefined();
    clock = 1500;
    expect(m.get('k')).toBeUndefined(); // a stalled process that resumes trusts nothing
    m.extendLease(1400, 500);
    expect(m.get('k')).toBeDefined();
    m.lost();
    expect(m.get('k')).toBeUndefined();
    m.extendLease(1500, 500);
    expect(m.get('k')).toBeUndefined(); // not before the next resync
  });

  it('keys are per scheme, tenant, Company ID (case-insensitive, trimmed) and secret', () => {
    const k = CredentialMemory.key(2, 't1', 'acme', 's');
    expect(CredentialMemory.key(2, 't1', ' ACME ', 's')).toBe(k);
    expect(CredentialMemory.key(2, 't2', 'acme', 's')).not.toBe(k);
    expect(CredentialMemory.key(1, 't1', 'acme', 's')).not.toBe(k);
    expect(CredentialMemory.key(2, 't1', 'acme', 's2')).not.toBe(k);
    expect(CredentialMemory.key(1, 't1', '', 'scimgw_tok_secret')).not.toContain('scimgw_tok_secret'); // digests, not secrets
  });

  it('a revocation drops older entries of that connector only, and refuses answers it overtook', () => {
    const m = sut();
    m.admit('a', v('c1', 1), m.ticket());
    m.admit('b', v('c2', 1), m.ticket());
    m.revoke({ tenantId: 't1', connectorId: 'c1', generation: 2 });
    expect(m.get('a')).toBeUndefined();
    expect(m.get('b')).toBeDefined();
    expect(m.admit('a', v('c1', 1), m.ticket())).toBe(false);
    expect(m.admit('a2', v('c1', 2), m.ticket())).toBe(true);
    expect(m.get('a2')).toBeDefined();
  });

  it('does not remember an answer asked for before trust was lost', () => {
    const m = sut();
    const ticket = m.ticket();
    m.lost();
    m.synced([]);
    m.extendLease(clock, 500);
    expect(m.admit('k', v('c1', 1), ticket)).toBe(true); // the answer itself stands
    expect(m.get('k')).toBeUndefined(); // but is not remembered
  });

  it('resync keeps only entries at the current generation of a connector that still has credentials', () => {
    const m = sut();
    m.admit('a', v('c1', 1), m.ticket());
    m.admit('b', v('c2', 3), m.ticket());
    m.admit('c', v('c3', 1), m.ticket());
    expect(m.held()).toHaveLength(3);
    m.lost();
    m.synced([
      { tenantId: 't1', connectorId: 'c1', generation: 2 },
      { tenantId: 't1', connectorId: 'c2', generation: 3 },
    ]);
    m.extendLease(clock, 500);
    expect(m.get('a')).toBeUndefined();
    expect(m.get('b')).toBeDefined();
    expect(m.get('c')).toBeUndefined();
    expect(m.admit('a', v('c1', 1), m.ticket())).toBe(false);
  });
});

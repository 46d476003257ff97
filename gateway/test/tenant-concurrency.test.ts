import { describe, expect, it } from '@jest/globals';
import { TenantConcurrency } from '../src/scim/tenant-concurrency.js';

describe('TenantConcurrency', () => {
  it('caps requests in progress per tenant, independently of other tenants', () => {
    const sut = new TenantConcurrency(2);
    const a1 = sut.tryAcquire('a');
    const a2 = sut.tryAcquire('a');
    expect(a1 && a2).toBeTruthy();
    expect(sut.tryAcquire('a')).toBeUndefined();
    expect(sut.tryAcquire('b')).toBeDefined(); // another tenant is not affected
    a1!();
    a1!(); // releasing twice frees one slot only
    expect(sut.inFlightOf('a')).toBe(1);
    expect(sut.tryAcquire('a')).toBeDefined();
    expect(sut.tryAcquire('a')).toBeUndefined();
  });
});

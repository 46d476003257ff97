import { describe, expect, it } from '@jest/globals';
import { last4, newSecret, safeEqual, sha256Hex } from '../src/secrets.js';

describe('secrets', () => {
  it('makes 256-bit secrets with a prefix, all different', () => {
    const a = newSecret('p_');
    expect(a).toMatch(/^p_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(2), 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 100 }, () => newSecret('p_'))).size).toBe(100);
  });
  it('compares equal and unequal strings of any length without throwing (timingSafeEqual needs equal lengths)', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('', 'x')).toBe(false);
  });
  it('hashes with SHA-256 and shows four characters', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(last4('scimgw_tok_abcdWXYZ')).toBe('WXYZ');
  });
});

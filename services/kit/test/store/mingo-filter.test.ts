import { describe, expect, it } from '@jest/globals';
import { compileFilter } from '../../src/store/mingo-filter.js';

describe('compileFilter', () => {
  it('evaluates $expr (its operators are loaded on first use) at the top and under $or', () => {
    const top = compileFilter({ $expr: { $gt: ['$a', '$b'] } });
    expect(top.test({ a: 2, b: 1 })).toBe(true);
    expect(top.test({ a: 1, b: 2 })).toBe(false);
    const nested = compileFilter({ $or: [{ c: 1 }, { $expr: { $eq: [{ $add: ['$a', '$b'] }, 5] } }] });
    expect(nested.test({ a: 2, b: 3 })).toBe(true);
    expect(nested.test({ a: 2, b: 2 })).toBe(false);
    expect(nested.test({ a: 2, b: 2, c: 1 })).toBe(true);
  });

  it('keeps filters without $expr as they were ($in inside arrays of subdocuments)', () => {
    const f = compileFilter({ 'b.c': { $in: [1] }, d: { $gte: 2 } });
    expect(f.test({ b: [{ c: [1] }, { c: 2 }], d: 3 })).toBe(true);
    expect(f.test({ b: [{ c: [3] }], d: 3 })).toBe(false);
  });

  it('refuses an unknown operator in both contexts', () => {
    expect(() => compileFilter({ a: { $nope: 1 } })).toThrow();
    expect(() => compileFilter({ $expr: { $nope: ['$a'] } }).test({ a: 1 })).toThrow();
  });
});

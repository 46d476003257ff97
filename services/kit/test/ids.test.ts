import { describe, expect, it } from '@jest/globals';
import { newCode, newId, randomHex } from '../src/ids.js';
import { continueTrace, formatTraceparent, parseTraceparent } from '../src/trace-context.js';

describe('ids', () => {
  it('are 28 lower-case hex characters, ordered by creation time, and never repeat', () => {
    const ids = new Set<string>();
    let previous = '';
    for (let i = 0; i < 5000; i++) {
      // crosses the 4 KiB randomness block several times
      const id = newId(1_700_000_000_000 + i);
      expect(id).toMatch(/^[0-9a-f]{28}$/);
      expect(id > previous).toBe(true);
      previous = id;
      ids.add(id.slice(12));
    }
    expect(ids.size).toBe(5000);
  });

  it('spread their random part over every hex digit', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of newId().slice(12)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    // 32,000 digits: each of the 16 values is expected 2,000 times
    for (const n of counts.values()) expect(n).toBeGreaterThan(1500);
  });

  it('trace and span ids are W3C-shaped hex from the same pool, never repeating', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const t = continueTrace(undefined);
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(parseTraceparent(formatTraceparent(t))).toEqual(t);
      seen.add(t.traceId).add(t.spanId);
    }
    expect(seen.size).toBe(2000);
    // across the pool's refills (4 KiB): 600 × 8 bytes
    const many = new Set(Array.from({ length: 600 }, () => randomHex(8)));
    expect(many.size).toBe(600);
  });

  it('codes use the Crockford alphabet only', () => {
    for (let i = 0; i < 200; i++) expect(newCode(10)).toMatch(/^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}$/);
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SortedIds } from '../../src/store/sorted-ids.js';

describe('SortedIds', () => {
  it('behaves like a sorted array under random adds and deletes, across chunk splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        (ops, a, b) => {
          const sut = new SortedIds();
          const ref = new Set<string>();
          for (const [add, n] of ops) {
            const id = n.toString(36).padStart(3, '0');
            expect(add ? sut.add(id) : sut.delete(id)).toBe(add ? !ref.has(id) : ref.has(id));
            if (add) ref.add(id);
            else ref.delete(id);
          }
          const sorted = [...ref].sort();
          expect([...sut]).toEqual(sorted);
          expect(sut.size).toBe(sorted.length);
          const [start, end] = [Math.min(a, b), Math.max(a, b)];
          expect([...sut.slice(start, end)]).toEqual(sorted.slice(start, end));
          expect([...sut.slice(start, end, true)]).toEqual(sorted.slice(start, end).reverse());
          const probe = a.toString(36).padStart(3, '0');
          expect(sut.rank(probe)).toBe(sorted.filter((s) => s < probe).length);
          expect(sut.rank(probe, true)).toBe(sorted.filter((s) => s <= probe).length);
          expect(sut.has(probe)).toBe(ref.has(probe));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('moves between no id, one id kept alone and chunks as ids come and go', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 40 }), (ops) => {
        const sut = new SortedIds();
        const ref = new Set<string>();
        for (const [add, n] of ops) {
          const id = `id${n}`;
          expect(add ? sut.add(id) : sut.delete(id)).toBe(add ? !ref.has(id) : ref.has(id));
          if (add) ref.add(id);
          else ref.delete(id);
          const sorted = [...ref].sort();
          expect([...sut]).toEqual(sorted);
          expect(sut.size).toBe(sorted.length);
          expect([...sut.slice(0, 4, true)]).toEqual([...sorted].reverse());
          expect([...sut.slice(1, 2)]).toEqual(sorted.slice(1, 2));
          for (let k = 0; k <= 4; k++) {
            expect(sut.has(`id${k}`)).toBe(ref.has(`id${k}`));
            expect(sut.rank(`id${k}`)).toBe(sorted.filter((x) => x < `id${k}`).length);
            expect(sut.rank(`id${k}`, true)).toBe(sorted.filter((x) => x <= `id${k}`).length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

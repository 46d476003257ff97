/**
 * The direct residual test of equalities on dotted paths (`{_id, 'meta.version': n}`, a compare-and-set write)
 * must agree with mingo wherever the path leads: plain objects, arrays of them, scalars, Dates, null, missing.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CollectionState } from '../../src/store/collection-state.js';
import { compileFilter } from '../../src/store/mingo-filter.js';
import { select, selectForWrite } from '../../src/store/query-exec.js';
import type { Doc, Filter } from '../../src/store/store.js';

const scalar = fc.oneof(
  fc.constantFrom('a', 'b', ''),
  fc.integer({ min: 0, max: 2 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(new Date(0)),
);
const leaf = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) });
const node = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('object'),
    fc.array(tie('object'), { maxLength: 2 }),
  ),
  object: fc.dictionary(fc.constantFrom('x', 'y', '0'), tie('value'), { maxKeys: 2 }),
})).value;
const docArb = fc.record({ tenantId: fc.constantFrom('t1', 't2'), m: node, n: node }, { requiredKeys: ['tenantId'] });
const path = fc
  .tuple(fc.constantFrom('m', 'n'), fc.array(fc.constantFrom('x', 'y', '0'), { minLength: 1, maxLength: 3 }))
  .map(([head, rest]) => [head, ...rest].join('.'));
const expected = fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer({ min: 0, max: 2 }), fc.boolean());
const filterArb = fc
  .tuple(
    fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
    fc.dictionary(path, expected, { minKeys: 1, maxKeys: 2 }),
  )
  .map(([tenant, eqs]): Filter => ({ ...(tenant ? { tenantId: tenant } : {}), ...eqs }));

describe('residual equalities on dotted paths', () => {
  it('match exactly the documents mingo matches', () => {
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 1, maxLength: 8 }), filterArb, (bodies, filter) => {
        const state = new CollectionState('c');
        const docs: Doc[] = bodies.map((b, i) => ({ ...b, _id: `d${i}` }));
        state.load(docs);
        state.addIndex({ name: 'tenant', keys: { tenantId: 1 } });
        const query = compileFilter(filter);
        const want = docs.filter((d) => query.test(d)).map((d) => d._id);
        expect(select(state, filter).docs.map((d) => d._id)).toEqual(want);
        expect(selectForWrite(state, { ...filter, _id: 'd0' }, new Map(), true).map((d) => d._id)).toEqual(
          want.includes('d0') ? ['d0'] : [],
        );
      }),
      { numRuns: 2000 },
    );
  });
});

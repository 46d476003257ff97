/**
 * Property: whatever plan the embedded engine picks (index bucket, exact or with a residual, _id list or
 * range, scan), its answers equal a brute-force mingo evaluation over every document.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { find as mingoFind } from 'mingo';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { compileFilter } from '../../src/store/mingo-filter.js';
import type { Doc, Filter, FindOptions, IndexSpec, Sort, WriteOp } from '../../src/store/store.js';

const DATES = [new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')];
const scalar = fc.oneof(
  fc.constantFrom('a', 'b', 'c', ''),
  fc.integer({ min: -1, max: 3 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(...DATES),
);
// no arrays of arrays: mingo flattens them on dotted paths where MongoDB does not (docs/store.md)
const value = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) });
const sub = fc.record({ c: value, d: scalar }, { requiredKeys: [] });
const docBody = fc.record(
  {
    tenantId: fc.constantFrom('t1', 't2'),
    a: value,
    b: fc.oneof(sub, fc.array(sub, { maxLength: 3 }), scalar),
    tags: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
  },
  { requiredKeys: ['tenantId'] },
);
const ID_POOL = Array.from({ length: 16 }, (_, i) => `d${i.toString(16).padStart(2, '0')}`);
const idValue = fc.constantFrom(...ID_POOL, 'd', 'e');

const plannable = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 't1', 't2', 'x', 'y'),
  fc.integer({ min: -1, max: 3 }),
  fc.boolean(),
  fc.constantFrom(...DATES),
);
const condition = fc.oneof(
  { weight: 4, arbitrary: plannable },
  { weight: 2, arbitrary: fc.record({ $eq: plannable }) },
  { weight: 2, arbitrary: fc.record({ $in: fc.array(plannable, { minLength: 1, maxLength: 3 }) }) },
  fc.constant(null),
  fc.record({ $ne: scalar }),
  fc.record({ $gt: scalar }),
  fc.record({ $lte: scalar }),
  fc.record({ $exists: fc.boolean() }),
  fc.record({ $nin: fc.array(scalar, { maxLength: 2 }) }),
  fc.record({ $size: fc.integer({ min: 0, max: 2 }) }),
);
const idCondition = fc.oneof(
  idValue,
  fc.record({ $in: fc.array(idValue, { minLength: 1, maxLength: 4 }) }),
  fc.record({ $gt: idValue }),
  fc.record({ $gte: idValue, $lt: idValue }),
  fc.record({ $lte: idValue }),
);
const clause: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ tenantId: condition }, { requiredKeys: [] }),
  fc.record({ tenantId: condition, a: condition }, { requiredKeys: ['a'] }),
  fc.record({ 'b.c': condition }),
  fc.record({ tags: condition, tenantId: condition }, { requiredKeys: ['tags'] }),
  fc.record({ 'b.d': condition, a: condition }, { requiredKeys: [] }),
  fc.record({ _id: idCondition, tenantId: condition }, { requiredKeys: ['_id'] }),
);
const filterArb: fc.Arbitrary<Filter> = fc.oneof(
  { weight: 4, arbitrary: clause },
  { weight: 1, arbitrary: fc.array(clause, { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })) },
  { weight: 1, arbitrary: fc.tuple(clause, clause).map(([x, y]) => ({ ...x, $or: [y, { tenantId: 't2' }] })) },
);
const optionsArb: fc.Arbitrary<FindOptions> = fc.record(
  {
    sort: fc.constantFrom<Sort>({ _id: 1 }, { _id: -1 }, { a: 1, _id: 1 }, { 'b.d': -1, _id: 1 }),
    skip: fc.integer({ min: 0, max: 4 }),
    limit: fc.integer({ min: 0, max: 5 }),
  },
  { requiredKeys: [] },
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: fc.constantFrom(...ID_POOL), doc: docBody }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ID_POOL) }),
);

const INDEXES: IndexSpec[] = [
  { name: 'tenant_a', keys: { tenantId: 1, a: 1 } },
  { name: 'b_c', keys: { 'b.c': 1 } },
  { name: 'tags_tenant', keys: { tags: 1, tenantId: 1 } },
  { name: 'tenant_id', keys: { tenantId: 1, _id: -1 } },
];

function bruteForce(all: Doc[], filter: Filter, options: FindOptions): Doc[] {
  const query = compileFilter(filter); // mingo, with the $in/$nin fix the engine uses
  const matched = [...all].sort((x, y) => (x._id < y._id ? -1 : 1)).filter((d) => query.test(d));
  let cursor = mingoFind(matched, {})
    .sort(options.sort ?? { _id: 1 })
    .skip(options.skip ?? 0);
  if (options.limit) cursor = cursor.limit(options.limit);
  return cursor.all() as Doc[];
}

describe('embedded queries agree with a brute-force mingo evaluation', () => {
  let dir: string;
  let store: EmbeddedDocumentStore;
  let run = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-property-'));
    store = await EmbeddedDocumentStore.open(dir, { fsync: false });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds and counts the same documents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(docBody, { minLength: 1, maxLength: ID_POOL.length }),
        fc.array(mutation, { maxLength: 6 }),
        fc.array(fc.tuple(filterArb, optionsArb), { minLength: 1, maxLength: 6 }),
        async (bodies, mutations, queries) => {
          const col = await store.collection({ name: `c${run++}`, indexes: INDEXES });
          const docs = bodies.map((b, i) => ({ ...b, _id: ID_POOL[(i * 5) % ID_POOL.length] }));
          await col.bulkWrite(docs.map((document): WriteOp => ({ insertOne: { document } })));
          for (const m of mutations) {
            if (m.kind === 'delete') await col.deleteOne({ _id: m.id });
            else await col.updateOne({ _id: m.id }, { $set: m.doc }, { upsert: true });
          }
          const all = await col.find({});
          for (const [filter, options] of queries) {
            const expected = bruteForce(all, filter, options).map((d) => d._id);
            expect({ filter, options, ids: (await col.find(filter, options)).map((d) => d._id) }).toEqual({
              filter,
              options,
              ids: expected,
            });
            expect(await col.countDocuments(filter)).toBe(bruteForce(all, filter, {}).length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

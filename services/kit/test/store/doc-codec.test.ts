import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BSON, ObjectId } from 'mongodb';
import { cloneDoc, fromEJSON, toEJSON } from '../../src/store/doc-codec.js';

const reference = (doc: object) => BSON.deserialize(BSON.serialize(doc, { ignoreUndefined: false }));

describe('cloneDoc', () => {
  it('copies exactly what a BSON round trip (the driver) would store', () => {
    const doc = {
      _id: 'a',
      n: 1,
      f: 1.5,
      neg: -0,
      big: 2 ** 40,
      s: 'x',
      b: false,
      nil: null,
      undef: undefined,
      fn: () => 1,
      at: new Date('2026-01-02T03:04:05.678Z'),
      oid: new ObjectId('65a1b2c3d4e5f60718293a4b'),
      arr: [1, 'two', { three: [3, undefined] }, null, new Date(0)],
      nested: { deep: { deeper: { value: 'v', list: [] } } },
    };
    const copy = cloneDoc(doc);
    expect(copy).toEqual(reference(doc));
    expect(Object.is((copy as { neg: number }).neg, -0)).toBe(true);
    expect((copy as { oid: unknown }).oid).toBeInstanceOf(ObjectId);
    expect(Object.keys(copy)).toEqual(Object.keys(reference(doc)));
  });

  it('shares nothing with the original', () => {
    const doc = { _id: 'a', list: [{ v: 1 }], at: new Date(0), inner: { x: 1 } };
    const copy = cloneDoc(doc);
    copy.list[0].v = 2;
    copy.at.setTime(5);
    copy.inner.x = 9;
    expect(doc).toEqual({ _id: 'a', list: [{ v: 1 }], at: new Date(0), inner: { x: 1 } });
  });

  it('agrees with BSON on any JSON document', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (doc) => {
        expect(cloneDoc(doc)).toEqual(reference(doc));
      }),
      { numRuns: 300 },
    );
  });
});

describe('toEJSON', () => {
  const reference = (v: unknown) => BSON.EJSON.stringify(v, { relaxed: false });
  const number = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -0, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 63, -(2 ** 63), 1e21, 0.1),
  );
  const leaf = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    number,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date(),
  );
  const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '$date', '1', '0', 'a.b', '\u0000'));
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  })).value;

  it('writes the same text as the bson library, whatever the document', () => {
    fc.assert(
      fc.property(tree, (v) => {
        expect(toEJSON(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves other values to the bson library, which reads them back', () => {
    const doc = {
      _id: 'a',
      oid: new ObjectId('65a1b2c3d4e5f60718293a4b'),
      bad: new Date(Number.NaN),
      fn: () => 1,
      nullProto: Object.assign(Object.create(null) as object, { x: 1 }),
      sparse: [1, , 3],
      deep: JSON.parse('['.repeat(80) + ']'.repeat(80)) as unknown,
    };
    expect(toEJSON(doc)).toBe(reference(doc));
    expect((fromEJSON(toEJSON({ oid: doc.oid })) as { oid: unknown }).oid).toBeInstanceOf(ObjectId);
    expect(toEJSON(Object.defineProperty({}, '__proto__', { value: 1, enumerable: true }))).toBe(
      '{"__proto__":{"$numberInt":"1"}}',
    );
  });
});

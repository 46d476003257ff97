import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BSON, ObjectId } from 'mongodb';
import { cloneDoc } from '../../src/store/doc-codec.js';

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

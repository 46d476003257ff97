/** Top-level $set/$unset (how whole resources are rewritten) take a direct path; it must agree with mingo's. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { update as mingoUpdate } from 'mingo';
import { cloneDoc } from '../../src/store/doc-codec.js';
import { applyUpdate, InvalidUpdateError } from '../../src/store/update-ops.js';
import type { Doc } from '../../src/store/store.js';

/**
 * The reference: mingo on a copy, with the update's values as the MongoDB driver would send them (undefined
 * becomes null); null when mingo reports no change.
 */
function viaMingo(doc: Doc, update: Record<string, Record<string, unknown>>, inserting: boolean): Doc | null {
  const draft = cloneDoc(doc);
  const changed = mingoUpdate(draft, cloneDoc(update) as Parameters<typeof mingoUpdate>[1], undefined, undefined, {
    cloneMode: 'copy',
  });
  return changed.length === 0 && !inserting ? null : cloneDoc(draft);
}

const FIELDS = ['a', 'b', 'c', 'name', 'meta'];
/**
 * Values naming an own `__proto__` key are left out: MongoDB stores such a field as data, and so does the direct
 * path, while mingo's copy drops it — there the reference is not MongoDB's behaviour.
 */
const hasProtoKey = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  (Object.hasOwn(v, '__proto__') || Object.values(v as Record<string, unknown>).some(hasProtoKey));
const value = fc
  .oneof(fc.jsonValue({ maxDepth: 2 }), fc.date({ noInvalidDate: true }), fc.constant(undefined))
  .filter((v) => !hasProtoKey(v));
// stored documents are copies: no undefined in them
const docArb = fc.dictionary(fc.constantFrom(...FIELDS), value).map((d) => cloneDoc({ _id: 'x', ...d }) as Doc);
const updateArb = fc
  .tuple(fc.dictionary(fc.constantFrom(...FIELDS), value), fc.subarray(FIELDS))
  .map(([$set, unset]) => {
    const $unset = Object.fromEntries(unset.filter((f) => !(f in $set)).map((f) => [f, '']));
    const u: Record<string, Record<string, unknown>> = {};
    if (Object.keys($set).length) u.$set = $set;
    if (Object.keys($unset).length) u.$unset = $unset;
    return u;
  })
  .filter((u) => Object.keys(u).length > 0);

describe('applyUpdate with top-level $set/$unset', () => {
  it('gives what mingo gives, including "nothing changed"', () => {
    fc.assert(
      fc.property(docArb, updateArb, fc.boolean(), (doc, update, inserting) => {
        const before = cloneDoc(doc);
        expect(applyUpdate(doc, update, inserting)).toEqual(viaMingo(doc, update, inserting));
        expect(doc).toEqual(before);
      }),
      { numRuns: 500 },
    );
  });

  it('treats an equal object as unchanged and a new null as a change', () => {
    const doc: Doc = { _id: 'x', name: { given: 'A', family: 'B' }, at: new Date(5) };
    expect(applyUpdate(doc, { $set: { name: { family: 'B', given: 'A' }, at: new Date(5) } }, false)).toBeNull();
    expect(applyUpdate(doc, { $set: { extra: null } }, false)).toEqual({ ...doc, extra: null });
  });

  it('refuses to unset _id', () => {
    expect(() => applyUpdate({ _id: 'x', a: 1 }, { $unset: { _id: '' } }, false)).toThrow(InvalidUpdateError);
  });
});

// numbers (NaN included: it takes mingo's path), other types that send the update to mingo, and missing fields
const numeric = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noDefaultInfinity: true }),
  fc.constant(0),
  fc.constant(-0),
  fc.constant(Number.NaN),
  fc.constant(null),
  fc.string({ maxLength: 2 }),
);
const NUMERIC_FIELDS = ['seq', 'at', 'floor', 'n'];
const numericDocArb = fc
  .dictionary(fc.constantFrom(...NUMERIC_FIELDS), numeric)
  .map((d) => cloneDoc({ _id: 'x', ...d }) as Doc);
/** `$inc`/`$max`/`$min` (and `$set`) over distinct fields, as `checkUpdate` lets through. */
const numericUpdateArb = fc
  .shuffledSubarray(NUMERIC_FIELDS, { minLength: 1 })
  .chain((fields) =>
    fc.tuple(
      fc.constant(fields),
      fc.array(fc.constantFrom('$inc', '$max', '$min', '$set'), { minLength: fields.length, maxLength: fields.length }),
      fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noDefaultInfinity: true, noNaN: true })), {
        minLength: fields.length,
        maxLength: fields.length,
      }),
    ),
  )
  .map(([fields, ops, values]) => {
    const u: Record<string, Record<string, unknown>> = {};
    fields.forEach((f, i) => ((u[ops[i]] ??= {})[f] = values[i]));
    return u;
  });

describe('applyUpdate with top-level $inc/$max/$min', () => {
  it('gives what mingo gives, including "nothing changed"', () => {
    fc.assert(
      fc.property(numericDocArb, numericUpdateArb, fc.boolean(), (doc, update, inserting) => {
        const before = cloneDoc(doc);
        if (update.$inc && Object.keys(update.$inc).some((f) => typeof doc[f] === 'string' || doc[f] === null)) return;
        expect(applyUpdate(doc, update, inserting)).toEqual(viaMingo(doc, update, inserting));
        expect(doc).toEqual(before);
      }),
      { numRuns: 1000 },
    );
  });

  it('counts like the events counter: an upsert, then increments and a time that never goes back', () => {
    const first = applyUpdate({ _id: 't', tenantId: 't' }, { $inc: { seq: 2 }, $max: { at: 50 } }, true);
    expect(first).toEqual({ _id: 't', tenantId: 't', seq: 2, at: 50 });
    expect(applyUpdate(first!, { $inc: { seq: 1 }, $max: { at: 40 } }, false)).toEqual({ ...first, seq: 3 });
    expect(applyUpdate(first!, { $max: { at: 50 }, $min: { seq: 5 } }, false)).toBeNull();
  });
});

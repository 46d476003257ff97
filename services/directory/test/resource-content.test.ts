/** Two versions of a resource are the same when their stored fields are equal as stored values. */
import { describe, expect, it } from '@jest/globals';
import { sameContent, type StoredResource } from '../src/domain/resource-model.js';

const doc = (fields: Record<string, unknown>, version = 1): StoredResource => ({
  _id: 'u1',
  tenantId: 't1',
  provisioned: true,
  meta: { created: new Date(0), lastModified: new Date(version), version },
  ...fields,
});

describe('sameContent', () => {
  it('ignores meta, key order, and undefined against null (as stored)', () => {
    const a = doc({ name: { given: 'A', family: 'B' }, emails: [{ value: 'a@x' }], title: null }, 1);
    const b = doc({ emails: [{ value: 'a@x' }], title: undefined, name: { family: 'B', given: 'A' } }, 2);
    expect(sameContent(a, b)).toBe(true);
    expect(sameContent(doc({ at: new Date(5) }), doc({ at: new Date(5) }))).toBe(true);
  });

  it('sees any change of value, type, array order or fields present', () => {
    const a = doc({ active: true, emails: ['a', 'b'], n: 1, at: new Date(5) });
    expect(sameContent(a, doc({ active: false, emails: ['a', 'b'], n: 1, at: new Date(5) }))).toBe(false);
    expect(sameContent(a, doc({ active: true, emails: ['b', 'a'], n: 1, at: new Date(5) }))).toBe(false);
    expect(sameContent(a, doc({ active: true, emails: ['a', 'b'], n: '1', at: new Date(5) }))).toBe(false);
    expect(sameContent(a, doc({ active: true, emails: ['a', 'b'], n: 1, at: new Date(6) }))).toBe(false);
    expect(sameContent(a, doc({ active: true, emails: ['a', 'b'], n: 1 }))).toBe(false);
    expect(sameContent(a, doc({ active: true, emails: ['a', 'b'], n: 1, at: new Date(5), extra: null }))).toBe(false);
    expect(sameContent(doc({ o: { a: 1 } }), doc({ o: { a: 1, b: 2 } }))).toBe(false);
    expect(sameContent(doc({ o: {} }), doc({ o: [] }))).toBe(false);
  });

  it('leaves out the fields named', () => {
    expect(sameContent(doc({ active: true, x: 1 }), doc({ active: false, x: 1 }), ['active'])).toBe(true);
    expect(sameContent(doc({ active: true, x: 1 }), doc({ x: 1 }), ['active'])).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedCollection } from '../../src/store/embedded-collection.js';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import type { CollectionSpec, Doc, WriteOp } from '../../src/store/store.js';

const SPEC: CollectionSpec = {
  name: 'users',
  indexes: [
    { name: 'tenant_userName', keys: { tenantId: 1, userNameLower: 1 }, unique: true },
    { name: 'tenant_email', keys: { tenantId: 1, 'emails.valueLower': 1 }, unique: true },
    { name: 'tenant_groups', keys: { tenantId: 1, groups: 1 } },
    { name: 'tenant_id', keys: { tenantId: 1, _id: -1 } },
  ],
};
const N = 20_000;
const TENANTS = 10;
// ids are not in insertion order (a permutation of 0..N-1)
const idOf = (i: number) => ((i * 7919) % N).toString(36).padStart(4, '0');
const docOf = (i: number): Doc => ({
  _id: idOf(i),
  tenantId: `t${i % TENANTS}`,
  userNameLower: `user${i}`,
  emails: [{ valueLower: `user${i}@x.io` }, { valueLower: `u${i}@alt.io` }],
  groups: [`g${i % 7}`, `h${i % 13}`],
  active: i % 3 !== 0,
  n: i,
});

describe('embedded store: queries use indexes', () => {
  let dir: string;
  let store: EmbeddedDocumentStore;
  let users: EmbeddedCollection;
  const tenant3 = Array.from({ length: N }, (_, i) => i)
    .filter((i) => i % TENANTS === 3)
    .map(idOf)
    .sort();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-indexes-'));
    store = await EmbeddedDocumentStore.open(dir, { fsync: false });
    users = await store.embeddedCollection(SPEC);
    for (let start = 0; start < N; start += 1000) {
      await users.bulkWrite(
        Array.from({ length: 1000 }, (_, k): WriteOp => ({ insertOne: { document: docOf(start + k) } })),
      );
    }
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an equality lookup from the unique index, reading one document', async () => {
    const filter = { tenantId: 't3', userNameLower: 'user13' };
    expect(users.explain(filter)).toEqual({
      plan: 'index',
      index: 'tenant_userName',
      exact: true,
      examined: 1,
      returned: 1,
    });
    expect((await users.findOne(filter))?._id).toBe(idOf(13));
    expect(users.explain({ ...filter, active: true }, { limit: 1 })).toMatchObject({
      index: 'tenant_userName',
      exact: false,
      examined: 1,
    });
    expect(users.explain({ tenantId: 't3', userNameLower: 'nobody' })).toMatchObject({ examined: 0, returned: 0 });
    expect(users.explain({ $and: [{ tenantId: 't3' }, { userNameLower: { $eq: 'user13' } }] })).toMatchObject({
      index: 'tenant_userName',
      examined: 1,
    });
  });

  it('looks up multikey paths and $in lists', async () => {
    expect(users.explain({ tenantId: 't3', 'emails.valueLower': 'u23@alt.io' })).toMatchObject({
      index: 'tenant_email',
      examined: 1,
      returned: 1,
    });
    expect(
      users.explain({ tenantId: 't3', userNameLower: { $in: ['user3', 'user13', 'user14', 'user23'] } }),
    ).toMatchObject({ examined: 3, returned: 3 });
    expect(users.explain({ _id: { $in: [idOf(1), idOf(2), 'none'] } })).toMatchObject({
      plan: 'ids',
      examined: 2,
      returned: 2,
    });
  });

  it('takes a tenant-scoped $in of ids from the ids, not from a scan (no n² re-test)', async () => {
    const ids = tenant3.slice(0, 2000);
    expect(users.explain({ _id: { $in: ids }, tenantId: 't3' })).toMatchObject({
      plan: 'ids',
      examined: 2000,
      returned: 2000,
    });
    expect(users.explain({ _id: { $in: ids }, tenantId: 't4' })).toMatchObject({ plan: 'ids', returned: 0 });
    expect(users.explain({ _id: { $in: tenant3 }, tenantId: 't3' })).toMatchObject({
      plan: 'ids',
      returned: tenant3.length,
    });
    // one tenant, every id asked for at once: ids, index and scan cost the same; the ids plan must win
    const solo = await store.embeddedCollection({
      name: 'solo',
      indexes: [{ name: 'tenant_id', keys: { tenantId: 1, _id: 1 } }],
    });
    const soloIds = Array.from({ length: 300 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    await solo.bulkWrite(soloIds.map((id): WriteOp => ({ insertOne: { document: { _id: id, tenantId: 'only' } } })));
    expect(solo.explain({ _id: { $in: soloIds }, tenantId: 'only' })).toMatchObject({ plan: 'ids', returned: 300 });
  });

  it('pages through a bucket in _id order reading only the page', async () => {
    const pages: string[] = [];
    for (let skip = 0; skip < tenant3.length; skip += 100) {
      const options = { sort: { _id: 1 as const }, skip, limit: 100 };
      expect(users.explain({ tenantId: 't3' }, options)).toMatchObject({ plan: 'index', exact: true, examined: 100 });
      pages.push(...(await users.find({ tenantId: 't3' }, options)).map((d) => d._id));
    }
    expect(pages).toEqual(tenant3);
    expect(users.explainCount({ tenantId: 't3' }).examined).toBe(0);
    expect(await users.countDocuments({ tenantId: 't3' })).toBe(tenant3.length);

    const newest = await users.find({ tenantId: 't3' }, { sort: { _id: -1 }, skip: 150, limit: 50 });
    expect(newest.map((d) => d._id)).toEqual([...tenant3].reverse().slice(150, 200));
    expect(users.explain({ tenantId: 't3' }, { sort: { _id: -1 }, skip: 150, limit: 50 }).examined).toBe(50);
    expect(users.explain({}, { sort: { _id: 1 }, skip: 15_000, limit: 50 })).toMatchObject({
      plan: 'scan',
      exact: true,
      examined: 50,
    });
  });

  it('walks keyset pages (_id ranges) inside a bucket', async () => {
    const after = tenant3[999];
    const filter = { tenantId: 't3', _id: { $gt: after } };
    expect(users.explain(filter, { sort: { _id: 1 }, limit: 100 })).toMatchObject({ exact: true, examined: 100 });
    expect((await users.find(filter, { sort: { _id: 1 }, limit: 100 })).map((d) => d._id)).toEqual(
      tenant3.slice(1000, 1100),
    );
    expect(await users.countDocuments({ tenantId: 't3', _id: { $gte: tenant3[10], $lt: tenant3[20] } })).toBe(10);
    expect(
      (await users.find({ tenantId: 't3', _id: { $lt: tenant3[5] } }, { sort: { _id: -1 } })).map((d) => d._id),
    ).toEqual(tenant3.slice(0, 5).reverse());
  });

  it('evaluates a residual predicate only on the bucket, and stops at the limit', async () => {
    const filter = { tenantId: 't3', groups: 'g2', active: true };
    const expected = Array.from({ length: N }, (_, i) => docOf(i))
      .filter((d) => d.tenantId === 't3' && (d.groups as string[]).includes('g2') && d.active)
      .map((d) => d._id)
      .sort();
    const bucket = Array.from({ length: N }, (_, i) => docOf(i)).filter(
      (d) => d.tenantId === 't3' && (d.groups as string[]).includes('g2'),
    ).length;
    expect(users.explain(filter)).toMatchObject({
      index: 'tenant_groups',
      exact: false,
      examined: bucket,
      returned: expected.length,
    });
    expect((await users.find(filter, { sort: { _id: 1 } })).map((d) => d._id)).toEqual(expected);
    expect(users.explain(filter, { limit: 5 }).examined).toBeLessThan(20);
  });

  it('sorts other fields over the candidates only', async () => {
    const top = await users.find({ tenantId: 't3' }, { sort: { n: -1 }, limit: 3 });
    expect(top.map((d) => d.n)).toEqual([19993, 19983, 19973]);
    expect(users.explain({ tenantId: 't3' }, { sort: { n: -1 }, limit: 3 }).examined).toBe(tenant3.length);
  });

  it('scans when no index applies', () => {
    expect(users.explain({ n: { $lt: 10 } })).toMatchObject({ plan: 'scan', examined: N, returned: 10 });
  });

  it('keeps indexes in step with updates and deletes', async () => {
    await users.updateOne(
      { tenantId: 't4', userNameLower: 'user4' },
      { $set: { userNameLower: 'renamed' }, $push: { groups: 'new' } },
    );
    expect(await users.findOne({ tenantId: 't4', userNameLower: 'user4' })).toBeNull();
    expect((await users.findOne({ tenantId: 't4', userNameLower: 'renamed' }))?._id).toBe(idOf(4));
    expect((await users.find({ tenantId: 't4', groups: 'new' })).map((d) => d._id)).toEqual([idOf(4)]);
    await users.insertOne({ ...docOf(4), _id: 'fresh', emails: [] }); // the old user name is free again
    expect(await users.deleteMany({ tenantId: 't4', userNameLower: { $in: ['renamed', 'user4'] } })).toBe(2);
    expect(users.explain({ tenantId: 't4', groups: 'new' })).toMatchObject({ examined: 0, returned: 0 });
  });
});

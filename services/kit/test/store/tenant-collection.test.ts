import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { openDocumentStore } from '../../src/store/open-store.js';
import { tenantId, type DocumentStore, type TenantId } from '../../src/store/store.js';
import { TenantCollection } from '../../src/store/tenant-collection.js';

type Group = { _id: string; tenantId: string; name: string; members?: string[] };
const t1 = tenantId('t1');
const t2 = tenantId('t2');

describe('TenantCollection', () => {
  let dir: string;
  let store: DocumentStore;
  let groups: TenantCollection<Group>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-tenant-'));
    store = await openDocumentStore({ dataDir: dir });
    groups = new TenantCollection(
      await store.collection<Group>({
        name: 'groups',
        indexes: [{ name: 'tenant_name', keys: { tenantId: 1, name: 1 }, unique: true }],
      }),
    );
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the embedded store when no MongoDB URI is configured', () => {
    expect(store).toBeInstanceOf(EmbeddedDocumentStore);
  });

  it('stamps inserts and scopes every read and write to the tenant', async () => {
    await groups.insertOne(t1, { _id: 'g1', name: 'admins' });
    await groups.insertOne(t2, { _id: 'g2', name: 'admins' });
    expect(await groups.find(t1, {})).toEqual([{ _id: 'g1', name: 'admins', tenantId: 't1' }]);
    expect(await groups.findOne(t2, { _id: 'g1' })).toBeNull();
    expect(await groups.countDocuments(t2, {})).toBe(1);
    expect(await groups.updateOne(t2, { _id: 'g1' }, { $set: { name: 'x' } })).toEqual({ matched: 0, modified: 0 });
    expect(await groups.updateMany(t1, {}, { $push: { members: 'u1' } })).toEqual({ matched: 1, modified: 1 });
    expect(
      await groups.findOneAndUpdate(t1, { _id: 'g1' }, { $set: { name: 'ops' } }, { returnDocument: 'after' }),
    ).toMatchObject({ name: 'ops', tenantId: 't1' });
    expect(await groups.deleteMany(t2, { _id: 'g1' })).toBe(0);
    expect(await groups.deleteOne(t1, { _id: 'g1' })).toBe(1);
    expect(await groups.find(t2, {})).toHaveLength(1);
  });

  it('upserts into the tenant and scopes bulk writes', async () => {
    await groups.updateOne(t1, { _id: 'g3', name: 'new' }, { $set: { members: [] } }, { upsert: true });
    expect(await groups.findOne(t1, { _id: 'g3' })).toEqual({ _id: 'g3', tenantId: 't1', name: 'new', members: [] });
    await groups.bulkWrite(t2, [
      { insertOne: { document: { _id: 'g4', name: 'b' } } },
      { updateOne: { filter: { _id: 'g3' }, update: { $set: { name: 'stolen' } } } },
      { deleteMany: { filter: {} } },
    ]);
    expect(await groups.findOne(t1, { _id: 'g3' })).toMatchObject({ name: 'new' });
    expect(await groups.countDocuments(t2, {})).toBe(0);
  });

  it('refuses filters, documents and updates that name another tenant', async () => {
    await expect(groups.find(t1, { tenantId: 't2' })).rejects.toThrow(TypeError);
    await expect(groups.insertOne(t1, { _id: 'g5', name: 'x', tenantId: 't2' } as Group)).rejects.toThrow(TypeError);
    await expect(groups.updateOne(t1, { _id: 'g1' }, { $set: { tenantId: 't2' } })).rejects.toThrow(TypeError);
    await expect(
      groups.bulkWrite(t1, [{ updateOne: { filter: {}, update: { $unset: { tenantId: '' } } } }]),
    ).rejects.toThrow(TypeError);
  });

  it('cannot be queried without the tenant: refused by the type checker and at run time', async () => {
    // `npm test` runs `npm run typecheck`: these lines fail it if the types ever accept a query without a tenant
    // @ts-expect-error the tenant comes first
    await expect(groups.find({ name: 'admins' })).rejects.toThrow(TypeError);
    // @ts-expect-error a plain string is not a TenantId
    await expect(groups.countDocuments('t1', {})).resolves.toBe(0);
    await expect(groups.deleteMany('' as TenantId, {})).rejects.toThrow('needs the tenant id');
    await expect(groups.insertOne(undefined as unknown as TenantId, { _id: 'x', name: 'x' })).rejects.toThrow(
      'needs the tenant id',
    );
  });
});

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { DuplicateKeyError, type Collection, type CollectionSpec, type Doc } from '../../src/store/store.js';

const ACCOUNTS: CollectionSpec = {
  name: 'accounts',
  indexes: [{ name: 'tenant_name', keys: { tenantId: 1, name: 1 }, unique: true }],
};

describe('embedded units', () => {
  let dir: string;
  let store: EmbeddedDocumentStore;
  let accounts: Collection<Doc>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-units-'));
    store = await EmbeddedDocumentStore.open(dir);
    accounts = await store.collection(ACCOUNTS);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the work again when a concurrent write changed what it read, so no update is lost', async () => {
    await accounts.insertOne({ _id: 'a', tenantId: 't', name: 'a', balance: 10 });
    let runs = 0;
    await store.unit(async (u) => {
      runs++;
      const a = await u.use(accounts).findOne({ _id: 'a' });
      if (runs === 1) await accounts.updateOne({ _id: 'a' }, { $inc: { balance: 5 } }); // lands in between
      await u.use(accounts).updateOne({ _id: 'a' }, { $set: { balance: (a!.balance as number) * 2 } });
    });
    expect(runs).toBe(2);
    expect((await accounts.findOne({ _id: 'a' }))?.balance).toBe(30);
  });

  it('checks unique keys again at commit against writes that landed meanwhile', async () => {
    await expect(
      store.unit(async (u) => {
        await u.use(accounts).insertOne({ _id: 'x', tenantId: 't', name: 'same' });
        await accounts.insertOne({ _id: 'y', tenantId: 't', name: 'same' }); // another writer takes the name first
      }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await accounts.find({})).map((d) => d._id)).toEqual(['y']);
  });

  it('refuses collections of another store and views used after the unit ended', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'store-units-other-'));
    const other = await EmbeddedDocumentStore.open(otherDir);
    try {
      const foreign = await other.collection(ACCOUNTS);
      await expect(store.unit(async (u) => void u.use(foreign))).rejects.toThrow(/own store/);
      let leaked: Collection<Doc> | undefined;
      await store.unit(async (u) => void (leaked = u.use(accounts)));
      await expect(leaked!.insertOne({ _id: 'late', tenantId: 't', name: 'late' })).rejects.toThrow(/ended/);
      expect(await accounts.countDocuments({})).toBe(0);
    } finally {
      await other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

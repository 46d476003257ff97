import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { MongoDocumentStore } from '../../src/store/mongo-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  const store = await EmbeddedDocumentStore.open(dir);
  return {
    store,
    atomicBulkWrite: true,
    async destroy() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const mongodbUri = process.env.MONGODB_URI;
if (mongodbUri) {
  runStoreContract('mongodb', async () => {
    const dbName = `store_contract_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const store = await MongoDocumentStore.connect(mongodbUri, dbName);
    return {
      store,
      atomicBulkWrite: store.supportsTransactions,
      async destroy() {
        await store.close();
        const client = await MongoClient.connect(mongodbUri);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
}

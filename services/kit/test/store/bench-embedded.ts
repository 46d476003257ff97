/**
 * Timing of the embedded store on a 100k-document collection (not a test; no assertions):
 *   node --expose-gc --import ./services/kit/test/store/support/register-ts.mjs services/kit/test/store/bench-embedded.ts
 * Prints: load of 100k documents, 10,000 indexed equality lookups, 10,000 inserts with two unique indexes
 * (fsync on, the default, and off), a paged walk of one tenant, and the reopen time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../src/ids.js';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import type { CollectionSpec, Doc, WriteOp } from '../../src/store/store.js';

const SPEC: CollectionSpec = {
  name: 'users',
  indexes: [
    { name: 'tenant_userName', keys: { tenantId: 1, userNameLower: 1 }, unique: true },
    { name: 'tenant_externalId', keys: { tenantId: 1, externalId: 1 }, unique: true },
    { name: 'tenant_id', keys: { tenantId: 1, _id: 1 } },
  ],
};
const N = 100_000;
const TENANTS = 20;
const user = (i: number, tag = ''): Doc => ({
  _id: newId(Date.now() - 1e7 + i) + tag,
  tenantId: `t${i % TENANTS}`,
  userName: `User${tag}${i}@Example.com`,
  userNameLower: `user${tag}${i}@example.com`,
  externalId: `ext-${tag}${i}`,
  active: true,
  name: { givenName: 'Given', familyName: `Family${i}` },
  emails: [{ value: `user${tag}${i}@example.com`, type: 'work', primary: true }],
  meta: { created: new Date(), version: 1 },
});
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

async function run(fsync: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  try {
    let store = await EmbeddedDocumentStore.open(dir, { fsync });
    let users = await store.embeddedCollection(SPEC);
    let t = process.hrtime.bigint();
    for (let s = 0; s < N; s += 1000)
      await users.bulkWrite(
        Array.from({ length: 1000 }, (_, k): WriteOp => ({ insertOne: { document: user(s + k) } })),
      );
    console.log(`fsync=${fsync}  load ${N} docs (bulkWrite x1000): ${ms(t).toFixed(0)} ms`);

    t = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < 10_000; i++) {
      const j = (i * 7919) % N;
      if (await users.findOne({ tenantId: `t${j % TENANTS}`, userNameLower: `user${j}@example.com` })) found++;
    }
    const lookups = ms(t);
    console.log(
      `fsync=${fsync}  10,000 indexed equality lookups: ${lookups.toFixed(0)} ms (${((lookups * 1000) / 10_000).toFixed(1)} µs each, ${found} found)`,
    );

    t = process.hrtime.bigint();
    for (let i = 0; i < 10_000; i++) await users.insertOne(user(N + i, 'n'));
    const inserts = ms(t);
    console.log(
      `fsync=${fsync}  10,000 inserts (2 unique + 1 other index), one at a time: ${inserts.toFixed(0)} ms (${((inserts * 1000) / 10_000).toFixed(1)} µs each)`,
    );

    t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => users.insertOne(user(2 * N + i, 'c'))));
    console.log(`fsync=${fsync}  10,000 concurrent inserts (group commit): ${ms(t).toFixed(0)} ms`);

    t = process.hrtime.bigint();
    let seen = 0;
    for (let skip = 0; ; skip += 100) {
      const page = await users.find({ tenantId: 't7' }, { sort: { _id: 1 }, skip, limit: 100 });
      seen += page.length;
      if (page.length < 100) break;
    }
    console.log(
      `fsync=${fsync}  paged walk of one tenant (${seen} docs, 100 per page, skip/limit): ${ms(t).toFixed(0)} ms`,
    );

    await store.close();
    t = process.hrtime.bigint();
    store = await EmbeddedDocumentStore.open(dir, { fsync });
    users = await store.embeddedCollection(SPEC);
    const reopen = ms(t);
    (globalThis as { gc?: () => void }).gc?.(); // run with --expose-gc for a meaningful heap figure
    console.log(
      `fsync=${fsync}  reopen ${await users.countDocuments({})} docs (snapshot + journal replay + 3 indexes): ${reopen.toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await run(true);
await run(false);

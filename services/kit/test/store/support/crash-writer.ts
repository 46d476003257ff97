/**
 * Child process for the crash test: writes forever (each insert and the counter's $inc in one bulkWrite)
 * and prints `ack <i>` once a write has resolved. The test SIGKILLs it at a random moment. Run it only as a
 * child process (`node --import ./register-ts.mjs crash-writer.ts <dataDir> <compactBytes>`).
 */
import { EmbeddedDocumentStore } from '../../../src/store/embedded-store.js';
import { CRASH_SPEC } from './crash-spec.js';

const [dir, compactBytes] = process.argv.slice(2);
if (!dir || !(Number(compactBytes) > 0)) throw new Error('usage: crash-writer.ts <dataDir> <compactBytes>');
{
  const store = await EmbeddedDocumentStore.open(dir, { compactBytes: Number(compactBytes) });
  const items = await store.collection(CRASH_SPEC);
  let i = await items.countDocuments({ tenantId: 't' });
  for (;;) {
    await items.bulkWrite([
      { insertOne: { document: { _id: String(i).padStart(8, '0'), tenantId: 't', userNameLower: `u${i}`, at: new Date(), pad: 'x'.repeat(100 + (i % 97)) } } },
      { updateOne: { filter: { _id: 'counter' }, update: { $inc: { n: 1 }, $setOnInsert: { tenantId: 's', userNameLower: 'counter' } }, upsert: true } },
    ]);
    if (i % 5 === 0) await items.updateMany({ tenantId: 't', userNameLower: { $in: [`u${i}`, `u${i - 1}`] } }, { $inc: { touched: 1 } });
    process.stdout.write(`ack ${i}\n`);
    i++;
  }
}

/**
 * Child process for the crash test: writes forever and prints `ack <i>` once a write has resolved. Even items
 * go in one bulkWrite with the counter's $inc; odd items in a unit over three collections that also reads and
 * increments a per-tenant sequence and inserts an event numbered by it (an outbox). The test SIGKILLs it at a
 * random moment. Run it only as a child process (`node --import ./register-ts.mjs crash-writer.ts <dataDir>
 * <compactBytes>`).
 */
import { EmbeddedDocumentStore } from '../../../src/store/embedded-store.js';
import { COUNTERS_SPEC, CRASH_SPEC, EVENTS_SPEC } from './crash-spec.js';

const [dir, compactBytes] = process.argv.slice(2);
if (!dir || !(Number(compactBytes) > 0)) throw new Error('usage: crash-writer.ts <dataDir> <compactBytes>');
{
  const store = await EmbeddedDocumentStore.open(dir, { compactBytes: Number(compactBytes) });
  const items = await store.collection(CRASH_SPEC);
  const counters = await store.collection(COUNTERS_SPEC);
  const events = await store.collection(EVENTS_SPEC);
  let i = await items.countDocuments({ tenantId: 't' });
  for (;;) {
    const item = {
      _id: String(i).padStart(8, '0'),
      tenantId: 't',
      userNameLower: `u${i}`,
      at: new Date(),
      pad: 'x'.repeat(100 + (i % 97)),
    };
    const counterOp = {
      updateOne: {
        filter: { _id: 'counter' },
        update: { $inc: { n: 1 }, $setOnInsert: { tenantId: 's', userNameLower: 'counter' } },
        upsert: true,
      },
    };
    if (i % 2 === 0) await items.bulkWrite([{ insertOne: { document: item } }, counterOp]);
    else {
      await store.unit(async (u) => {
        const seq = await u
          .use(counters)
          .findOneAndUpdate({ _id: 't' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
        await u.use(items).bulkWrite([{ insertOne: { document: item } }, counterOp]);
        await u
          .use(events)
          .insertOne({ _id: `e${seq!.seq as number}`, tenantId: 't', seq: seq!.seq, itemId: item._id });
      });
    }
    if (i % 5 === 0)
      await items.updateMany(
        { tenantId: 't', userNameLower: { $in: [`u${i}`, `u${i - 1}`] } },
        { $inc: { touched: 1 } },
      );
    process.stdout.write(`ack ${i}\n`);
    i++;
  }
}

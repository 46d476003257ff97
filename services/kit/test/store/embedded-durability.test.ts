import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { frame, StoreCorruptError } from '../../src/store/journal.js';
import { DuplicateKeyError, type CollectionSpec } from '../../src/store/store.js';
import { COUNTERS_SPEC, CRASH_SPEC, EVENTS_SPEC } from './support/crash-spec.js';

const SPEC: CollectionSpec = {
  name: 'users',
  indexes: [{ name: 'tenant_name', keys: { tenantId: 1, name: 1 }, unique: true }],
};
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const journals = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('journal-'))
    .sort();

describe('embedded store durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-durability-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const sample = () => ({
    _id: 'a1',
    tenantId: 't1',
    name: 'Zoë 🚀',
    when: new Date('2024-02-29T12:34:56.789Z'),
    nested: { list: [1, -2.5, 2 ** 40, { deep: null }], flag: false },
    emails: [{ value: 'a@b.c', primary: true }],
  });

  it('keeps data, Dates and unique indexes across a restart', async () => {
    let store = await EmbeddedDocumentStore.open(dir);
    let users = await store.collection(SPEC);
    await users.insertOne(sample());
    await users.insertOne({ _id: 'a2', tenantId: 't1', name: 'two' });
    await users.insertOne({ _id: 'a3', tenantId: 't1', name: 'three' });
    await users.updateOne({ _id: 'a2' }, { $set: { name: 'deux' }, $push: { tags: 'x' } });
    await users.deleteOne({ _id: 'a3' });
    await store.close();

    store = await EmbeddedDocumentStore.open(dir);
    users = await store.collection(SPEC);
    expect(await users.find({}, { sort: { _id: 1 } })).toEqual([
      sample(),
      { _id: 'a2', tenantId: 't1', name: 'deux', tags: ['x'] },
    ]);
    expect((await users.findOne({ _id: 'a1' }))?.when).toBeInstanceOf(Date);
    await expect(users.insertOne({ _id: 'a4', tenantId: 't1', name: 'deux' })).rejects.toBeInstanceOf(
      DuplicateKeyError,
    );
    await store.close();
  });

  it('compacts into a snapshot while writes go on, and reloads the same state', async () => {
    let store = await EmbeddedDocumentStore.open(dir, { compactBytes: 4096 });
    let users = await store.collection(SPEC);
    const folder = dir;
    copyFileSync(join(folder, journals(folder)[0]), join(dir, 'first-journal.copy'));
    for (let i = 0; i < 600; i++) {
      await users.insertOne({ _id: `d${String(i).padStart(4, '0')}`, tenantId: 't1', name: `n${i}`, i });
      if (i % 3 === 0) await users.updateOne({ name: `n${i}` }, { $inc: { i: 1000 } });
      if (i % 7 === 0) await users.deleteOne({ name: `n${i - 1}` });
    }
    const before = await users.find({}, { sort: { _id: 1 } });
    await store.close();
    expect(existsSync(join(folder, 'snapshot.ejson'))).toBe(true);
    expect(journals(folder).length).toBeLessThanOrEqual(2);

    // a crash between the snapshot's rename and the journals' deletion leaves an old journal behind
    copyFileSync(join(dir, 'first-journal.copy'), join(folder, 'journal-0000000000000001.log'));
    store = await EmbeddedDocumentStore.open(dir, { compactBytes: 4096 });
    users = await store.collection(SPEC);
    expect(await users.find({}, { sort: { _id: 1 } })).toEqual(before);
    expect(journals(folder)).not.toContain('journal-0000000000000001.log');
    await store.close();
  });

  it('discards a torn or garbage tail of the journal and keeps working', async () => {
    let store = await EmbeddedDocumentStore.open(dir);
    let users = await store.collection(SPEC);
    for (let i = 0; i < 10; i++) await users.insertOne({ _id: `x${i}`, tenantId: 't1', name: `n${i}` });
    await store.close();
    const folder = dir;
    const journal = join(folder, journals(folder).at(-1)!);
    const lastLine = readFileSync(journal, 'utf8').trimEnd().split('\n').at(-1)!;
    appendFileSync(journal, lastLine.slice(0, lastLine.length >> 1)); // half a record, as a crash mid-write leaves it

    store = await EmbeddedDocumentStore.open(dir);
    users = await store.collection(SPEC);
    expect(await users.countDocuments({})).toBe(10);
    await users.insertOne({ _id: 'x10', tenantId: 't1', name: 'n10' });
    await store.close();

    appendFileSync(journal, Buffer.from('\u0000\u0000garbage\nmore garbage\n00000000\t{}\n\u0000'));
    store = await EmbeddedDocumentStore.open(dir);
    users = await store.collection(SPEC);
    expect(await users.countDocuments({})).toBe(11);
    await users.insertOne({ _id: 'x11', tenantId: 't1', name: 'n11' });
    await store.close();

    store = await EmbeddedDocumentStore.open(dir);
    expect(await (await store.collection(SPEC)).countDocuments({})).toBe(12);
    await store.close();
  });

  it('refuses to open a journal damaged in the middle instead of losing what follows', async () => {
    const store = await EmbeddedDocumentStore.open(dir);
    const users = await store.collection(SPEC);
    for (let i = 0; i < 3; i++) await users.insertOne({ _id: `x${i}`, tenantId: 't1', name: `n${i}` });
    await store.close();
    const folder = dir;
    const journal = join(folder, journals(folder)[0]);
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"n0"', '"N0"'));
    await expect(EmbeddedDocumentStore.open(dir)).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('refuses a second opener of the same directory and unknown collection names', async () => {
    const store = await EmbeddedDocumentStore.open(dir);
    await expect(EmbeddedDocumentStore.open(dir)).rejects.toThrow(/already open/);
    await expect(store.collection({ name: '../escape', indexes: [] })).rejects.toThrow(/invalid collection name/);
    await store.close();
    await (await EmbeddedDocumentStore.open(dir)).close();
  });

  it('makes updateMany all or none on a unique violation', async () => {
    const store = await EmbeddedDocumentStore.open(dir);
    const users = await store.collection(SPEC);
    for (let i = 0; i < 3; i++) await users.insertOne({ _id: `x${i}`, tenantId: 't1', name: `n${i}` });
    await expect(users.updateMany({}, { $set: { name: 'same' } })).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await users.find({}, { sort: { _id: 1 } })).map((u) => u.name)).toEqual(['n0', 'n1', 'n2']);
    await store.close();
  });

  it('survives being killed (SIGKILL) in the middle of writes and compactions', async () => {
    for (let round = 0; round < 6; round++) {
      const killAfter = 30 + Math.floor(Math.random() * 300);
      const child = spawn(
        process.execPath,
        [
          '--import',
          here('./support/register-ts.mjs'),
          here('./support/crash-writer.ts'),
          dir,
          String(4096 * (1 + round)),
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let lastAck = -1;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        for (const m of d.toString().matchAll(/ack (\d+)/g)) lastAck = Number(m[1]);
        if (lastAck >= killAfter && !child.killed) setTimeout(() => child.kill('SIGKILL'), Math.random() * 5);
      });
      const [code, signal] = await new Promise<[number | null, string | null]>((res) =>
        child.on('exit', (c, s) => res([c, s])),
      );
      expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });

      const store = await EmbeddedDocumentStore.open(dir);
      const items = await store.collection(CRASH_SPEC);
      const counters = await store.collection(COUNTERS_SPEC);
      const events = await store.collection(EVENTS_SPEC);
      const n = ((await items.findOne({ _id: 'counter' }))?.n as number) ?? 0;
      const all = await items.find({ tenantId: 't' }, { sort: { _id: 1 }, projection: { _id: 1 } });
      // every acknowledged write is there, the insert and its counter moved together, no gaps
      expect(all.length).toBe(n);
      expect(n).toBeGreaterThanOrEqual(lastAck + 1);
      expect(n).toBeLessThanOrEqual(lastAck + 2);
      expect(all.map((d) => d._id)).toEqual(Array.from({ length: n }, (_, i) => String(i).padStart(8, '0')));
      // the unit over three collections: the counter, its events and their items moved together
      const seq = ((await counters.findOne({ _id: 't' }))?.seq as number) ?? 0;
      const evs = await events.find({ tenantId: 't' }, { sort: { seq: 1 } });
      expect(evs.map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
      expect(evs.length).toBe(Math.floor(n / 2));
      expect(evs.every((e) => all.some((d) => d._id === e.itemId))).toBe(true);
      await expect(items.insertOne({ _id: 'dup', tenantId: 't', userNameLower: 'u0' })).rejects.toBeInstanceOf(
        DuplicateKeyError,
      );
      await store.close();
    }
    expect(existsSync(join(dir, 'snapshot.ejson'))).toBe(true); // compactions ran (and some were interrupted)
  }, 60_000);

  it('keeps one journal for the whole directory: a unit over two collections is one record', async () => {
    const store = await EmbeddedDocumentStore.open(dir);
    const users = await store.collection(SPEC);
    const log = await store.collection({ name: 'log', indexes: [] });
    await store.unit(async (u) => {
      await u.use(users).insertOne({ _id: 'a1', tenantId: 't1', name: 'one' });
      await u.use(log).insertOne({ _id: 'l1', tenantId: 't1', what: 'created a1' });
    });
    await store.close();
    expect(readdirSync(dir).filter((f) => f !== 'LOCK')).toEqual(['journal-0000000000000001.log']);
    const lines = readFileSync(join(dir, 'journal-0000000000000001.log'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0].slice(9)).w.map((c: { n: string }) => c.n)).toEqual(['users', 'log']);
  });

  it('creates its data files readable by their owner only (0600)', async () => {
    const store = await EmbeddedDocumentStore.open(dir, { compactBytes: 1024 });
    const users = await store.collection(SPEC);
    for (let i = 0; i < 50; i++)
      await users.insertOne({ _id: `m${i}`, tenantId: 't1', name: `n${i}`, pad: 'x'.repeat(100) });
    await store.compact();
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['LOCK', 'snapshot.ejson']));
    expect(files.some((f) => f.startsWith('journal-'))).toBe(true);
    for (const f of files)
      expect({ f, mode: (statSync(join(dir, f)).mode & 0o777).toString(8) }).toEqual({ f, mode: '600' });
    await store.close();
  });

  it('migrates a data directory of the per-collection layout and keeps its data', async () => {
    // the layout before one journal per directory: <collection>/snapshot.ejson (format 1) + journal-*.log
    const legacy = (
      name: string,
      snapshot: { seq: number; docs: object[] } | null,
      records: object[],
      first: number,
    ) => {
      mkdirSync(join(dir, name));
      if (snapshot)
        writeFileSync(
          join(dir, name, 'snapshot.ejson'),
          Buffer.concat([frame({ v: 1, seq: snapshot.seq, count: snapshot.docs.length }), ...snapshot.docs.map(frame)]),
          { mode: 0o644 },
        );
      writeFileSync(
        join(dir, name, `journal-${String(first).padStart(16, '0')}.log`),
        Buffer.concat(records.map(frame)),
        { mode: 0o644 },
      );
    };
    const when = new Date('2025-01-02T03:04:05.678Z');
    legacy(
      'users',
      {
        seq: 2,
        docs: [
          { _id: 'a1', tenantId: 't1', name: 'one', when },
          { _id: 'a2', tenantId: 't1', name: 'two' },
        ],
      },
      [
        { s: 2, put: [{ _id: 'a2', tenantId: 't1', name: 'two' }] }, // already in the snapshot: skipped
        { s: 3, put: [{ _id: 'a3', tenantId: 't1', name: 'three' }] },
        { s: 4, del: ['a2'] },
      ],
      2,
    );
    legacy('log', null, [{ s: 1, put: [{ _id: 'l1', what: 'x' }] }], 1);
    appendFileSync(join(dir, 'log', 'journal-0000000000000001.log'), '0123abcd\t{"s":2,"pu'); // a torn tail

    let store = await EmbeddedDocumentStore.open(dir);
    expect(store.migrated).toBe(true);
    expect(existsSync(join(dir, 'users'))).toBe(false);
    let users = await store.collection(SPEC);
    expect(await users.find({}, { sort: { _id: 1 } })).toEqual([
      { _id: 'a1', tenantId: 't1', name: 'one', when },
      { _id: 'a3', tenantId: 't1', name: 'three' },
    ]);
    expect(await (await store.collection({ name: 'log', indexes: [] })).find({})).toEqual([{ _id: 'l1', what: 'x' }]);
    await expect(users.insertOne({ _id: 'a9', tenantId: 't1', name: 'three' })).rejects.toBeInstanceOf(
      DuplicateKeyError,
    );
    await users.insertOne({ _id: 'a4', tenantId: 't1', name: 'four' });
    await store.close();
    expect((statSync(join(dir, 'snapshot.ejson')).mode & 0o777).toString(8)).toBe('600');

    store = await EmbeddedDocumentStore.open(dir);
    expect(store.migrated).toBe(false);
    users = await store.collection(SPEC);
    expect((await users.find({}, { sort: { _id: 1 } })).map((u) => u._id)).toEqual(['a1', 'a3', 'a4']);
    expect(await (await store.collection({ name: 'log', indexes: [] })).countDocuments({})).toBe(1);
    await store.close();
  });

  it('finishes a migration interrupted after its snapshot was written', async () => {
    let store = await EmbeddedDocumentStore.open(dir);
    await (await store.collection(SPEC)).insertOne({ _id: 'a1', tenantId: 't1', name: 'one' });
    await store.compact();
    await store.close();
    // leftovers of the old layout next to the migrated snapshot: the snapshot wins, the folders go
    mkdirSync(join(dir, 'users'));
    writeFileSync(
      join(dir, 'users', 'journal-0000000000000001.log'),
      frame({ s: 1, put: [{ _id: 'old', tenantId: 't1', name: 'stale' }] }),
    );
    store = await EmbeddedDocumentStore.open(dir);
    expect(await (await store.collection(SPEC)).find({})).toEqual([{ _id: 'a1', tenantId: 't1', name: 'one' }]);
    expect(existsSync(join(dir, 'users'))).toBe(false);
    await store.close();
  });
});

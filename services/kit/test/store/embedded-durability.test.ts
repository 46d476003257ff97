import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedDocumentStore } from '../../src/store/embedded-store.js';
import { StoreCorruptError } from '../../src/store/journal.js';
import { DuplicateKeyError, type CollectionSpec } from '../../src/store/store.js';
import { CRASH_SPEC } from './support/crash-spec.js';

const SPEC: CollectionSpec = { name: 'users', indexes: [{ name: 'tenant_name', keys: { tenantId: 1, name: 1 }, unique: true }] };
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const journals = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('journal-')).sort();

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
    expect(await users.find({}, { sort: { _id: 1 } })).toEqual([sample(), { _id: 'a2', tenantId: 't1', name: 'deux', tags: ['x'] }]);
    expect((await users.findOne({ _id: 'a1' }))?.when).toBeInstanceOf(Date);
    await expect(users.insertOne({ _id: 'a4', tenantId: 't1', name: 'deux' })).rejects.toBeInstanceOf(DuplicateKeyError);
    await store.close();
  });

  it('compacts into a snapshot while writes go on, and reloads the same state', async () => {
    let store = await EmbeddedDocumentStore.open(dir, { compactBytes: 4096 });
    let users = await store.collection(SPEC);
    const folder = join(dir, 'users');
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
    const folder = join(dir, 'users');
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
    const folder = join(dir, 'users');
    const journal = join(folder, journals(folder)[0]);
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"n0"', '"N0"'));
    const reopened = await EmbeddedDocumentStore.open(dir);
    await expect(reopened.collection(SPEC)).rejects.toBeInstanceOf(StoreCorruptError);
    await reopened.close();
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
      const child = spawn(process.execPath, ['--import', here('./support/register-ts.mjs'), here('./support/crash-writer.ts'), dir, String(4096 * (1 + round))], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let lastAck = -1;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        for (const m of d.toString().matchAll(/ack (\d+)/g)) lastAck = Number(m[1]);
        if (lastAck >= killAfter && !child.killed) setTimeout(() => child.kill('SIGKILL'), Math.random() * 5);
      });
      const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, s) => res([c, s])));
      expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });

      const store = await EmbeddedDocumentStore.open(dir);
      const items = await store.collection(CRASH_SPEC);
      const n = ((await items.findOne({ _id: 'counter' }))?.n as number) ?? 0;
      const all = await items.find({ tenantId: 't' }, { sort: { _id: 1 }, projection: { _id: 1 } });
      // every acknowledged write is there, the insert and its counter moved together, no gaps
      expect(all.length).toBe(n);
      expect(n).toBeGreaterThanOrEqual(lastAck + 1);
      expect(n).toBeLessThanOrEqual(lastAck + 2);
      expect(all.map((d) => d._id)).toEqual(Array.from({ length: n }, (_, i) => String(i).padStart(8, '0')));
      await expect(items.insertOne({ _id: 'dup', tenantId: 't', userNameLower: 'u0' })).rejects.toBeInstanceOf(DuplicateKeyError);
      await store.close();
    }
    expect(existsSync(join(dir, 'items', 'snapshot.ejson'))).toBe(true); // compactions ran (and some were interrupted)
  }, 60_000);
});

/**
 * The layout before one journal per data directory: one folder per collection, each with its own
 * `snapshot.ejson` (format 1: `{v: 1, seq, count}` then the documents) and `journal-<first seq>.log` files of
 * `{s, put, del}` records. Read once, when a data directory of that layout is opened, and migrated.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readFrames, StoreCorruptError } from './journal.js';
import { readSnapshotFrames, SNAPSHOT_FILE } from './snapshot.js';
import type { Doc } from './store.js';

const JOURNAL = /^journal-(\d{16})\.log$/;

/** The collection folders of the old layout under `dir` (folders holding a snapshot or a journal). */
export function legacyCollectionDirs(dir: string): string[] {
  return readdirSync(dir).filter((name) => {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) return false;
    return readdirSync(path).some((f) => f === SNAPSHOT_FILE || JOURNAL.test(f));
  });
}

/** The documents of one old-layout collection folder: its snapshot plus its journals replayed. */
export function readLegacyCollection(dir: string): Doc[] {
  const snapshotFile = join(dir, SNAPSHOT_FILE);
  const snapshot = readSnapshotFrames(snapshotFile);
  if (snapshot && (snapshot.header.v !== 1 || snapshot.header.count !== snapshot.docs.length))
    throw new StoreCorruptError(snapshotFile, 'not a complete format-1 snapshot');
  const snapshotSeq = (snapshot?.header.seq as number | undefined) ?? 0;
  const docs = new Map<string, Doc>();
  for (const doc of snapshot?.docs ?? []) docs.set(doc._id, doc);
  const journals = readdirSync(dir)
    .map((name) => JOURNAL.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, m[0]));
  let seq = snapshotSeq;
  journals.forEach((path, i) => {
    const buf = readFileSync(path);
    const { values, validBytes } = readFrames(buf, path);
    if (validBytes < buf.length && i < journals.length - 1)
      throw new StoreCorruptError(path, 'torn record in a journal that is not the last');
    for (const rec of values as Array<{ s?: unknown; put?: unknown; del?: unknown }>) {
      if (
        !rec ||
        !Number.isInteger(rec.s) ||
        (rec.put !== undefined && !Array.isArray(rec.put)) ||
        (rec.del !== undefined && !Array.isArray(rec.del))
      ) {
        throw new StoreCorruptError(path, 'malformed record');
      }
      const s = rec.s as number;
      if (s <= snapshotSeq) continue;
      if (s !== seq + 1) throw new StoreCorruptError(path, `record ${s} follows ${seq}`);
      for (const doc of (rec.put as Doc[] | undefined) ?? []) docs.set(doc._id, doc);
      for (const id of (rec.del as string[] | undefined) ?? []) docs.delete(id);
      seq = s;
    }
  });
  return [...docs.values()];
}

export const hasLegacyFiles = (dir: string) => existsSync(dir) && legacyCollectionDirs(dir).length > 0;

/**
 * The data directory's snapshot: a header frame `{v: 2, seq, collections: [{n, count}]}` then the documents of
 * each collection in that order, one frame each; written to a temporary file (mode 0600), fsynced, renamed over
 * the previous snapshot and the directory fsynced. A reader therefore sees the old snapshot or the new one,
 * never a mix; anything short of a complete file is corruption.
 */
import { openSync, closeSync, fsyncSync, readFileSync, existsSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { frame, readFrames, StoreCorruptError } from './journal.js';
import type { Doc } from './store.js';

export const SNAPSHOT_FILE = 'snapshot.ejson';
export const SNAPSHOT_TMP = 'snapshot.ejson.tmp';
/** Data files hold directory data (e-mail addresses, names): readable by the service's user only. */
export const FILE_MODE = 0o600;
const FORMAT = 2;
const BATCH = 1000;

export type Sections = ReadonlyArray<readonly [name: string, docs: readonly Doc[]]>;

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes in batches between awaits, so a large snapshot does not stall the event loop. Returns its size. */
export async function writeSnapshot(dir: string, seq: number, sections: Sections): Promise<number> {
  const tmp = join(dir, SNAPSHOT_TMP);
  const fh = await open(tmp, 'w', FILE_MODE);
  let bytes = 0;
  try {
    await fh.chmod(FILE_MODE); // a leftover temporary file keeps its old mode otherwise
    const header = frame({ v: FORMAT, seq, collections: sections.map(([n, docs]) => ({ n, count: docs.length })) });
    await fh.write(header);
    bytes += header.length;
    for (const [, docs] of sections) {
      for (let i = 0; i < docs.length; i += BATCH) {
        const chunk = Buffer.concat(docs.slice(i, i + BATCH).map(frame));
        await fh.write(chunk);
        bytes += chunk.length;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, SNAPSHOT_FILE));
  fsyncDir(dir);
  return bytes;
}

export interface Snapshot {
  seq: number;
  collections: Map<string, Doc[]>;
  bytes: number;
}

/** The header and documents of a complete snapshot file, or null when there is none. */
export function readSnapshotFrames(
  file: string,
): { header: Record<string, unknown>; docs: Doc[]; bytes: number } | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const { values, validBytes } = readFrames(buf, file);
  if (validBytes !== buf.length) throw new StoreCorruptError(file, 'incomplete snapshot');
  const header = values.shift() as Record<string, unknown> | undefined;
  if (!header || typeof header !== 'object' || typeof header.seq !== 'number')
    throw new StoreCorruptError(file, 'missing header');
  return { header, docs: values as Doc[], bytes: buf.length };
}

export function readSnapshot(dir: string): Snapshot | null {
  const file = join(dir, SNAPSHOT_FILE);
  const read = readSnapshotFrames(file);
  if (!read) return null;
  const { header, docs, bytes } = read;
  const sections = header.collections as Array<{ n?: unknown; count?: unknown }> | undefined;
  if (header.v !== FORMAT || !Array.isArray(sections))
    throw new StoreCorruptError(file, `unknown snapshot format ${String(header.v)}`);
  const collections = new Map<string, Doc[]>();
  let at = 0;
  for (const { n, count } of sections) {
    if (typeof n !== 'string' || !Number.isInteger(count) || (count as number) < 0)
      throw new StoreCorruptError(file, 'malformed header');
    collections.set(n, docs.slice(at, at + (count as number)));
    at += count as number;
  }
  if (at !== docs.length) throw new StoreCorruptError(file, `expected ${at} documents, found ${docs.length}`);
  return { seq: header.seq as number, collections, bytes };
}

/**
 * A collection's snapshot: a header frame `{v, seq, count}` then one frame per document, written to a
 * temporary file, fsynced, renamed over the previous snapshot and the directory fsynced. A reader therefore
 * sees the old snapshot or the new one, never a mix; anything short of a complete file is corruption.
 */
import { openSync, closeSync, fsyncSync, readFileSync, existsSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { frame, readFrames, StoreCorruptError } from './journal.js';
import type { Doc } from './store.js';

export const SNAPSHOT_FILE = 'snapshot.ejson';
export const SNAPSHOT_TMP = 'snapshot.ejson.tmp';
const FORMAT = 1;
const BATCH = 1000;

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes in batches between awaits, so a large snapshot does not stall the event loop. Returns its size. */
export async function writeSnapshot(dir: string, seq: number, docs: readonly Doc[]): Promise<number> {
  const tmp = join(dir, SNAPSHOT_TMP);
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    const header = frame({ v: FORMAT, seq, count: docs.length });
    await fh.write(header);
    bytes += header.length;
    for (let i = 0; i < docs.length; i += BATCH) {
      const chunk = Buffer.concat(docs.slice(i, i + BATCH).map(frame));
      await fh.write(chunk);
      bytes += chunk.length;
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
  docs: Doc[];
  bytes: number;
}

export function readSnapshot(dir: string): Snapshot | null {
  const file = join(dir, SNAPSHOT_FILE);
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const { values, validBytes } = readFrames(buf, file);
  if (validBytes !== buf.length) throw new StoreCorruptError(file, 'incomplete snapshot');
  const header = values.shift() as { v?: number; seq?: number; count?: number } | undefined;
  if (!header || header.v !== FORMAT || typeof header.seq !== 'number') throw new StoreCorruptError(file, 'missing or unknown header');
  if (header.count !== values.length) throw new StoreCorruptError(file, `expected ${header.count} documents, found ${values.length}`);
  return { seq: header.seq, docs: values as Doc[], bytes: buf.length };
}

/**
 * The files of one embedded data directory: one `snapshot.ejson` (every collection's state up to a sequence
 * number) and `journal-<first seq>.log` files holding one record per committed unit, `{s, w: [{n, put, del}]}`
 * — the documents written to each collection in full (so replay needs no query evaluation and replaying twice
 * is harmless). One journal for all collections: a unit spanning collections is one record, and concurrent
 * writes to any collections share one fdatasync.
 *
 * Compaction rotates to a new journal first, then writes the snapshot of the state at the rotation point
 * (stored documents are immutable, so this happens in the background while writes continue), and only
 * after the snapshot's rename deletes the journals it covers. A crash at any point leaves either the old
 * snapshot with all journals or the new one with journals whose older records are skipped by sequence.
 *
 * A directory in the older layout (one folder per collection, see legacy-layout.ts) is migrated at open: its
 * collections are read, written as the first snapshot, and only then are the old folders removed.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { frame, JournalWriter, readFrames, StoreCorruptError } from './journal.js';
import { legacyCollectionDirs, readLegacyCollection } from './legacy-layout.js';
import { fsyncDir, readSnapshot, SNAPSHOT_FILE, SNAPSHOT_TMP, writeSnapshot, type Sections } from './snapshot.js';
import type { Doc } from './store.js';

export interface FileOptions {
  /** fdatasync before a write resolves; false: a write survives a process crash, not a power loss. */
  fsync: boolean;
  /** Journal size that triggers compaction (the snapshot's own size when that is larger). */
  compactBytes: number;
}

/** What one unit wrote to one collection. */
export interface CollectionChange {
  n: string;
  put?: Doc[];
  del?: string[];
}

interface JournalRecord {
  s: number;
  w: CollectionChange[];
}

const JOURNAL = /^journal-(\d{16})\.log$/;
const journalName = (firstSeq: number) => `journal-${String(firstSeq).padStart(16, '0')}.log`;

function isRecord(v: unknown): v is JournalRecord {
  const r = v as JournalRecord;
  return (
    r !== null &&
    typeof r === 'object' &&
    Number.isInteger(r.s) &&
    Array.isArray(r.w) &&
    r.w.every(
      (c) =>
        c !== null &&
        typeof c === 'object' &&
        typeof c.n === 'string' &&
        (c.put === undefined || Array.isArray(c.put)) &&
        (c.del === undefined || Array.isArray(c.del)),
    )
  );
}

function journalsIn(dir: string) {
  return readdirSync(dir)
    .map((name) => JOURNAL.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(dir, m[0]), first: Number(m[1]) }))
    .sort((a, b) => a.first - b.first);
}

/** Old layout → first snapshot. Returns true when it migrated something. */
async function migrateLegacy(dir: string): Promise<boolean> {
  const folders = legacyCollectionDirs(dir);
  if (folders.length === 0) return false;
  if (existsSync(join(dir, SNAPSHOT_FILE))) {
    // a crash came after the migrated snapshot was in place but before the old folders were removed
    for (const f of folders) rmSync(join(dir, f), { recursive: true, force: true });
    fsyncDir(dir);
    return false;
  }
  if (journalsIn(dir).some(({ path }) => readFileSync(path).length > 0)) {
    throw new StoreCorruptError(
      dir,
      `holds both the per-collection layout (${folders.join(', ')}) and a data-directory journal`,
    );
  }
  const sections: Array<[string, Doc[]]> = folders.map((name) => [name, readLegacyCollection(join(dir, name))]);
  await writeSnapshot(dir, 0, sections);
  for (const f of folders) rmSync(join(dir, f), { recursive: true, force: true });
  fsyncDir(dir);
  return true;
}

export class StoreFiles {
  private compacting: Promise<void> | null = null;
  /** The last compaction failure, kept for diagnostics; the next compaction retries. */
  lastCompactionError: Error | null = null;

  private constructor(
    private readonly dir: string,
    private readonly options: FileOptions,
    private seq: number,
    private writer: JournalWriter,
    private writerFirstSeq: number,
    /** Journal files before the current one, kept until a snapshot covers them. */
    private older: string[],
    private snapshotBytes: number,
  ) {}

  /** Reads the snapshot and replays the journal; cuts off a torn tail left by a crash. Documents by collection. */
  static async open(
    dir: string,
    options: FileOptions,
  ): Promise<{ files: StoreFiles; collections: Map<string, Doc[]>; migrated: boolean }> {
    rmSync(join(dir, SNAPSHOT_TMP), { force: true }); // an unfinished compaction or migration
    const migrated = await migrateLegacy(dir);
    const snapshot = readSnapshot(dir);
    const snapshotSeq = snapshot?.seq ?? 0;
    const state = new Map<string, Map<string, Doc>>();
    for (const [name, docs] of snapshot?.collections ?? []) state.set(name, new Map(docs.map((d) => [d._id, d])));

    const journals = journalsIn(dir);
    let seq = snapshotSeq;
    journals.forEach(({ path }, i) => {
      const buf = readFileSync(path);
      const { values, validBytes } = readFrames(buf, path);
      if (validBytes < buf.length) {
        if (i < journals.length - 1) throw new StoreCorruptError(path, 'torn record in a journal that is not the last');
        truncateSync(path, validBytes);
        const fd = openSync(path, 'r+');
        fsyncSync(fd);
        closeSync(fd);
      }
      for (const rec of values) {
        if (!isRecord(rec)) throw new StoreCorruptError(path, 'malformed record');
        if (rec.s <= snapshotSeq) continue;
        if (rec.s !== seq + 1) throw new StoreCorruptError(path, `record ${rec.s} follows ${seq}`);
        for (const change of rec.w) {
          let docs = state.get(change.n);
          if (!docs) state.set(change.n, (docs = new Map<string, Doc>()));
          for (const doc of change.put ?? []) docs.set(doc._id, doc);
          for (const id of change.del ?? []) docs.delete(id);
        }
        seq = rec.s;
      }
    });

    // journals entirely covered by the snapshot (a crash came between its rename and their deletion)
    const older: string[] = [];
    for (let i = 0; i < journals.length - 1; i++) {
      if (journals[i + 1].first - 1 <= snapshotSeq) unlinkSync(journals[i].path);
      else older.push(journals[i].path);
    }
    const last = journals.at(-1);
    const firstSeq = last?.first ?? seq + 1;
    const writer = JournalWriter.open(join(dir, journalName(firstSeq)));
    if (!last) fsyncDir(dir);
    const files = new StoreFiles(dir, options, seq, writer, firstSeq, older, snapshot?.bytes ?? 0);
    const collections = new Map<string, Doc[]>();
    for (const [name, docs] of state) collections.set(name, [...docs.values()]);
    return { files, collections, migrated };
  }

  /**
   * Appends one committed unit. The append itself is synchronous (units are journaled in the order made);
   * the promise resolves when it is on disk, per `fsync` (group commit: one flush serves every unit appended
   * before it started).
   */
  append(changes: CollectionChange[]): Promise<void> {
    const rec: JournalRecord = { s: this.seq + 1, w: changes };
    this.writer.append(frame(rec));
    this.seq = rec.s;
    return this.options.fsync ? this.writer.sync() : Promise.resolve();
  }

  /** Starts a compaction in the background when the journal has grown past its threshold. */
  maybeCompact(snapshotSource: () => Sections): void {
    if (!this.compacting && this.writer.bytes > Math.max(this.options.compactBytes, this.snapshotBytes))
      void this.compact(snapshotSource);
  }

  /** `snapshotSource` must return the published state that matches every record appended so far. */
  compact(snapshotSource: () => Sections): Promise<void> {
    this.compacting ??= this.compactNow(snapshotSource)
      .then(() => void (this.lastCompactionError = null))
      .catch((err: Error) => void (this.lastCompactionError = err))
      .finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async compactNow(snapshotSource: () => Sections): Promise<void> {
    if (this.writer.error) throw this.writer.error; // a torn append must stay the last thing in the last journal
    const seq = this.seq;
    const sections = snapshotSource(); // synchronously, together with `seq`
    if (this.writerFirstSeq <= seq) {
      const previous = this.writer;
      this.writer = JournalWriter.open(join(this.dir, journalName(seq + 1)));
      this.writerFirstSeq = seq + 1;
      fsyncDir(this.dir);
      this.older.push(previous.path);
      await previous.close();
    }
    const covered = [...this.older];
    this.snapshotBytes = await writeSnapshot(this.dir, seq, sections);
    for (const path of covered) if (existsSync(path)) unlinkSync(path);
    this.older = this.older.filter((p) => !covered.includes(p));
  }

  async close(): Promise<void> {
    while (this.compacting) await this.compacting;
    await this.writer.close();
  }
}

/**
 * The files of one embedded collection, in its own folder: `snapshot.ejson` (state up to a sequence number)
 * and `journal-<first seq>.log` files holding one record per committed write, `{s, put, del}` with the
 * written documents in full (so replay needs no query evaluation and replaying twice is harmless).
 *
 * Compaction rotates to a new journal first, then writes the snapshot of the state at the rotation point
 * (stored documents are immutable, so this happens in the background while writes continue), and only
 * after the snapshot's rename deletes the journals it covers. A crash at any point leaves either the old
 * snapshot with all journals or the new one with journals whose older records are skipped by sequence.
 */
import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { frame, JournalWriter, readFrames, StoreCorruptError } from './journal.js';
import { fsyncDir, readSnapshot, SNAPSHOT_TMP, writeSnapshot } from './snapshot.js';
import type { Doc } from './store.js';

export interface FileOptions {
  /** fdatasync before a write resolves; false: a write survives a process crash, not a power loss. */
  fsync: boolean;
  /** Journal size that triggers compaction (the snapshot's own size when that is larger). */
  compactBytes: number;
}

interface JournalRecord {
  s: number;
  put?: Doc[];
  del?: string[];
}

const JOURNAL = /^journal-(\d{16})\.log$/;
const journalName = (firstSeq: number) => `journal-${String(firstSeq).padStart(16, '0')}.log`;

function isRecord(v: unknown): v is JournalRecord {
  const r = v as JournalRecord;
  return r !== null && typeof r === 'object' && Number.isInteger(r.s) && (r.put === undefined || Array.isArray(r.put)) && (r.del === undefined || Array.isArray(r.del));
}

export class CollectionFiles {
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

  /** Reads the snapshot and replays the journals; cuts off a torn tail left by a crash. */
  static open(dir: string, options: FileOptions): { files: CollectionFiles; docs: Doc[] } {
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, SNAPSHOT_TMP), { force: true }); // an unfinished compaction
    const snapshot = readSnapshot(dir);
    const snapshotSeq = snapshot?.seq ?? 0;
    const docs = new Map<string, Doc>();
    for (const doc of snapshot?.docs ?? []) docs.set(doc._id, doc);

    const journals = readdirSync(dir)
      .map((name) => JOURNAL.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ path: join(dir, m[0]), first: Number(m[1]) }))
      .sort((a, b) => a.first - b.first);
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
        for (const doc of rec.put ?? []) docs.set(doc._id, doc);
        for (const id of rec.del ?? []) docs.delete(id);
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
    const files = new CollectionFiles(dir, options, seq, writer, firstSeq, older, snapshot?.bytes ?? 0);
    return { files, docs: [...docs.values()] };
  }

  /**
   * Appends one committed write. The append itself is synchronous (calls are journaled in the order made);
   * the promise resolves when it is on disk, per `fsync`.
   */
  append(put: Doc[], del: string[]): Promise<void> {
    const rec: JournalRecord = { s: this.seq + 1 };
    if (put.length) rec.put = put;
    if (del.length) rec.del = del;
    this.writer.append(frame(rec));
    this.seq = rec.s;
    return this.options.fsync ? this.writer.sync() : Promise.resolve();
  }

  /** Starts a compaction in the background when the journal has grown past its threshold. */
  maybeCompact(snapshotSource: () => Doc[]): void {
    if (!this.compacting && this.writer.bytes > Math.max(this.options.compactBytes, this.snapshotBytes)) void this.compact(snapshotSource);
  }

  /** `snapshotSource` must return the published state that matches every record appended so far. */
  compact(snapshotSource: () => Doc[]): Promise<void> {
    this.compacting ??= this.compactNow(snapshotSource)
      .then(() => void (this.lastCompactionError = null))
      .catch((err: Error) => void (this.lastCompactionError = err))
      .finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async compactNow(snapshotSource: () => Doc[]): Promise<void> {
    if (this.writer.error) throw this.writer.error; // a torn append must stay the last thing in the last journal
    const seq = this.seq;
    const docs = snapshotSource(); // synchronously, together with `seq`
    if (this.writerFirstSeq <= seq) {
      const previous = this.writer;
      this.writer = JournalWriter.open(join(this.dir, journalName(seq + 1)));
      this.writerFirstSeq = seq + 1;
      fsyncDir(this.dir);
      this.older.push(previous.path);
      await previous.close();
    }
    const covered = [...this.older];
    this.snapshotBytes = await writeSnapshot(this.dir, seq, docs);
    for (const path of covered) if (existsSync(path)) unlinkSync(path);
    this.older = this.older.filter((p) => !covered.includes(p));
  }

  async close(): Promise<void> {
    while (this.compacting) await this.compacting;
    await this.writer.close();
  }
}

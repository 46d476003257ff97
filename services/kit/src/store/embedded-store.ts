/**
 * The embedded `DocumentStore`: MongoDB filters and updates evaluated in process by mingo, indexes and
 * persistence of our own, one folder per collection under `dataDir` (see docs/store.md). Index definitions
 * are not stored: they are rebuilt at open from the specs the code passes to `collection()`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CollectionFiles, type FileOptions } from './collection-files.js';
import { CollectionState } from './collection-state.js';
import { EmbeddedCollection } from './embedded-collection.js';
import type { Collection, CollectionSpec, Doc, DocumentStore } from './store.js';

export interface EmbeddedStoreOptions {
  /** fdatasync every write before it resolves (default true). false: writes survive a crash of the process, not of the machine. */
  fsync?: boolean;
  /** Journal size in bytes that triggers compaction into a snapshot (default 8 MiB, or the snapshot's size when larger). */
  compactBytes?: number;
}

const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/;
const LOCK_FILE = 'LOCK';
const openDirs = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One process per data directory: two appenders would interleave their journals. A dead owner's lock is taken over. */
function lock(dir: string): void {
  if (openDirs.has(dir)) throw new Error(`data directory ${dir} is already open in this process`);
  const path = join(dir, LOCK_FILE);
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number(readFileSync(path, 'utf8'));
    if (owner > 0 && owner !== process.pid && isAlive(owner)) throw new Error(`data directory ${dir} is in use by process ${owner}`);
    writeFileSync(path, String(process.pid));
  }
  openDirs.add(dir);
}

export class EmbeddedDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, EmbeddedCollection>();
  private readonly files: CollectionFiles[] = [];
  private closed = false;
  private readonly assertOpen = () => {
    if (this.closed) throw new Error('the document store is closed');
  };

  private constructor(
    readonly dataDir: string,
    private readonly options: FileOptions,
  ) {}

  static async open(dataDir: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedDocumentStore> {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lock(dir);
    return new EmbeddedDocumentStore(dir, { fsync: options.fsync ?? true, compactBytes: options.compactBytes ?? 8 * 1024 * 1024 });
  }

  async collection<T extends Doc = Doc>(spec: CollectionSpec): Promise<Collection<T>> {
    return this.embeddedCollection<T>(spec);
  }

  /** Like `collection()`, typed as the embedded implementation (for `explain`). */
  async embeddedCollection<T extends Doc = Doc>(spec: CollectionSpec): Promise<EmbeddedCollection<T>> {
    this.assertOpen();
    if (!COLLECTION_NAME.test(spec.name)) throw new TypeError(`invalid collection name "${spec.name}"`);
    let col = this.collections.get(spec.name);
    if (!col) {
      const { files, docs } = CollectionFiles.open(join(this.dataDir, spec.name), this.options);
      const state = new CollectionState(spec.name);
      state.load(docs);
      try {
        for (const index of spec.indexes) state.addIndex(index);
      } catch (err) {
        await files.close();
        throw err;
      }
      col = new EmbeddedCollection(state, files, this.assertOpen);
      this.files.push(files);
      this.collections.set(spec.name, col);
      return col as unknown as EmbeddedCollection<T>;
    }
    col.addIndexes(spec.indexes);
    return col as unknown as EmbeddedCollection<T>;
  }

  /** Waits for background compactions, flushes the journals and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await Promise.all(this.files.map((f) => f.close()));
    } finally {
      rmSync(join(this.dataDir, LOCK_FILE), { force: true });
      openDirs.delete(this.dataDir);
    }
  }
}

/**
 * The embedded `DocumentStore`: MongoDB filters and updates evaluated in process by mingo, indexes and
 * persistence of our own: one snapshot and one journal for the whole data directory (see docs/store.md), so a
 * unit spanning collections is one journal record and concurrent writes share one fdatasync. Index
 * definitions are not stored: they are rebuilt at open from the specs the code passes to `collection()`.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ChangeSet } from './change-set.js';
import { CollectionState } from './collection-state.js';
import { EmbeddedCollection, type Committer, type UnitScope } from './embedded-collection.js';
import { FILE_MODE, type Sections } from './snapshot.js';
import { StoreFiles, type CollectionChange } from './store-files.js';
import {
  WriteConflictError,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type Unit,
} from './store.js';

export interface EmbeddedStoreOptions {
  /** fdatasync every write before it resolves (default true). false: writes survive a crash of the process, not of the machine. */
  fsync?: boolean;
  /** Journal size in bytes that triggers compaction into a snapshot (default 8 MiB, or the snapshot's size when larger). */
  compactBytes?: number;
}

const COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/;
const LOCK_FILE = 'LOCK';
/** A unit that keeps losing races to concurrent writers gives up after this many attempts. */
const UNIT_ATTEMPTS = 20;
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
    writeFileSync(path, String(process.pid), { flag: 'wx', mode: FILE_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number(readFileSync(path, 'utf8'));
    if (owner > 0 && owner !== process.pid && isAlive(owner))
      throw new Error(`data directory ${dir} is in use by process ${owner}`);
    writeFileSync(path, String(process.pid), { mode: FILE_MODE });
    chmodSync(path, FILE_MODE); // left by a crash of an older version, perhaps 0644
  }
  openDirs.add(dir);
}

/** The staged writes of one run of a unit's work function, one change set per collection touched. */
class EmbeddedUnit implements Unit, UnitScope {
  readonly sets = new Map<CollectionState, ChangeSet>();
  failure: Error | null = null;
  settled = false;

  constructor(private readonly store: EmbeddedDocumentStore) {}

  use<T extends Doc>(collection: Collection<T>): Collection<T> {
    const own = collection instanceof EmbeddedCollection ? (collection as EmbeddedCollection<T>) : undefined;
    if (!own || !this.store.owns(own)) throw new TypeError('a unit can only use collections of its own store');
    return own.bind(this);
  }

  changeSet(state: CollectionState): ChangeSet {
    if (this.settled) throw new Error('this unit has ended; its collections can no longer be used');
    let cs = this.sets.get(state);
    if (!cs) this.sets.set(state, (cs = new ChangeSet(state)));
    return cs;
  }

  fail(err: Error): void {
    this.failure ??= err;
  }
}

export class EmbeddedDocumentStore implements DocumentStore, Committer {
  private readonly collections = new Map<string, EmbeddedCollection>();
  /** Every collection the directory holds, opened or not (their documents are part of every snapshot). */
  private readonly states = new Map<string, CollectionState>();
  private closed = false;
  private readonly snapshotSource = (): Sections =>
    [...this.states.values()].map((s) => [s.name, [...s.docs.values()]] as const);

  private constructor(
    readonly dataDir: string,
    private readonly files: StoreFiles,
    loaded: Map<string, Doc[]>,
    /** True when this open migrated a directory of the per-collection layout. */
    readonly migrated: boolean,
  ) {
    for (const [name, docs] of loaded) {
      const state = new CollectionState(name);
      state.load(docs);
      this.states.set(name, state);
    }
  }

  static async open(dataDir: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedDocumentStore> {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    lock(dir);
    try {
      const { files, collections, migrated } = await StoreFiles.open(dir, {
        fsync: options.fsync ?? true,
        compactBytes: options.compactBytes ?? 8 * 1024 * 1024,
      });
      return new EmbeddedDocumentStore(dir, files, collections, migrated);
    } catch (err) {
      rmSync(join(dir, LOCK_FILE), { force: true });
      openDirs.delete(dir);
      throw err;
    }
  }

  assertOpen(): void {
    if (this.closed) throw new Error('the document store is closed');
  }

  owns(collection: EmbeddedCollection): boolean {
    return this.collections.get(collection.name)?.state === collection.state;
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
      // indexes are built on a fresh state, kept only when every one of them could be built
      const built = new CollectionState(spec.name);
      built.load(this.states.get(spec.name)?.docs.values() ?? []);
      for (const index of spec.indexes) built.addIndex(index);
      this.states.set(spec.name, built);
      col = new EmbeddedCollection(built, this);
      this.collections.set(spec.name, col);
      return col as unknown as EmbeddedCollection<T>;
    }
    col.addIndexes(spec.indexes);
    return col as unknown as EmbeddedCollection<T>;
  }

  /** Journal first (a failed append publishes nothing), then publish, then wait for durability. */
  commit(sets: ChangeSet[]): Promise<void> {
    const changes: CollectionChange[] = [];
    for (const cs of sets) {
      const put: Doc[] = [];
      const del: string[] = [];
      for (const [id, doc] of cs.writes) {
        if (doc) put.push(doc);
        else if (cs.state.docs.has(id)) del.push(id);
      }
      if (put.length || del.length)
        changes.push({ n: cs.state.name, ...(put.length ? { put } : {}), ...(del.length ? { del } : {}) });
    }
    if (changes.length === 0) return Promise.resolve();
    const durable = this.files.append(changes);
    for (const cs of sets) cs.state.apply(cs.writes, cs.stagedKeys);
    this.files.maybeCompact(this.snapshotSource);
    return durable;
  }

  async unit<R>(work: (unit: Unit) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      const unit = new EmbeddedUnit(this);
      let result: R;
      try {
        result = await work(unit);
      } finally {
        unit.settled = true;
      }
      if (unit.failure) throw unit.failure;
      const sets = [...unit.sets.values()];
      // Everything the unit read or wrote must still be as it saw it; otherwise run it again on the new state.
      const stale = sets.some((cs) => [...cs.base].some(([id, seen]) => cs.state.docs.get(id) !== seen));
      if (stale) {
        if (attempt >= UNIT_ATTEMPTS) throw new WriteConflictError();
        await new Promise((r) => setImmediate(r));
        continue;
      }
      // unique keys are checked again when writes were published to the collection since they were staged
      await this.commit(sets.map((cs) => ChangeSet.recheckIfPublished(cs)));
      return result;
    }
  }

  /** Waits for a background compaction, flushes the journal and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.files.close();
    } finally {
      rmSync(join(this.dataDir, LOCK_FILE), { force: true });
      openDirs.delete(this.dataDir);
    }
  }

  /** Compacts now (tests, tools); normally compaction starts by itself as the journal grows. */
  compact(): Promise<void> {
    this.assertOpen();
    return this.files.compact(this.snapshotSource);
  }
}

/**
 * `Collection` over the embedded engine. Every write runs synchronously from its first check to its
 * journal append and publication (one JavaScript turn), so single-document updates are atomic and writes
 * are journaled in the order they are applied; the promise then waits for durability. Reads see published
 * writes only and return copies. A view bound to a unit (`EmbeddedUnit.use`) stages its writes in the unit's
 * change set for this collection instead, and its reads see those staged writes.
 */
import { ChangeSet } from './change-set.js';
import type { CollectionState } from './collection-state.js';
import { cloneDoc } from './doc-codec.js';
import { findIn } from './mingo-filter.js';
import { count, project, select, selectForWrite, type QueryStats } from './query-exec.js';
import type {
  Collection,
  Doc,
  Filter,
  FindOptions,
  IndexSpec,
  Projection,
  Update,
  UpdateResult,
  WriteOp,
} from './store.js';
import { applyUpdate, checkUpdate, InvalidUpdateError } from './update-ops.js';
import { equalityFields, withUpsertId } from './upsert.js';

interface Staged {
  matched: number;
  modified: number;
  upsertedId?: string;
  before: Doc | null;
  after: Doc | null;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    cur = (cur[part] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** What a collection needs from its store: journal and publish change sets, and the unit a view is bound to. */
export interface Committer {
  /** Journals the change sets as one record, publishes them, and resolves when they are durable. */
  commit(sets: ChangeSet[]): Promise<void>;
  assertOpen(): void;
}

/** The part of a unit a bound collection sees: its change set for that collection. */
export interface UnitScope {
  changeSet(state: CollectionState): ChangeSet;
  /** A write inside the unit failed: the unit will not commit. */
  fail(err: Error): void;
}

export class EmbeddedCollection<T extends Doc = Doc> implements Collection<T> {
  constructor(
    readonly state: CollectionState,
    private readonly store: Committer,
    /** Set on a view bound to a unit: writes are staged there and committed with the unit. */
    private readonly unit?: UnitScope,
  ) {}

  /** The same collection seen from inside `unit`. */
  bind(unit: UnitScope): EmbeddedCollection<T> {
    return new EmbeddedCollection<T>(this.state, this.store, unit);
  }

  private assertOpen(): void {
    this.store.assertOpen();
  }

  /** Reads inside a unit see its staged writes; documents read are remembered for the commit-time check. */
  private unitSelect(cs: ChangeSet, filter: Filter, options: FindOptions): Doc[] {
    let docs: Doc[];
    if (cs.writes.size === 0) docs = select(this.state, filter, options).docs;
    else {
      const all = selectForWrite(this.state, filter, cs.writes, false);
      const sort = options.sort ?? { _id: 1 };
      let cursor = findIn(all).sort(sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(Math.abs(options.limit));
      docs = cursor.all() as Doc[];
    }
    for (const d of docs) cs.observe(d._id);
    return docs;
  }

  get name(): string {
    return this.state.name;
  }

  async insertOne(doc: T): Promise<void> {
    if (typeof doc?._id !== 'string' || doc._id === '') throw new TypeError('documents need a non-empty string _id');
    await this.write((cs) => cs.insert(cloneDoc(doc)));
  }

  async findOne(filter: Filter, options: Omit<FindOptions, 'skip' | 'limit'> = {}): Promise<T | null> {
    this.assertOpen();
    const docs = this.unit
      ? this.unitSelect(this.unit.changeSet(this.state), filter, { sort: options.sort, limit: 1 })
      : select(this.state, filter, { sort: options.sort, limit: 1 }).docs;
    return (project(docs, options.projection)[0] as T | undefined) ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    this.assertOpen();
    const docs = this.unit
      ? this.unitSelect(this.unit.changeSet(this.state), filter, options)
      : select(this.state, filter, options).docs;
    return project(docs, options.projection) as T[];
  }

  async countDocuments(filter: Filter): Promise<number> {
    this.assertOpen();
    return this.unit
      ? this.unitSelect(this.unit.changeSet(this.state), filter, {}).length
      : count(this.state, filter).count;
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    const r = await this.write((cs) => this.stageUpdate(cs, filter, update, true, options.upsert === true));
    return {
      matched: r.matched,
      modified: r.modified,
      ...(r.upsertedId !== undefined ? { upsertedId: r.upsertedId } : {}),
    };
  }

  async findOneAndUpdate(
    filter: Filter,
    update: Update,
    options: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection } = {},
  ): Promise<T | null> {
    const r = await this.write((cs) => this.stageUpdate(cs, filter, update, true, options.upsert === true));
    const doc = options.returnDocument === 'after' ? r.after : r.before;
    return doc ? (project([doc], options.projection)[0] as T) : null;
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    const r = await this.write((cs) => this.stageUpdate(cs, filter, update, false, false));
    return { matched: r.matched, modified: r.modified };
  }

  deleteOne(filter: Filter): Promise<number> {
    return this.write((cs) => this.stageDelete(cs, filter, true));
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.write((cs) => this.stageDelete(cs, filter, false));
  }

  async bulkWrite(ops: WriteOp[]): Promise<void> {
    await this.write((cs) => {
      for (const op of ops) {
        if ('insertOne' in op) {
          const doc = op.insertOne.document;
          if (typeof doc?._id !== 'string' || doc._id === '')
            throw new TypeError('documents need a non-empty string _id');
          cs.insert(cloneDoc(doc));
        } else if ('updateOne' in op)
          this.stageUpdate(cs, op.updateOne.filter, op.updateOne.update, true, op.updateOne.upsert === true);
        else if ('updateMany' in op) this.stageUpdate(cs, op.updateMany.filter, op.updateMany.update, false, false);
        else if ('deleteOne' in op) this.stageDelete(cs, op.deleteOne.filter, true);
        else if ('deleteMany' in op) this.stageDelete(cs, op.deleteMany.filter, false);
        else throw new TypeError(`unknown bulk operation ${Object.keys(op).join(',')}`);
      }
    });
  }

  /**
   * Stages one write. Outside a unit: in a change set of its own, then journaled, published and flushed.
   * Inside: in the unit's change set; a write that fails there fails the whole unit (as a failed write aborts a
   * MongoDB transaction), since it may have staged part of its changes.
   */
  private async write<R>(stage: (cs: ChangeSet) => R): Promise<R> {
    this.assertOpen();
    if (this.unit) {
      try {
        return stage(this.unit.changeSet(this.state));
      } catch (err) {
        this.unit.fail(err as Error);
        throw err;
      }
    }
    const cs = new ChangeSet(this.state);
    const result = stage(cs);
    await this.store.commit([cs]);
    return result;
  }

  /** Builds indexes that a later `collection()` call asks for. */
  addIndexes(specs: readonly IndexSpec[]): void {
    for (const spec of specs) this.state.addIndex(spec);
  }

  /** How a find would run: plan, index, and how many documents it reads (runs the query). */
  explain(filter: Filter, options: FindOptions = {}): QueryStats {
    return select(this.state, filter, options).stats;
  }

  explainCount(filter: Filter): QueryStats {
    return count(this.state, filter).stats;
  }

  private stageUpdate(cs: ChangeSet, filter: Filter, update: Update, one: boolean, upsert: boolean): Staged {
    if (upsert) update = withUpsertId(filter, update);
    checkUpdate(update);
    const matches = selectForWrite(this.state, filter, cs.writes, one);
    if (matches.length === 0) {
      if (!upsert) return { matched: 0, modified: 0, before: null, after: null };
      const seed: Record<string, unknown> = {};
      for (const [path, value] of equalityFields(filter)) setPath(seed, path, value);
      const doc = applyUpdate(seed as Doc, update, true)!;
      if (typeof doc._id !== 'string' || doc._id === '')
        throw new InvalidUpdateError('an upserted document needs a non-empty string _id');
      cs.insert(doc);
      return { matched: 0, modified: 0, upsertedId: doc._id, before: null, after: doc };
    }
    let modified = 0;
    for (const old of matches) {
      cs.observe(old._id);
      const next = applyUpdate(old, update, false);
      if (next) {
        cs.put(next);
        modified++;
      }
    }
    const first = matches[0];
    return { matched: matches.length, modified, before: first, after: cs.current(first._id) ?? first };
  }

  private stageDelete(cs: ChangeSet, filter: Filter, one: boolean): number {
    const matches = selectForWrite(this.state, filter, cs.writes, one);
    for (const doc of matches) cs.delete(doc._id);
    return matches.length;
  }
}

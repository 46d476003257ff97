/**
 * `Collection` over the embedded engine. Every write runs synchronously from its first check to its
 * journal append and publication (one JavaScript turn), so single-document updates are atomic and writes
 * are journaled in the order they are applied; the promise then waits for durability. Reads see published
 * writes only and return copies.
 */
import { ChangeSet } from './change-set.js';
import type { CollectionFiles } from './collection-files.js';
import type { CollectionState } from './collection-state.js';
import { cloneDoc } from './doc-codec.js';
import { count, project, select, selectForWrite, type QueryStats } from './query-exec.js';
import type { Collection, Doc, Filter, FindOptions, IndexSpec, Projection, Update, UpdateResult, WriteOp } from './store.js';
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

export class EmbeddedCollection<T extends Doc = Doc> implements Collection<T> {
  private readonly snapshotSource = () => [...this.state.docs.values()];

  constructor(
    private readonly state: CollectionState,
    private readonly files: CollectionFiles,
    private readonly assertOpen: () => void,
  ) {}

  get name(): string {
    return this.state.name;
  }

  async insertOne(doc: T): Promise<void> {
    this.assertOpen();
    if (typeof doc?._id !== 'string' || doc._id === '') throw new TypeError('documents need a non-empty string _id');
    const cs = new ChangeSet(this.state);
    cs.insert(cloneDoc(doc));
    await this.commit(cs);
  }

  async findOne(filter: Filter, options: Omit<FindOptions, 'skip' | 'limit'> = {}): Promise<T | null> {
    this.assertOpen();
    const { docs } = select(this.state, filter, { sort: options.sort, limit: 1 });
    return (project(docs, options.projection)[0] as T | undefined) ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    this.assertOpen();
    return project(select(this.state, filter, options).docs, options.projection) as T[];
  }

  async countDocuments(filter: Filter): Promise<number> {
    this.assertOpen();
    return count(this.state, filter).count;
  }

  async updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    const r = this.stageUpdate(cs, filter, update, true, options.upsert === true);
    await this.commit(cs);
    return { matched: r.matched, modified: r.modified, ...(r.upsertedId !== undefined ? { upsertedId: r.upsertedId } : {}) };
  }

  async findOneAndUpdate(
    filter: Filter,
    update: Update,
    options: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection } = {},
  ): Promise<T | null> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    const r = this.stageUpdate(cs, filter, update, true, options.upsert === true);
    await this.commit(cs);
    const doc = options.returnDocument === 'after' ? r.after : r.before;
    return doc ? (project([doc], options.projection)[0] as T) : null;
  }

  async updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    const r = this.stageUpdate(cs, filter, update, false, false);
    await this.commit(cs);
    return { matched: r.matched, modified: r.modified };
  }

  async deleteOne(filter: Filter): Promise<number> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    const n = this.stageDelete(cs, filter, true);
    await this.commit(cs);
    return n;
  }

  async deleteMany(filter: Filter): Promise<number> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    const n = this.stageDelete(cs, filter, false);
    await this.commit(cs);
    return n;
  }

  async bulkWrite(ops: WriteOp[]): Promise<void> {
    this.assertOpen();
    const cs = new ChangeSet(this.state);
    for (const op of ops) {
      if ('insertOne' in op) {
        const doc = op.insertOne.document;
        if (typeof doc?._id !== 'string' || doc._id === '') throw new TypeError('documents need a non-empty string _id');
        cs.insert(cloneDoc(doc));
      } else if ('updateOne' in op) this.stageUpdate(cs, op.updateOne.filter, op.updateOne.update, true, op.updateOne.upsert === true);
      else if ('updateMany' in op) this.stageUpdate(cs, op.updateMany.filter, op.updateMany.update, false, false);
      else if ('deleteOne' in op) this.stageDelete(cs, op.deleteOne.filter, true);
      else if ('deleteMany' in op) this.stageDelete(cs, op.deleteMany.filter, false);
      else throw new TypeError(`unknown bulk operation ${Object.keys(op as object).join(',')}`);
    }
    await this.commit(cs);
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
      if (typeof doc._id !== 'string' || doc._id === '') throw new InvalidUpdateError('an upserted document needs a non-empty string _id');
      cs.insert(doc);
      return { matched: 0, modified: 0, upsertedId: doc._id, before: null, after: doc };
    }
    let modified = 0;
    for (const old of matches) {
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

  /** Journal first (a failed append publishes nothing), then publish, then wait for durability. */
  private commit(cs: ChangeSet): Promise<void> {
    const put: Doc[] = [];
    const del: string[] = [];
    for (const [id, doc] of cs.writes) {
      if (doc) put.push(doc);
      else if (this.state.docs.has(id)) del.push(id);
    }
    if (put.length === 0 && del.length === 0) return Promise.resolve();
    const durable = this.files.append(put, del);
    this.state.apply(cs.writes);
    this.files.maybeCompact(this.snapshotSource);
    return durable;
  }
}

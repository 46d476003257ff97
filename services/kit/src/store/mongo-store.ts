/**
 * The MongoDB `DocumentStore` on the official driver. Indexes are created at `collection()`; E11000 becomes
 * `DuplicateKeyError`; writes use `w: majority` unless the URI says otherwise. `bulkWrite` runs in a
 * transaction on a replica set or sharded cluster (all or none); on a standalone server it is an ordered
 * bulk write, which stops at the first error but keeps the operations before it.
 */
import {
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Db,
  type Document,
  type Filter as MongoFilter,
  type Collection as MongoCollection,
  type UpdateFilter,
} from 'mongodb';
import { DuplicateKeyError, type Collection, type CollectionSpec, type Doc, type DocumentStore, type Filter, type FindOptions, type Projection, type Update, type UpdateResult, type WriteOp } from './store.js';
import { withUpsertId } from './upsert.js';

const DUPLICATE_KEY_CODES = new Set([11000, 11001]);

/** `DuplicateKeyError` for E11000 (plain or inside a bulk write error), anything else unchanged. */
export function mapMongoError(err: unknown, collection: string): unknown {
  if (!(err instanceof MongoServerError)) return err;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  const first = (Array.isArray(writeErrors) ? writeErrors[0] : writeErrors) as { code?: number; errmsg?: string } | undefined;
  const code = typeof err.code === 'number' ? err.code : first?.code;
  if (!DUPLICATE_KEY_CODES.has(code ?? -1) && !DUPLICATE_KEY_CODES.has(first?.code ?? -1)) return err;
  const message = first?.errmsg ?? err.errmsg ?? err.message;
  return new DuplicateKeyError(collection, /index: (\S+) dup key/.exec(message)?.[1] ?? 'unknown');
}

type MDoc = Doc & Document;
const asFilter = (f: Filter) => f as MongoFilter<MDoc>;
const asUpdate = (u: Update) => u as UpdateFilter<MDoc>;

class MongoCollectionAdapter<T extends Doc> implements Collection<T> {
  constructor(
    private readonly client: MongoClient,
    private readonly coll: MongoCollection<MDoc>,
    private readonly transactions: boolean,
  ) {}

  get name(): string {
    return this.coll.collectionName;
  }

  private async guard<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      throw mapMongoError(err, this.name);
    }
  }

  insertOne(doc: T): Promise<void> {
    return this.guard(async () => void (await this.coll.insertOne(doc as MDoc)));
  }

  findOne(filter: Filter, options: Omit<FindOptions, 'skip' | 'limit'> = {}): Promise<T | null> {
    return this.guard(async () => (await this.coll.findOne(asFilter(filter), { ...(options.sort && { sort: options.sort }), ...(options.projection && { projection: options.projection }) })) as T | null);
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.guard(async () => {
      let cursor = this.coll.find(asFilter(filter));
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      if (options.projection) cursor = cursor.project(options.projection) as typeof cursor;
      return (await cursor.toArray()) as T[];
    });
  }

  countDocuments(filter: Filter): Promise<number> {
    return this.guard(() => this.coll.countDocuments(asFilter(filter)));
  }

  updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    return this.guard(async () => {
      const upsert = options.upsert === true;
      const r = await this.coll.updateOne(asFilter(filter), asUpdate(upsert ? withUpsertId(filter, update) : update), { upsert });
      return { matched: r.matchedCount, modified: r.modifiedCount, ...(r.upsertedId !== null && r.upsertedId !== undefined ? { upsertedId: String(r.upsertedId) } : {}) };
    });
  }

  findOneAndUpdate(filter: Filter, update: Update, options: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection } = {}): Promise<T | null> {
    return this.guard(async () => {
      const upsert = options.upsert === true;
      // sort by _id so that both adapters pick the same document when several match
      const doc = await this.coll.findOneAndUpdate(asFilter(filter), asUpdate(upsert ? withUpsertId(filter, update) : update), {
        upsert,
        returnDocument: options.returnDocument ?? 'before',
        sort: { _id: 1 },
        ...(options.projection && { projection: options.projection }),
      });
      return doc as T | null;
    });
  }

  updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    return this.guard(async () => {
      const r = await this.coll.updateMany(asFilter(filter), asUpdate(update));
      return { matched: r.matchedCount, modified: r.modifiedCount };
    });
  }

  deleteOne(filter: Filter): Promise<number> {
    return this.guard(async () => (await this.coll.deleteOne(asFilter(filter))).deletedCount);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.guard(async () => (await this.coll.deleteMany(asFilter(filter))).deletedCount);
  }

  bulkWrite(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve(); // the driver refuses an empty batch
    const models: AnyBulkWriteOperation<MDoc>[] = ops.map((op) => {
      if ('insertOne' in op) return { insertOne: { document: op.insertOne.document as MDoc } };
      if ('updateOne' in op) {
        const { filter, update, upsert } = op.updateOne;
        return { updateOne: { filter: asFilter(filter), update: asUpdate(upsert ? withUpsertId(filter, update) : update), upsert: upsert === true } };
      }
      if ('updateMany' in op) return { updateMany: { filter: asFilter(op.updateMany.filter), update: asUpdate(op.updateMany.update) } };
      if ('deleteOne' in op) return { deleteOne: { filter: asFilter(op.deleteOne.filter) } };
      if ('deleteMany' in op) return { deleteMany: { filter: asFilter(op.deleteMany.filter) } };
      throw new TypeError(`unknown bulk operation ${Object.keys(op as object).join(',')}`);
    });
    return this.guard(async () => {
      if (!this.transactions) {
        await this.coll.bulkWrite(models, { ordered: true });
        return;
      }
      await this.client.withSession((session) => session.withTransaction(() => this.coll.bulkWrite(models, { session, ordered: true })));
    });
  }
}

export class MongoDocumentStore implements DocumentStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    /** True on a replica set or sharded cluster: `bulkWrite` is all or none there. */
    readonly supportsTransactions: boolean,
  ) {}

  /** `dbName` defaults to the database named in the URI (the driver's "test" when none). */
  static async connect(uri: string, dbName?: string): Promise<MongoDocumentStore> {
    const client = new MongoClient(uri, /[?&]w=/.test(uri) ? {} : { writeConcern: { w: 'majority' } });
    await client.connect();
    try {
      const hello = await client.db('admin').command({ hello: 1 });
      const transactions = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
      return new MongoDocumentStore(client, client.db(dbName), transactions);
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  async collection<T extends Doc = Doc>(spec: CollectionSpec): Promise<Collection<T>> {
    const coll = this.db.collection<MDoc>(spec.name);
    if (spec.indexes.length > 0) {
      await coll.createIndexes(spec.indexes.map((i) => ({ key: i.keys, name: i.name, unique: i.unique === true })));
    }
    return new MongoCollectionAdapter<T>(this.client, coll, this.supportsTransactions);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

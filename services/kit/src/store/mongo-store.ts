/**
 * The MongoDB `DocumentStore` on the official driver. Indexes are created at `collection()`; E11000 becomes
 * `DuplicateKeyError`; writes use `w: majority` unless the URI says otherwise. `bulkWrite` and `unit` run in a
 * transaction on a replica set or sharded cluster (all or none); on a standalone server a bulk write is
 * ordered (it stops at the first error but keeps the operations before it) and a unit's writes are applied
 * one by one.
 */
import type {
  MongoClient,
  ClientSession,
  AnyBulkWriteOperation,
  Db,
  Document,
  Filter as MongoFilter,
  Collection as MongoCollection,
  UpdateFilter,
  WithId,
} from 'mongodb';
import {
  DuplicateKeyError,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type Filter,
  type FindOptions,
  type Projection,
  type Update,
  type Unit,
  type UpdateResult,
  type WriteOp,
} from './store.js';
import { withUpsertId } from './upsert.js';

const DUPLICATE_KEY_CODES = new Set([11000, 11001]);

/**
 * The driver, loaded on first use: a process on the embedded store never loads it (about 20 MiB of resident
 * memory per process). Errors thrown before it is loaded cannot be the driver's.
 */
let driver: typeof import('mongodb') | undefined;
export async function loadMongoDriver(): Promise<typeof import('mongodb')> {
  driver ??= await import('mongodb');
  return driver;
}

/** `DuplicateKeyError` for E11000 (plain or inside a bulk write error), anything else unchanged. */
export function mapMongoError(err: unknown, collection: string): unknown {
  if (!driver || !(err instanceof driver.MongoServerError)) return err;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  const first = (Array.isArray(writeErrors) ? writeErrors[0] : writeErrors) as
    { code?: number; errmsg?: string } | undefined;
  const code = typeof err.code === 'number' ? err.code : first?.code;
  if (!DUPLICATE_KEY_CODES.has(code ?? -1) && !DUPLICATE_KEY_CODES.has(first?.code ?? -1)) return err;
  const message = first?.errmsg ?? err.errmsg ?? err.message;
  return new DuplicateKeyError(collection, /index: (\S+) dup key/.exec(message)?.[1] ?? 'unknown');
}

type MDoc = Doc & Document;
const asFilter = (f: Filter) => f as MongoFilter<MDoc>;
const asUpdate = (u: Update) => u as UpdateFilter<MDoc>;

class MongoCollectionAdapter<T extends Doc> implements Collection<T> {
  /** `{session}` when bound to a unit's transaction, else `{}`: spread into every driver call. */
  private readonly s: { session?: ClientSession };

  constructor(
    private readonly client: MongoClient,
    readonly coll: MongoCollection<MDoc>,
    private readonly transactions: boolean,
    readonly session?: ClientSession,
    /** The unit this view belongs to: a failed write fails the unit even if the caller catches it. */
    private readonly unitState?: { failure?: { error: unknown } },
  ) {
    this.s = session ? { session } : {};
  }

  /** The same collection inside a unit's transaction. */
  withSession(session: ClientSession, unitState: { failure?: { error: unknown } }): MongoCollectionAdapter<T> {
    return new MongoCollectionAdapter<T>(this.client, this.coll, this.transactions, session, unitState);
  }

  get name(): string {
    return this.coll.collectionName;
  }

  private async guard<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      const mapped = mapMongoError(err, this.name);
      if (this.unitState) this.unitState.failure ??= { error: mapped };
      throw mapped;
    }
  }

  insertOne(doc: T): Promise<void> {
    return this.guard(async () => void (await this.coll.insertOne(doc as MDoc, this.s)));
  }

  findOne(filter: Filter, options: Omit<FindOptions, 'skip' | 'limit'> = {}): Promise<T | null> {
    return this.guard(
      async () =>
        (await this.coll.findOne(asFilter(filter), {
          ...this.s,
          ...(options.sort && { sort: options.sort }),
          ...(options.projection && { projection: options.projection }),
        })) as T | null,
    );
  }

  find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.guard(async () => {
      let cursor = this.coll.find(asFilter(filter), this.s);
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.skip) cursor = cursor.skip(options.skip);
      if (options.limit) cursor = cursor.limit(options.limit);
      if (options.projection) cursor = cursor.project<WithId<MDoc>>(options.projection);
      return (await cursor.toArray()) as T[];
    });
  }

  countDocuments(filter: Filter): Promise<number> {
    return this.guard(() => this.coll.countDocuments(asFilter(filter), this.s));
  }

  updateOne(filter: Filter, update: Update, options: { upsert?: boolean } = {}): Promise<UpdateResult> {
    return this.guard(async () => {
      const upsert = options.upsert === true;
      const r = await this.coll.updateOne(asFilter(filter), asUpdate(upsert ? withUpsertId(filter, update) : update), {
        ...this.s,
        upsert,
      });
      return {
        matched: r.matchedCount,
        modified: r.modifiedCount,
        ...(r.upsertedId !== null && r.upsertedId !== undefined ? { upsertedId: String(r.upsertedId) } : {}),
      };
    });
  }

  findOneAndUpdate(
    filter: Filter,
    update: Update,
    options: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection } = {},
  ): Promise<T | null> {
    return this.guard(async () => {
      const upsert = options.upsert === true;
      // sort by _id so that both adapters pick the same document when several match
      const doc = await this.coll.findOneAndUpdate(
        asFilter(filter),
        asUpdate(upsert ? withUpsertId(filter, update) : update),
        {
          ...this.s,
          upsert,
          returnDocument: options.returnDocument ?? 'before',
          sort: { _id: 1 },
          ...(options.projection && { projection: options.projection }),
        },
      );
      return doc as T | null;
    });
  }

  updateMany(filter: Filter, update: Update): Promise<UpdateResult> {
    return this.guard(async () => {
      const r = await this.coll.updateMany(asFilter(filter), asUpdate(update), this.s);
      return { matched: r.matchedCount, modified: r.modifiedCount };
    });
  }

  deleteOne(filter: Filter): Promise<number> {
    return this.guard(async () => (await this.coll.deleteOne(asFilter(filter), this.s)).deletedCount);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.guard(async () => (await this.coll.deleteMany(asFilter(filter), this.s)).deletedCount);
  }

  bulkWrite(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve(); // the driver refuses an empty batch
    const models: AnyBulkWriteOperation<MDoc>[] = ops.map((op) => {
      if ('insertOne' in op) return { insertOne: { document: op.insertOne.document } };
      if ('updateOne' in op) {
        const { filter, update, upsert } = op.updateOne;
        return {
          updateOne: {
            filter: asFilter(filter),
            update: asUpdate(upsert ? withUpsertId(filter, update) : update),
            upsert: upsert === true,
          },
        };
      }
      if ('updateMany' in op)
        return { updateMany: { filter: asFilter(op.updateMany.filter), update: asUpdate(op.updateMany.update) } };
      if ('deleteOne' in op) return { deleteOne: { filter: asFilter(op.deleteOne.filter) } };
      if ('deleteMany' in op) return { deleteMany: { filter: asFilter(op.deleteMany.filter) } };
      throw new TypeError(`unknown bulk operation ${Object.keys(op).join(',')}`);
    });
    return this.guard(async () => {
      if (this.session || !this.transactions) {
        // inside a unit the unit's transaction makes it all or none (or, without transactions, nothing does)
        await this.coll.bulkWrite(models, { ...this.s, ordered: true });
        return;
      }
      if (!this.transactions) {
        await this.coll.bulkWrite(models, { ordered: true });
        return;
      }
      await this.client.withSession((session) =>
        session.withTransaction(() => this.coll.bulkWrite(models, { session, ordered: true })),
      );
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
    const { MongoClient } = await loadMongoDriver();
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

  /**
   * A transaction (`withTransaction`: retried on transient errors and unknown commit results) on a replica set
   * or sharded cluster. A standalone server has no transactions: the unit's writes are then applied one by one
   * as they are made, and a crash between them keeps the earlier ones (docs/store.md: run a replica set, a
   * one-member one suffices, for all-or-none units).
   */
  async unit<R>(work: (unit: Unit) => Promise<R>): Promise<R> {
    if (!this.supportsTransactions) return work({ use: (c) => c });
    return this.client.withSession((session) =>
      session.withTransaction(async () => {
        // one state per attempt: a write that failed (and aborted the transaction on the server) fails the attempt
        const state: { failure?: { error: unknown } } = {};
        const result = await work({
          use: <T extends Doc>(c: Collection<T>) => {
            if (!(c instanceof MongoCollectionAdapter))
              throw new TypeError('a unit can only use collections of its own store');
            return (c as MongoCollectionAdapter<T>).withSession(session, state);
          },
        });
        if (state.failure) throw state.failure.error;
        return result;
      }),
    );
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

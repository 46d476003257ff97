/**
 * The document store contract shared by every service. Two adapters implement it:
 * `MongoDocumentStore` (official driver, production) and `EmbeddedDocumentStore` (mingo, persisted under
 * DATA_DIR). Both receive the *same* MongoDB filter and update documents; callers must stay inside the
 * subset both evaluate identically (see docs/store.md).
 */

/** A tenant (organization) id. Obtainable only through `tenantId()`, so no query runs without one. */
export type TenantId = string & { readonly __tenant: unique symbol };

export function tenantId(value: string): TenantId {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError('tenant id is required');
  return value as TenantId;
}

export type Doc = { _id: string } & Record<string, unknown>;
export type Filter = Record<string, unknown>;
export type Update = Record<string, unknown>;
export type Sort = Record<string, 1 | -1>;
export type Projection = Record<string, 0 | 1>;

export interface IndexSpec {
  name: string;
  keys: Record<string, 1 | -1>;
  unique?: boolean;
}

export interface CollectionSpec {
  name: string;
  indexes: IndexSpec[];
}

export interface FindOptions {
  sort?: Sort;
  skip?: number;
  limit?: number;
  projection?: Projection;
}

export interface UpdateResult {
  matched: number;
  modified: number;
  upsertedId?: string;
}

export type WriteOp =
  | { insertOne: { document: Doc } }
  | { updateOne: { filter: Filter; update: Update; upsert?: boolean } }
  | { updateMany: { filter: Filter; update: Update } }
  | { deleteOne: { filter: Filter } }
  | { deleteMany: { filter: Filter } };

export interface Collection<T extends Doc = Doc> {
  readonly name: string;
  /** Throws `DuplicateKeyError` when a unique index would be violated; nothing is written then. */
  insertOne(doc: T): Promise<void>;
  findOne(filter: Filter, options?: Omit<FindOptions, 'skip' | 'limit'>): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter: Filter): Promise<number>;
  /** Atomic on one document. Throws `DuplicateKeyError` on a unique index violation (nothing written). */
  updateOne(filter: Filter, update: Update, options?: { upsert?: boolean }): Promise<UpdateResult>;
  findOneAndUpdate(
    filter: Filter,
    update: Update,
    options?: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection },
  ): Promise<T | null>;
  updateMany(filter: Filter, update: Update): Promise<UpdateResult>;
  deleteOne(filter: Filter): Promise<number>;
  deleteMany(filter: Filter): Promise<number>;
  /**
   * Applies the operations in order, all or none: embedded applies them as one journal record; MongoDB runs
   * them in a transaction when the deployment supports one (replica set), otherwise as an ordered bulk write.
   */
  bulkWrite(ops: WriteOp[]): Promise<void>;
}

/**
 * One all-or-none change over several collections (see `DocumentStore.unit`). `use(collection)` gives a view
 * of a collection of the same store whose reads see the unit's own writes and whose writes are staged until the
 * unit commits. A unit's views must not be used after its work function has settled.
 */
export interface Unit {
  use<T extends Doc>(collection: Collection<T>): Collection<T>;
}

export interface DocumentStore {
  /** Opens (and on first use creates, with its indexes) a collection. */
  collection<T extends Doc = Doc>(spec: CollectionSpec): Promise<Collection<T>>;
  /**
   * Runs `work` as one unit: every write made through `unit.use(...)` views lands together or not at all.
   * The function may run more than once (a write conflict with a concurrent writer retries it, as MongoDB's
   * `withTransaction` does), so it must have no effects outside the unit. If it throws, nothing is written.
   * Embedded: one journal record. MongoDB: a transaction on a replica set or sharded cluster; on a standalone
   * server (no transactions) the writes are applied one by one in order — see docs/store.md.
   */
  unit<R>(work: (unit: Unit) => Promise<R>): Promise<R>;
  /** Flushes and closes. */
  close(): Promise<void>;
}

export class DuplicateKeyError extends Error {
  constructor(
    readonly collection: string,
    readonly index: string,
  ) {
    super(`duplicate key in ${collection} (index ${index})`);
    this.name = 'DuplicateKeyError';
  }
}

/** A unit lost a race with a concurrent write more times than it retries (embedded store). */
export class WriteConflictError extends Error {
  constructor(detail = 'a concurrent write changed the documents this unit read or wrote') {
    super(detail);
    this.name = 'WriteConflictError';
  }
}

/** A document whose indexed values exceed what one document may hold (MongoDB refuses it as well). */
export class IndexKeyLimitError extends Error {
  constructor(
    readonly collection: string,
    readonly index: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'IndexKeyLimitError';
  }
}

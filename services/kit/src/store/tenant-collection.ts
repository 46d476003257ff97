/**
 * A tenant-scoped view of a collection: every method takes the tenant first and adds `{tenantId}` to the
 * filter and to inserted documents (upserts get it from the filter's equality), so no tenant-scoped query
 * can be written without one. A filter or update that names `tenantId` itself is refused (a rejected promise).
 */
import type {
  Collection,
  Doc,
  Filter,
  FindOptions,
  Projection,
  TenantId,
  Unit,
  Update,
  UpdateResult,
  WriteOp,
} from './store.js';

export type TenantDoc = Doc & { tenantId: string };
/** A document as the caller writes it: the wrapper sets `tenantId`. */
export type Unscoped<T> = { [K in keyof T as K extends 'tenantId' ? never : K]: T[K] };

/** The run-time half of "no query without the tenant": anything that slipped past the types is refused. */
function requireTenantId(tenant: TenantId): void {
  if (typeof tenant !== 'string' || tenant.length === 0)
    throw new TypeError('a tenant-scoped collection needs the tenant id first');
}

function scope(tenant: TenantId, filter: Filter): Filter {
  requireTenantId(tenant);
  if (filter === null || typeof filter !== 'object') throw new TypeError('a filter object is required');
  if ('tenantId' in filter && filter.tenantId !== tenant)
    throw new TypeError('a tenant-scoped filter must not name a tenant');
  return { ...filter, tenantId: tenant };
}

function stamp(tenant: TenantId, doc: object): TenantDoc {
  requireTenantId(tenant);
  if ('tenantId' in doc && doc.tenantId !== tenant)
    throw new TypeError('a tenant-scoped document must not name another tenant');
  return { ...(doc as Doc), tenantId: tenant };
}

function checkUpdate(update: Update): Update {
  for (const args of Object.values(update)) {
    const paths = args !== null && typeof args === 'object' ? Object.keys(args) : [];
    if (paths.some((p) => p === 'tenantId' || p.startsWith('tenantId.')))
      throw new TypeError('an update must not change tenantId');
  }
  return update;
}

export class TenantCollection<T extends TenantDoc> {
  constructor(readonly inner: Collection<T>) {}

  get name(): string {
    return this.inner.name;
  }

  /** The same tenant-scoped view inside a unit (`DocumentStore.unit`). */
  in(unit: Unit): TenantCollection<T> {
    return new TenantCollection(unit.use(this.inner));
  }

  async insertOne(tenant: TenantId, doc: Unscoped<T>): Promise<void> {
    return this.inner.insertOne(stamp(tenant, doc) as T);
  }

  async findOne(tenant: TenantId, filter: Filter, options?: Omit<FindOptions, 'skip' | 'limit'>): Promise<T | null> {
    return this.inner.findOne(scope(tenant, filter), options);
  }

  async find(tenant: TenantId, filter: Filter, options?: FindOptions): Promise<T[]> {
    return this.inner.find(scope(tenant, filter), options);
  }

  async countDocuments(tenant: TenantId, filter: Filter): Promise<number> {
    return this.inner.countDocuments(scope(tenant, filter));
  }

  async updateOne(
    tenant: TenantId,
    filter: Filter,
    update: Update,
    options?: { upsert?: boolean },
  ): Promise<UpdateResult> {
    return this.inner.updateOne(scope(tenant, filter), checkUpdate(update), options);
  }

  async findOneAndUpdate(
    tenant: TenantId,
    filter: Filter,
    update: Update,
    options?: { returnDocument?: 'before' | 'after'; upsert?: boolean; projection?: Projection },
  ): Promise<T | null> {
    return this.inner.findOneAndUpdate(scope(tenant, filter), checkUpdate(update), options);
  }

  async updateMany(tenant: TenantId, filter: Filter, update: Update): Promise<UpdateResult> {
    return this.inner.updateMany(scope(tenant, filter), checkUpdate(update));
  }

  async deleteOne(tenant: TenantId, filter: Filter): Promise<number> {
    return this.inner.deleteOne(scope(tenant, filter));
  }

  async deleteMany(tenant: TenantId, filter: Filter): Promise<number> {
    return this.inner.deleteMany(scope(tenant, filter));
  }

  async bulkWrite(tenant: TenantId, ops: WriteOp[]): Promise<void> {
    return this.inner.bulkWrite(
      ops.map((op): WriteOp => {
        if ('insertOne' in op) return { insertOne: { document: stamp(tenant, op.insertOne.document) } };
        if ('updateOne' in op)
          return {
            updateOne: {
              ...op.updateOne,
              filter: scope(tenant, op.updateOne.filter),
              update: checkUpdate(op.updateOne.update),
            },
          };
        if ('updateMany' in op)
          return {
            updateMany: { filter: scope(tenant, op.updateMany.filter), update: checkUpdate(op.updateMany.update) },
          };
        if ('deleteOne' in op) return { deleteOne: { filter: scope(tenant, op.deleteOne.filter) } };
        return { deleteMany: { filter: scope(tenant, op.deleteMany.filter) } };
      }),
    );
  }
}

import type { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { ResourceRepository } from '../domain/ports.js';
import type { StoredResource } from '../domain/resource-model.js';

/** A whole-document replacement as an update document both stores evaluate alike: $set new fields, $unset gone ones. */
function replaceUpdate(before: StoredResource, next: StoredResource) {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  for (const [k, v] of Object.entries(next)) if (k !== '_id' && k !== 'tenantId') $set[k] = v;
  for (const k of Object.keys(before)) if (!(k in next)) $unset[k] = '';
  return Object.keys($unset).length ? { $set, $unset } : { $set };
}

/** Users or groups (SCIM resources) of one tenant at a time; optimistic concurrency on `meta.version`. */
export function resourceRepository(col: TenantCollection<StoredResource>): ResourceRepository {
  return {
    get: (tenant, id) => col.findOne(tenant, { _id: id }),
    byIds(tenant, ids, fields) {
      const unique = [...new Set(ids)];
      if (!unique.length) return Promise.resolve([]);
      return col.find(
        tenant,
        { _id: { $in: unique } },
        fields ? { projection: Object.fromEntries<1>([['_id', 1], ...fields.map((f): [string, 1] => [f, 1])]) } : {},
      );
    },
    find: (tenant, filter, options) => col.find(tenant, filter, options),
    count: (tenant, filter) => col.countDocuments(tenant, filter),
    page: (tenant, after, limit, match = {}) =>
      col.find(tenant, after ? { ...match, _id: { $gt: after } } : match, { sort: { _id: 1 }, limit }),
    insert: (tenant, doc) => col.insertOne(tenant, doc),
    async replace(tenant, before, next) {
      const res = await col.updateOne(
        tenant,
        { _id: before._id, 'meta.version': before.meta.version },
        replaceUpdate(before, next),
      );
      return res.matched > 0;
    },
    async delete(tenant, id, expectedVersion) {
      return (await col.deleteOne(tenant, { _id: id, 'meta.version': expectedVersion })) > 0;
    },
  };
}

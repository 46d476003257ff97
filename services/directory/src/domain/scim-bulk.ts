/**
 * Runs a SCIM BulkRequest (RFC 7644 §3.7) on the one SCIM engine: each operation is a create, replace, patch
 * or delete of ScimService — atomic on its own, with its activity entries — in request order, except that an
 * operation waits for the POSTs whose bulkIds it uses. Refused operations land in the activity log too.
 * `failOnErrors` stops the run after that many errors; operations not run are left out of the response.
 */
import { ScimError } from './scim/scim-error.js';
import {
  BULK_RESPONSE_SCHEMA,
  bulkIdOwners,
  operationsInCycles,
  resolveReferences,
  toScimErrorBody,
  type BulkMalformed,
  type BulkOperation,
  type BulkRequest,
} from './scim/index.js';
import type { ResourceModel } from './resource-model.js';
import type { ScimContext, ScimService } from './scim-service.js';
import { refusedName, type ScimRefusals, type ScimWrite } from './scim-refusals.js';

type Json = Record<string, unknown>;

export interface BulkDeps {
  scim: ScimService;
  refusals: ScimRefusals;
  models: { Users: ResourceModel; Groups: ResourceModel };
  /** Logs an unexpected failure of one operation and returns the error id to show (no exception text leaves). */
  reportUnexpected(err: unknown): string;
}

const WRITES: Record<BulkOperation['method'], ScimWrite> = {
  POST: 'create',
  PUT: 'replace',
  PATCH: 'patch',
  DELETE: 'delete',
};
const versionOf = (tag: string | undefined) => (tag ? tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '') : '');

function failure(op: { method: string; bulkId?: string }, err: ScimError, location?: string): Json {
  return {
    method: op.method,
    ...(op.bulkId ? { bulkId: op.bulkId } : {}),
    ...(location ? { location } : {}),
    status: String(err.status),
    response: toScimErrorBody(err),
  };
}

export async function runBulk(deps: BulkDeps, ctx: ScimContext, req: BulkRequest): Promise<Json> {
  const owners = bulkIdOwners(req);
  const cyclic = operationsInCycles(req);
  const created = new Map<string, string>();
  const failedIds = new Set<string>();
  const results = new Map<number, Json>();
  let errors = 0;
  const stopped = () => req.failOnErrors !== undefined && errors >= req.failOnErrors;

  const fail = async (op: BulkOperation | BulkMalformed, err: ScimError, location?: string) => {
    errors++;
    results.set(op.index, failure(op, err, location));
    if (op.bulkId && op.method === 'POST') failedIds.add(op.bulkId);
    if ('resource' in op) {
      const model = deps.models[op.resource];
      const id =
        op.id && !op.id.startsWith('bulkId:') ? op.id : ((op.id ? created.get(op.id.slice(7)) : undefined) ?? '');
      const name =
        op.method === 'POST' || op.method === 'PUT' ? refusedName(model.name, JSON.stringify(op.data ?? {})) : '';
      await deps.refusals.record(ctx.tenant, {
        connectorId: ctx.connectorId,
        resourceType: model.name,
        write: WRITES[op.method],
        resourceId: id,
        resourceName: name,
        error: err,
        via: 'bulk',
        requestId: ctx.requestId,
      });
    }
  };

  const run = async (op: BulkOperation) => {
    const model = deps.models[op.resource];
    const unknown = op.refs.find((r) => !owners.has(r));
    if (unknown !== undefined)
      return fail(
        op,
        new ScimError(400, `bulkId "${unknown}" is not the bulkId of any POST in this request`, 'invalidValue'),
      );
    if (cyclic.has(op.index))
      return fail(
        op,
        new ScimError(
          409,
          `circular bulkId reference: ${op.refs.map((r) => `"${r}"`).join(', ')} cannot be created before this operation; send the references in a later PATCH`,
        ),
      );
    const lost = op.refs.find((r) => failedIds.has(r));
    if (lost !== undefined)
      return fail(op, new ScimError(409, `the POST with bulkId "${lost}" failed, so its id is not known`));
    const id = op.id ? resolveReferences(op.id, created) : undefined;
    const data = op.data === undefined ? undefined : resolveReferences(op.data, created);
    const location = id ? `${ctx.baseUrl}/${op.resource}/${id}` : undefined;
    const ifMatch = versionOf(op.version);
    try {
      switch (op.method) {
        case 'POST': {
          const r = await deps.scim.create(ctx, model, data, { attributes: ['id'], excludedAttributes: [] });
          created.set(op.bulkId!, r.id);
          results.set(op.index, {
            method: 'POST',
            bulkId: op.bulkId,
            version: `W/"${r.version}"`,
            location: `${ctx.baseUrl}/${op.resource}/${r.id}`,
            status: '201',
          });
          return;
        }
        case 'PUT': {
          const r = await deps.scim.replace(
            ctx,
            model,
            id!,
            data,
            { attributes: ['id'], excludedAttributes: [] },
            ifMatch,
          );
          results.set(op.index, {
            method: 'PUT',
            ...(op.bulkId ? { bulkId: op.bulkId } : {}),
            version: `W/"${r.version}"`,
            location,
            status: '200',
          });
          return;
        }
        case 'PATCH': {
          const r = await deps.scim.patch(
            ctx,
            model,
            id!,
            data,
            { attributes: ['id'], excludedAttributes: [] },
            ifMatch,
            true,
          );
          results.set(op.index, {
            method: 'PATCH',
            ...(op.bulkId ? { bulkId: op.bulkId } : {}),
            ...(r ? { version: `W/"${r.version}"` } : {}),
            location,
            status: '200',
          });
          return;
        }
        case 'DELETE':
          await deps.scim.delete(ctx, model, id!, ifMatch);
          results.set(op.index, {
            method: 'DELETE',
            ...(op.bulkId ? { bulkId: op.bulkId } : {}),
            location,
            status: '204',
          });
          return;
      }
    } catch (err) {
      if (err instanceof ScimError) return fail(op, err, op.method === 'POST' ? undefined : location);
      // an unexpected failure (store unavailable, …) fails this operation only: the client still learns
      // what the others did
      errors++;
      if (op.bulkId && op.method === 'POST') failedIds.add(op.bulkId);
      const errorId = deps.reportUnexpected(err);
      results.set(
        op.index,
        failure(
          op,
          new ScimError(
            500,
            `internal error (error id ${errorId}); this operation may or may not have been applied: read the resource before retrying`,
          ),
          op.method === 'POST' ? undefined : location,
        ),
      );
    }
  };

  // request order, except that an operation waits for the POSTs it refers to (when they come later)
  const pending = [...req.operations];
  while (pending.length && !stopped()) {
    let progressed = false;
    for (let i = 0; i < pending.length && !stopped();) {
      const op = pending[i];
      const waiting =
        'resource' in op &&
        !cyclic.has(op.index) &&
        op.refs.some((r) => owners.has(r) && !created.has(r) && !failedIds.has(r));
      if (waiting) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      progressed = true;
      if ('resource' in op) await run(op);
      else await fail(op, op.error);
    }
    if (!progressed) break; // only waiting operations left: their POSTs are all waiting too (a cycle)
  }
  for (const op of pending) {
    if (stopped()) break;
    if ('resource' in op)
      await fail(
        op,
        new ScimError(409, 'circular bulkId reference: this operation waits for a POST that waits for it'),
      );
  }
  const ordered = [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: ordered };
}

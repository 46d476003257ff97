/**
 * SCIM Bulk (RFC 7644 §3.7), the pure part: reading a BulkRequest, the `bulkId` references between its
 * operations, and the order they can run in. Running them is the application layer's (scim-bulk.ts).
 *
 * - `Operations` is required; more than `maxOperations` → 413 `tooMany`; a body over the payload limit → 413.
 * - Each operation: `method` POST | PUT | PATCH | DELETE (any case); `path` `/Users` or `/Groups` for POST (which
 *   needs a `bulkId`, unique in the request), `/Users/{id}` or `/Groups/{id}` otherwise, where `{id}` may be
 *   `bulkId:{bulkId}`; `data` for POST, PUT and PATCH. A malformed operation fails on its own (400).
 * - Anywhere in `data`, a string `"bulkId:{bulkId}"` stands for the id of the resource the POST with that
 *   bulkId created (group members, a manager). Unknown bulkIds fail the operation (400 invalidValue); an
 *   operation whose referenced POST failed, or that is part of a reference cycle, fails with 409.
 */
import { ScimError, invalidSyntax, invalidValue } from './scim-error.js';
import { isPlainObject, textOf } from './normalize.js';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BulkResourceName = 'Users' | 'Groups';

/** An operation that could be read. */
export interface BulkOperation {
  index: number;
  method: BulkMethod;
  bulkId?: string;
  /** The version (ETag) the client holds, for PUT/PATCH/DELETE. */
  version?: string;
  resource: BulkResourceName;
  /** The target id (PUT/PATCH/DELETE), possibly `bulkId:x`. */
  id?: string;
  data?: unknown;
  /** The bulkIds this operation refers to (in `id` or `data`). */
  refs: string[];
}

/** An operation that could not be read: answered with its error, never run. */
export interface BulkMalformed {
  index: number;
  method: string;
  bulkId?: string;
  error: ScimError;
}

export interface BulkRequest {
  failOnErrors?: number;
  operations: Array<BulkOperation | BulkMalformed>;
}

const BULK_ID_REF = /^bulkId:(.+)$/;

function keyed(obj: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

/** Every `bulkId:x` string inside a value. */
export function referencesIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    const m = BULK_ID_REF.exec(value);
    if (m) out.add(m[1]);
  } else if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (isPlainObject(value)) for (const v of Object.values(value)) referencesIn(v, out);
  return out;
}

/** Replaces every `bulkId:x` string by the id created for x (all must be known). */
export function resolveReferences<T>(value: T, ids: ReadonlyMap<string, string>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = BULK_ID_REF.exec(v);
      return m && ids.has(m[1]) ? ids.get(m[1]) : v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function readOperation(raw: unknown, index: number): BulkOperation | BulkMalformed {
  if (!isPlainObject(raw)) return { index, method: '', error: invalidSyntax(`Operations[${index}] must be an object`) };
  const methodRaw = keyed(raw, 'method');
  const method = typeof methodRaw === 'string' ? methodRaw.trim().toUpperCase() : '';
  const bulkIdRaw = keyed(raw, 'bulkId');
  const bulkId = typeof bulkIdRaw === 'string' && bulkIdRaw.trim() ? bulkIdRaw.trim() : undefined;
  const fail = (e: ScimError): BulkMalformed => ({
    index,
    method: method || textOf(methodRaw),
    ...(bulkId ? { bulkId } : {}),
    error: e,
  });
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE')
    return fail(
      invalidSyntax(
        `Operations[${index}].method must be POST, PUT, PATCH or DELETE (got ${JSON.stringify(methodRaw ?? null)})`,
      ),
    );
  if (bulkIdRaw !== undefined && bulkIdRaw !== null && !bulkId)
    return fail(invalidValue(`Operations[${index}].bulkId must be a non-empty string`));
  const path = keyed(raw, 'path');
  const m = typeof path === 'string' ? /^\/(Users|Groups)(?:\/([^/?#]+))?\/?$/i.exec(path.trim()) : null;
  if (!m)
    return fail(
      invalidValue(
        `Operations[${index}].path must be /Users or /Groups${method === 'POST' ? '' : ' followed by /{id}'} (got ${JSON.stringify(path ?? null)})`,
      ),
    );
  const resource: BulkResourceName = m[1].toLowerCase() === 'users' ? 'Users' : 'Groups';
  const id = m[2] ? decodeURIComponent(m[2]) : undefined;
  if (method === 'POST' && id)
    return fail(invalidValue(`Operations[${index}]: POST goes to /${resource}, without an id`));
  if (method === 'POST' && !bulkId)
    return fail(invalidValue(`Operations[${index}]: a POST needs a bulkId (RFC 7644 §3.7)`));
  if (method !== 'POST' && !id)
    return fail(invalidValue(`Operations[${index}]: ${method} needs the resource in its path: /${resource}/{id}`));
  const data = keyed(raw, 'data');
  if (method !== 'DELETE' && !isPlainObject(data))
    return fail(
      invalidValue(
        `Operations[${index}]: ${method} needs "data": the ${method === 'PATCH' ? 'PatchOp' : 'resource'} object`,
      ),
    );
  const versionRaw = keyed(raw, 'version');
  const refs = referencesIn(method === 'DELETE' ? undefined : data);
  if (id) referencesIn(id, refs);
  return {
    index,
    method,
    ...(bulkId ? { bulkId } : {}),
    ...(typeof versionRaw === 'string' && versionRaw ? { version: versionRaw } : {}),
    resource,
    ...(id ? { id } : {}),
    ...(method === 'DELETE' ? {} : { data }),
    refs: [...refs],
  };
}

/** Reads a BulkRequest; throws 400 for an unreadable request and 413 `tooMany` over `maxOperations`. */
export function parseBulkRequest(body: unknown, o: { maxOperations: number }): BulkRequest {
  if (!isPlainObject(body)) throw invalidSyntax('a bulk request must be a JSON object with "Operations"');
  const schemas = keyed(body, 'schemas');
  if (
    Array.isArray(schemas) &&
    schemas.length &&
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())
  ) {
    throw invalidValue(`a bulk request must list the schema ${BULK_REQUEST_SCHEMA}`);
  }
  const ops = keyed(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0)
    throw invalidSyntax('a bulk request needs "Operations": a non-empty list');
  if (ops.length > o.maxOperations)
    throw new ScimError(
      413,
      `the bulk request has ${ops.length} operations; the maximum is ${o.maxOperations} (maxOperations in /ServiceProviderConfig)`,
      'tooMany',
    );
  const foe = keyed(body, 'failOnErrors');
  if (foe !== undefined && foe !== null && !(typeof foe === 'number' && Number.isInteger(foe) && foe >= 1))
    throw invalidValue('failOnErrors must be an integer of 1 or more');
  const operations = ops.map(readOperation);
  const seen = new Map<string, number>();
  for (const op of operations) {
    if (!('resource' in op) || op.method !== 'POST' || !op.bulkId) continue;
    if (seen.has(op.bulkId))
      throw invalidValue(
        `bulkId "${op.bulkId}" is used by Operations[${seen.get(op.bulkId)}] and Operations[${op.index}]; each POST needs its own`,
      );
    seen.set(op.bulkId, op.index);
  }
  return { ...(typeof foe === 'number' ? { failOnErrors: foe } : {}), operations };
}

/** The POST operation defining each bulkId. */
export function bulkIdOwners(req: BulkRequest): Map<string, BulkOperation> {
  const owners = new Map<string, BulkOperation>();
  for (const op of req.operations) if ('resource' in op && op.method === 'POST' && op.bulkId) owners.set(op.bulkId, op);
  return owners;
}

/**
 * The operations of a reference cycle (a POST that needs, directly or not, an id only it can create), and
 * those that depend on one: they cannot run.
 */
export function operationsInCycles(req: BulkRequest): Set<number> {
  const owners = bulkIdOwners(req);
  const state = new Map<number, 'visiting' | 'ok' | 'cyclic'>();
  const visit = (op: BulkOperation): boolean => {
    const s = state.get(op.index);
    if (s === 'visiting' || s === 'cyclic') return true;
    if (s === 'ok') return false;
    state.set(op.index, 'visiting');
    let cyclic = false;
    for (const r of op.refs) {
      const owner = owners.get(r);
      if (owner && visit(owner)) cyclic = true;
    }
    state.set(op.index, cyclic ? 'cyclic' : 'ok');
    return cyclic;
  };
  const out = new Set<number>();
  for (const op of req.operations) if ('resource' in op && visit(op)) out.add(op.index);
  return out;
}

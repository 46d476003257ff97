/**
 * Applies MongoDB update documents with mingo, after the checks mingo skips and MongoDB makes (mingo
 * silently ignores `$inc` on a string, conflicting paths, or a changed `_id`): both engines then reject the
 * same updates. A replacement document (no operators) is refused, as the driver's updateOne refuses it.
 */
import { update as mingoUpdate } from 'mingo/updater';
import { isEqual } from 'mingo/util';
import { UPDATE_QUERY_OPTIONS } from './mingo-filter.js';
import { cloneDoc, copyValue } from './doc-codec.js';
import type { Doc, Update } from './store.js';

export class InvalidUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidUpdateError';
  }
}

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$rename',
  '$currentDate',
  '$setOnInsert',
]);
const NUMERIC = new Set(['$inc', '$mul']);
const ARRAY = new Set(['$push', '$addToSet', '$pop', '$pull', '$pullAll']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
const overlaps = (a: string, b: string) => a === b || a.startsWith(b + '.') || b.startsWith(a + '.');

export function checkUpdate(update: Update): void {
  if (!isPlainObject(update) || Object.keys(update).length === 0)
    throw new InvalidUpdateError('an update must be a non-empty object of update operators');
  const paths: string[] = [];
  for (const [op, args] of Object.entries(update)) {
    if (!OPERATORS.has(op))
      throw new InvalidUpdateError(`unsupported update operator "${op}" (replacement documents are not supported)`);
    if (!isPlainObject(args)) throw new InvalidUpdateError(`${op} needs an object of paths`);
    for (const [path, arg] of Object.entries(args)) {
      if (NUMERIC.has(op) && typeof arg !== 'number')
        throw new InvalidUpdateError(`${op} needs a number for "${path}"`);
      paths.push(path);
      if (op === '$rename') paths.push(String(arg));
    }
  }
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      if (overlaps(paths[i], paths[j]))
        throw new InvalidUpdateError(`updating the path "${paths[i]}" would create a conflict at "${paths[j]}"`);
    }
  }
}

/** The value at a plain dotted path, or `undefined` (missing) — `null` when an array or positional part makes it unknowable here. */
function plainValue(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (part.startsWith('$') || Array.isArray(cur)) return null;
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function checkTargets(doc: Doc, update: Update): void {
  for (const [op, args] of Object.entries(update)) {
    if (!NUMERIC.has(op) && !ARRAY.has(op)) continue;
    for (const path of Object.keys(args as object)) {
      const v = plainValue(doc, path);
      if (v === undefined || v === null) continue;
      if (NUMERIC.has(op) && typeof v !== 'number')
        throw new InvalidUpdateError(`cannot apply ${op} to the non-numeric field "${path}"`);
      if (ARRAY.has(op) && !Array.isArray(v))
        throw new InvalidUpdateError(`cannot apply ${op} to the non-array field "${path}"`);
    }
  }
}

/**
 * The new version of `doc` (a fresh copy), or null when the update changes nothing. When `inserting`,
 * `$setOnInsert` applies like `$set`; otherwise it is ignored.
 */
export function applyUpdate(doc: Doc, update: Update, inserting: boolean): Doc | null {
  const { $setOnInsert, ...ops } = update as Record<string, Record<string, unknown>>;
  const draft = cloneDoc(doc);
  if (inserting && $setOnInsert) ops.$set = { ...ops.$set, ...$setOnInsert };
  if (ops.$set && '_id' in ops.$set) {
    // mingo refuses any write to _id: on insert it is the new document's id, later only the same value is allowed
    const { _id, ...rest } = ops.$set;
    if (inserting) draft._id = _id as string;
    else if (_id !== doc._id) throw new InvalidUpdateError('the field "_id" is immutable');
    ops.$set = rest;
    if (Object.keys(rest).length === 0) delete ops.$set;
  }
  if (Object.keys(ops).length === 0) return inserting ? cloneDoc(draft) : null;
  if (isDirect(draft, ops)) return applyTopLevel(draft, ops, inserting);
  checkTargets(draft, ops);
  let changed: string[];
  try {
    changed = mingoUpdate(draft, ops as Parameters<typeof mingoUpdate>[1], undefined, undefined, {
      cloneMode: 'copy',
      queryOptions: UPDATE_QUERY_OPTIONS,
    });
  } catch (err) {
    throw new InvalidUpdateError((err as Error).message);
  }
  if (!inserting && changed.length === 0) return null;
  if (!inserting && draft._id !== doc._id) throw new InvalidUpdateError('the field "_id" is immutable');
  return cloneDoc(draft);
}

const topLevel = (path: string) => path.length > 0 && path[0] !== '$' && !path.includes('.') && path !== '__proto__';
const DIRECT = new Set(['$set', '$unset', '$inc', '$max', '$min']);
/** A number mingo and MongoDB compare and add as plain numbers (NaN orders apart from them). */
const plainNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/**
 * Top-level fields only, with `$set`/`$unset` (how whole-document replacements are written, see the directory)
 * and `$inc`/`$max`/`$min` of numbers onto numbers or missing fields (the events counter): the cases
 * `applyTopLevel` answers exactly as mingo does. Anything else (dotted paths, arrays, other types) goes to mingo.
 */
function isDirect(draft: Doc, ops: Record<string, Record<string, unknown>>): boolean {
  const target = draft as Record<string, unknown>;
  for (const op of Object.keys(ops)) {
    if (!DIRECT.has(op)) return false;
    const args = ops[op];
    if (!isPlainObject(args)) return false;
    for (const field of Object.keys(args)) {
      if (!topLevel(field)) return false;
      if (op === '$set' || op === '$unset') continue;
      const current = target[field];
      if (!plainNumber(args[field]) || (current !== undefined && !plainNumber(current))) return false;
    }
  }
  return true;
}

/**
 * The same result as mingo for the updates `isDirect` accepts (a field set to an equal value — by mingo's
 * equality — is not a change), without building an update context per call. `draft` is already a private copy.
 */
function applyTopLevel(draft: Doc, ops: Record<string, Record<string, unknown>>, inserting: boolean): Doc | null {
  let changed = false;
  const target = draft as Record<string, unknown>;
  for (const [field, value] of Object.entries(ops.$set ?? {})) {
    const next = copyValue(value);
    if (field in target && isEqual(target[field], next)) continue;
    target[field] = next;
    changed = true;
  }
  for (const field of Object.keys(ops.$unset ?? {})) {
    if (field === '_id') throw new InvalidUpdateError('the field "_id" is immutable');
    if (!(field in target)) continue;
    delete target[field];
    changed = true;
  }
  for (const [field, by] of Object.entries(ops.$inc ?? {})) {
    const current = target[field] as number | undefined;
    const next = (current || 0) + (by as number);
    target[field] = next; // as mingo: -0 + 0 is written as 0 without counting as a change
    if (next !== current) changed = true;
  }
  for (const [field, value] of Object.entries(ops.$max ?? {})) {
    const current = target[field] as number | undefined;
    if (current !== undefined && current >= (value as number)) continue;
    target[field] = value;
    changed = true;
  }
  for (const [field, value] of Object.entries(ops.$min ?? {})) {
    const current = target[field] as number | undefined;
    if (current !== undefined && current <= (value as number)) continue;
    target[field] = value;
    changed = true;
  }
  return changed || inserting ? draft : null;
}

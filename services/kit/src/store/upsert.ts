/**
 * Upsert rules shared by both adapters. MongoDB seeds an upserted document with the filter's equality
 * fields; when none of them is `_id` it would invent an ObjectId, so both adapters add a string id
 * (`newId()`) as `$setOnInsert._id` first: ids stay strings whichever engine runs.
 */
import { newId } from '../ids.js';
import type { Filter, Update } from './store.js';

const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v instanceof RegExp) &&
  Object.keys(v).length > 0 &&
  Object.keys(v).every((k) => k.startsWith('$'));

/** `field: literal` and `field: {$eq: v}` at the top level and inside top-level `$and`, as MongoDB copies them. */
export function equalityFields(filter: Filter): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (f: Filter): void => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const part of value) if (part && typeof part === 'object') visit(part as Filter);
      } else if (key.startsWith('$') || value instanceof RegExp) {
        continue;
      } else if (isOperatorObject(value)) {
        if ('$eq' in value && !(value.$eq instanceof RegExp)) out.set(key, value.$eq);
      } else {
        out.set(key, value);
      }
    }
  };
  visit(filter);
  return out;
}

/** The update to send for an upsert: unchanged when the filter or the update already fixes `_id`. */
export function withUpsertId(filter: Filter, update: Update): Update {
  if (equalityFields(filter).has('_id')) return update;
  const onInsert = (update.$setOnInsert ?? {}) as Record<string, unknown>;
  const set = (update.$set ?? {}) as Record<string, unknown>;
  if ('_id' in onInsert || '_id' in set) return update;
  return { ...update, $setOnInsert: { ...onInsert, _id: newId() } };
}

/**
 * Index keys as MongoDB builds them, encoded as strings for hash lookups: a dotted path steps through one
 * level of array implicitly (multikey), a missing field is indexed as null, a leaf array contributes each
 * element (an empty one contributes its own "empty array" key), and null and missing share one key.
 */
import { toEJSON } from './doc-codec.js';

const EMPTY_ARRAY_KEY = 'e';
const NULL_KEY = 'z';

/** An object with Object.prototype or no prototype: a document's own data (no array, Date, ObjectId, class). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Values the planner may look up in an index: their encoding is equality as both engines define it. */
export function isPlannable(v: unknown): v is string | number | boolean | Date {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return !Number.isNaN(v);
    default:
      return v instanceof Date && !Number.isNaN(v.getTime());
  }
}

export function encodeValue(v: unknown): string {
  if (v === null || v === undefined) return NULL_KEY;
  switch (typeof v) {
    case 'string':
      return 's' + v;
    case 'number':
      return 'n' + (v === 0 ? '0' : String(v)); // -0 and 0 are equal
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v instanceof Date) return 'd' + v.getTime();
  return 'o' + toEJSON(v); // embedded documents, nested arrays, ObjectId: compared field by field in order
}

export interface PathKeys {
  /** Encoded, de-duplicated keys of the values at the path. */
  keys: string[];
  /** The path prefix of the array that made this path multikey, if any. */
  arrayAt: string | null;
}

export function pathKeys(doc: unknown, parts: readonly string[]): PathKeys {
  const out = new Set<string>();
  let arrayAt: string | null = null;
  const visit = (value: unknown, i: number, traversedArray: boolean): void => {
    if (i === parts.length) {
      if (Array.isArray(value)) {
        arrayAt ??= parts.join('.');
        if (value.length === 0) out.add(EMPTY_ARRAY_KEY);
        for (const el of value) out.add(encodeValue(el));
      } else out.add(encodeValue(value));
      return;
    }
    if (Array.isArray(value) && !traversedArray) {
      arrayAt ??= parts.slice(0, i).join('.');
      if (value.length === 0) out.add(NULL_KEY); // an empty array on the way counts as missing
      for (const el of value) visit(el, i, true);
      return;
    }
    if (isPlainObject(value) && value[parts[i]] !== undefined) visit(value[parts[i]], i + 1, false);
    else out.add(NULL_KEY);
  };
  visit(doc, 0, false);
  return { keys: [...out], arrayAt };
}

/**
 * Joins encoded components so that no two different tuples give the same string. `Array.join` builds one flat
 * string; `+` would build a chain of three V8 cons strings (plus the parts they point to) that an index keeps
 * as its key: about 125 bytes more per key, and the directory holds several keys per user and per event.
 */
export function joinKey(prefix: string, component: string): string {
  return [prefix, component.length, ':', component].join('');
}

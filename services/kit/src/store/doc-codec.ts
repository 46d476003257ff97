/**
 * How documents are copied and written down. A copy holds exactly what the MongoDB driver would store:
 * Dates and ObjectIds survive, `undefined` becomes null (the driver's default `ignoreUndefined: false`),
 * functions are dropped. Plain objects, arrays, Dates and primitives — what documents are made of here — are
 * copied directly; anything else (ObjectId, Binary, RegExp, bigint, …) takes a BSON round trip, which is the
 * reference behaviour (structuredClone would strip ObjectId's prototype). Files use canonical EJSON.
 */
import { BSON } from 'mongodb';

const { EJSON } = BSON;

/** Nesting beyond this goes through BSON, which rejects cycles and over-deep documents as the driver does. */
const MAX_DIRECT_DEPTH = 64;

const viaBson = (value: unknown): unknown =>
  BSON.deserialize(BSON.serialize({ v: value }, { ignoreUndefined: false })).v;

/** A copy of one field value, as it would be stored (see `cloneDoc`). */
export function copyValue(value: unknown, depth = 0): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
    return value;
  if (typeof value !== 'object' || depth > MAX_DIRECT_DEPTH) return viaBson(value);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++)
      out[i] = typeof value[i] === 'function' ? null : copyValue(value[i], depth + 1);
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || typeof (value as { toBSON?: unknown }).toBSON === 'function')
    return viaBson(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'function') continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: copyValue(v, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = copyValue(v, depth + 1);
  }
  return out;
}

export function cloneDoc<T extends object>(doc: T): T {
  return copyValue(doc, 0) as T;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63 - 1;

/** A number as canonical EJSON writes it (bson's `serializeValue` with `relaxed: false`). */
function numberEJSON(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    if (n >= INT32_MIN && n <= INT32_MAX) return `{"$numberInt":"${n}"}`;
    if (n >= INT64_MIN && n <= INT64_MAX) return `{"$numberLong":"${n}"}`;
  }
  return `{"$numberDouble":"${Object.is(n, -0) ? '-0.0' : String(n)}"}`;
}

/**
 * Canonical EJSON of what documents are made of here (plain objects, arrays, strings, numbers, booleans,
 * null, valid Dates), written straight to a string: the same text `EJSON.stringify(v, {relaxed: false})` makes,
 * without its intermediate copy and its per-object cycle check. undefined at anything else (the caller then
 * leaves the whole value to the bson library).
 */
function directEJSON(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberEJSON(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null'; // as bson writes it (ignoreUndefined: false)
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth > MAX_DIRECT_DEPTH) return undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = directEJSON(value[i], depth + 1);
      if (item === undefined) return undefined;
      out += (i ? ',' : '') + item;
    }
    return out + ']';
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Date.prototype) {
    const ms = (value as Date).getTime();
    return Number.isNaN(ms) ? undefined : `{"$date":{"$numberLong":"${ms}"}}`;
  }
  if ((proto !== Object.prototype && proto !== null) || '_bsontype' in value || 'toJSON' in value) return undefined;
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const item = directEJSON((value as Record<string, unknown>)[key], depth + 1);
    if (item === undefined) return undefined;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + item;
    first = false;
  }
  return out + '}';
}

export function toEJSON(value: unknown): string {
  return directEJSON(value, 0) ?? EJSON.stringify(value, { relaxed: false });
}

/** Parses canonical EJSON back to native values (numbers, Dates). */
export function fromEJSON(text: string): unknown {
  return EJSON.parse(text, { relaxed: true });
}

/**
 * How documents are copied and written down. A copy holds exactly what the MongoDB driver would store:
 * Dates and ObjectIds survive, `undefined` becomes null (the driver's default `ignoreUndefined: false`),
 * functions are dropped. Plain objects, arrays, Dates and primitives — what documents are made of here — are
 * copied directly; anything else (ObjectId, Binary, RegExp, bigint, …) takes a BSON round trip, which is the
 * reference behaviour (structuredClone would strip ObjectId's prototype). Files use canonical EJSON.
 */
import { createRequire } from 'node:module';

// The `bson` package the MongoDB driver is built on, without loading the driver (about 20 MiB of resident
// memory per process). Its CommonJS build, the very copy the driver requires: the ObjectIds, Binaries, … a
// copy holds are then the driver's classes (`instanceof ObjectId` from 'mongodb' holds), which bson's ES
// module build, a second copy with classes of its own, would not give.
const { BSON } = createRequire(import.meta.url)('bson') as typeof import('bson');

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
function numberEJSON(n: number): object {
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    if (n >= INT32_MIN && n <= INT32_MAX) return { $numberInt: String(n) };
    if (n >= INT64_MIN && n <= INT64_MAX) return { $numberLong: String(n) };
  }
  return { $numberDouble: Object.is(n, -0) ? '-0.0' : String(n) };
}

/** Returned by `ejsonShape` at a value it leaves to the bson library. */
const NOT_PLAIN = Symbol('not plain');

/**
 * The canonical EJSON form of what documents are made of here (plain objects, arrays, strings, numbers,
 * booleans, null, valid Dates), for the native `JSON.stringify`: the same text `EJSON.stringify(v, {relaxed:
 * false})` makes, without its per-object cycle check. `NOT_PLAIN` at anything else.
 */
function ejsonShape(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return numberEJSON(value);
    case 'undefined':
      return null; // as bson writes it (ignoreUndefined: false)
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth > MAX_DIRECT_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = ejsonShape(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out[i] = item;
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Date.prototype) {
    const ms = (value as Date).getTime();
    return Number.isNaN(ms) ? NOT_PLAIN : { $date: { $numberLong: String(ms) } };
  }
  if ((proto !== Object.prototype && proto !== null) || '_bsontype' in value || 'toJSON' in value) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = ejsonShape((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true });
    else out[key] = item;
  }
  return out;
}

export function toEJSON(value: unknown): string {
  const shaped = ejsonShape(value, 0);
  return shaped === NOT_PLAIN ? EJSON.stringify(value, { relaxed: false }) : JSON.stringify(shaped);
}

/** Parses canonical EJSON back to native values (numbers, Dates). */
export function fromEJSON(text: string): unknown {
  return EJSON.parse(text, { relaxed: true });
}

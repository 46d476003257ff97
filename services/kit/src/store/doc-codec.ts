/**
 * How documents are copied and written down. A BSON round trip copies exactly what the MongoDB driver would
 * store (Dates and ObjectIds survive, `undefined` becomes null as with the driver's default
 * `ignoreUndefined: false`); structuredClone would strip ObjectId's prototype. Files use canonical EJSON.
 */
import { BSON } from 'mongodb';

const { EJSON } = BSON;

export function cloneDoc<T extends object>(doc: T): T {
  return BSON.deserialize(BSON.serialize(doc, { ignoreUndefined: false })) as T;
}

export function toEJSON(value: unknown): string {
  return EJSON.stringify(value, { relaxed: false });
}

/** Parses canonical EJSON back to native values (numbers, Dates). */
export function fromEJSON(text: string): unknown {
  return EJSON.parse(text, { relaxed: true });
}

/**
 * Okta's custom extension namespaces (`urn:okta:…`, e.g. `urn:okta:custom:group:1.0` with a group's
 * description, or an app's custom user attributes): kept as sent, whole, next to the schema-described
 * attributes. They are opaque to this service (no filter, no sort, no partial PATCH inside them): a PATCH or
 * PUT that names one replaces it, one that names it with `null` (or a PATCH remove) drops it.
 *
 * Stored as `customExtensions: [{schema, json}]` because URNs contain dots, which stored keys must not.
 */
import { invalidValue } from './scim-error.js';
import { isPlainObject } from './normalize.js';
import type { ScimObject } from './stored-layout.js';

/** The largest custom extension object kept, as JSON text. */
export const MAX_CUSTOM_EXTENSION_BYTES = 16 * 1024;

const FOREIGN = /^urn:okta:[a-z0-9][a-z0-9:._-]*$/i;

export function isForeignExtension(key: string): boolean {
  return FOREIGN.test(key);
}

/** Checks one custom extension value: an object of at most MAX_CUSTOM_EXTENSION_BYTES. */
export function checkForeignExtension(key: string, value: unknown): ScimObject {
  if (!isPlainObject(value)) throw invalidValue(`${key} must be an object of attributes`);
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > MAX_CUSTOM_EXTENSION_BYTES)
    throw invalidValue(`${key} is ${size} bytes; custom extensions are kept up to ${MAX_CUSTOM_EXTENSION_BYTES} bytes`);
  return value;
}

export type StoredCustomExtension = { schema: string; json: string };

/** The custom extensions of a representation → their stored form (absent when there are none). */
export function customExtensionsToStored(resource: ScimObject): StoredCustomExtension[] | undefined {
  const out = Object.entries(resource)
    .filter(([k, v]) => isForeignExtension(k) && isPlainObject(v))
    .map(([schema, v]) => ({ schema, json: JSON.stringify(v) }));
  return out.length ? out : undefined;
}

/** Adds stored custom extensions to a representation (under their URN, listed in `schemas`). */
export function addCustomExtensions(out: ScimObject, stored: unknown) {
  if (!Array.isArray(stored)) return;
  for (const e of stored) {
    if (!isPlainObject(e) || typeof e.schema !== 'string' || typeof e.json !== 'string') continue;
    out[e.schema] = JSON.parse(e.json);
    if (Array.isArray(out.schemas) && !out.schemas.includes(e.schema)) out.schemas.push(e.schema);
  }
}

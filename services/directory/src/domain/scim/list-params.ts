/**
 * List parameters (RFC 7644 §3.4.2), from a query string or a `.search` body (§3.4.3):
 * - `startIndex`: 1-based; below 1 → 1; not an integer → 400 invalidValue;
 * - `count`: default and maximum from the options; negative → 0; above the maximum → the maximum; not an
 *   integer → 400 invalidValue (Okta pages by 100: keep the maximum at 100 or more);
 * - `sortOrder`: `ascending` (default) or `descending`, any case; anything else → 400 invalidValue;
 * - `attributes` / `excludedAttributes`: comma-separated lists, or JSON arrays in a search body.
 * Parameter names are matched case-insensitively; a scalar parameter given twice is refused.
 */
import { invalidFilter, invalidSyntax, invalidValue } from './scim-error.js';
import { isPlainObject } from './normalize.js';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export type SortOrder = 'ascending' | 'descending';

export interface ListParamsOptions {
  defaultPageSize: number;
  maxPageSize: number;
}

export interface ListParams {
  filter?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: SortOrder;
  attributes: string[];
  excludedAttributes: string[];
}

function lookup(params: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : params[key];
}

/** The parameters by lower-cased name, made once per request (names are matched case-insensitively). */
type Named = Map<string, unknown>;
function byName(params: Record<string, unknown>): Named {
  const named: Named = new Map();
  for (const k in params) {
    if (!Object.prototype.hasOwnProperty.call(params, k)) continue;
    const l = k.toLowerCase();
    if (!named.has(l)) named.set(l, params[k]);
  }
  return named;
}

function scalar(params: Named, name: string): unknown {
  const v = params.get(name.toLowerCase());
  if (Array.isArray(v)) {
    if (v.length > 1) throw invalidValue(`${name} is given ${v.length} times; give it once`);
    return v[0];
  }
  return v;
}

function integer(params: Named, name: string): number | undefined {
  const v = scalar(params, name);
  if (v === undefined || v === null || v === '') return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
  else n = NaN;
  if (!Number.isInteger(n)) throw invalidValue(`${name} must be an integer (got ${JSON.stringify(v)})`);
  return Math.max(Math.min(n, Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
}

/** `ascending` (also when absent or empty) or `descending`, case-insensitive; else 400 invalidValue. */
export function parseSortOrder(v: unknown): SortOrder {
  if (v === undefined || v === null || v === '') return 'ascending';
  if (typeof v === 'string') {
    const l = v.trim().toLowerCase();
    if (l === 'ascending' || l === 'descending') return l;
  }
  throw invalidValue(`sortOrder must be "ascending" or "descending" (got ${JSON.stringify(v)})`);
}

/** `"a, b,c"` or `["a", "b,c"]` → `["a", "b", "c"]`. */
export function splitAttributeList(v: unknown, name = 'attributes'): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v)) return v.flatMap((x) => splitAttributeList(x, name));
  throw invalidValue(`${name} must be a comma-separated list of attribute names`);
}

export function parseListParams(raw: Record<string, unknown>, o: ListParamsOptions): ListParams {
  const params = byName(raw);
  const filter = scalar(params, 'filter');
  if (filter !== undefined && filter !== null && typeof filter !== 'string')
    throw invalidFilter('Invalid filter: must be a string');
  const sortBy = scalar(params, 'sortBy');
  if (sortBy !== undefined && sortBy !== null && typeof sortBy !== 'string')
    throw invalidValue('sortBy must be an attribute name');
  const startIndex = Math.max(1, integer(params, 'startIndex') ?? 1);
  const requested = integer(params, 'count');
  const count = Math.min(Math.max(requested ?? o.defaultPageSize, 0), o.maxPageSize);
  return {
    ...(typeof filter === 'string' && filter.trim() ? { filter } : {}),
    startIndex,
    count,
    ...(typeof sortBy === 'string' && sortBy.trim() ? { sortBy: sortBy.trim() } : {}),
    sortOrder: parseSortOrder(scalar(params, 'sortOrder')),
    attributes: splitAttributeList(params.get('attributes'), 'attributes'),
    excludedAttributes: splitAttributeList(params.get('excludedattributes'), 'excludedAttributes'),
  };
}

/** A `POST …/.search` body: it must list the SearchRequest schema. */
export function parseSearchRequest(body: unknown, o: ListParamsOptions): ListParams {
  if (!isPlainObject(body)) throw invalidSyntax('a search request must be a JSON object');
  const schemas = lookup(body, 'schemas');
  const listed =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase());
  if (!listed) throw invalidValue(`a search request must list the schema ${SEARCH_REQUEST_SCHEMA}`);
  return parseListParams(body, o);
}

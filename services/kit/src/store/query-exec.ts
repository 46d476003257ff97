/**
 * Runs a plan: walks candidates in `_id` order, lets mingo judge them unless the plan is exact, and stops as
 * soon as skip + limit are served. An exact single-bucket plan sorted by `_id` is answered by position, so a
 * page costs its own size. Any other sort collects the matches and lets mingo sort them (stable, so ties stay
 * in `_id` order).
 */
import { cloneDoc } from './doc-codec.js';
import { isPlainObject, isPlannable } from './index-keys.js';
import { compileFilter, findIn } from './mingo-filter.js';
import { analyseFilter, choosePlan, type IdRange, type Plan, type PlanSource } from './planner.js';
import type { SortedIds } from './sorted-ids.js';
import type { Doc, Filter, FindOptions, Projection } from './store.js';

export interface ReadSource extends PlanSource {
  docs: ReadonlyMap<string, Doc>;
}

export interface QueryStats {
  plan: Plan['kind'];
  index?: string;
  exact: boolean;
  /** Documents read (and, unless exact, tested with mingo). */
  examined: number;
  returned: number;
}

function inRange(id: string, r: IdRange | null): boolean {
  if (!r) return true;
  if (r.lower !== undefined && (id < r.lower || (id === r.lower && !r.lowerInclusive))) return false;
  if (r.upper !== undefined && (id > r.upper || (id === r.upper && !r.upperInclusive))) return false;
  return true;
}

/** Positions [start, end) of the range's ids inside one bucket. */
function positions(bucket: SortedIds, r: IdRange | null): [number, number] {
  const start = r?.lower === undefined ? 0 : bucket.rank(r.lower, !r.lowerInclusive);
  const end = r?.upper === undefined ? bucket.size : bucket.rank(r.upper, r.upperInclusive === true);
  return [start, Math.max(start, end)];
}

function* candidates(plan: Plan, range: IdRange | null, reverse: boolean): Generator<string> {
  if (plan.buckets?.length === 1) {
    const [start, end] = positions(plan.buckets[0], range);
    yield* plan.buckets[0].slice(start, end, reverse);
    return;
  }
  let ids = plan.ids;
  if (!ids) {
    const union = new Set<string>();
    for (const b of plan.buckets ?? []) for (const id of b) union.add(id);
    ids = [...union].sort();
  }
  ids = ids.filter((id) => inRange(id, range));
  if (reverse) ids.reverse();
  yield* ids;
}

const sortIsById = (sort: Record<string, 1 | -1> | undefined) =>
  !sort || (Object.keys(sort).length === 1 && '_id' in sort) || Object.keys(sort).length === 0;

export function project(docs: Doc[], projection: Projection | undefined): Doc[] {
  const shaped = projection && Object.keys(projection).length > 0 ? (findIn(docs, projection).all() as Doc[]) : docs;
  return shaped.map(cloneDoc);
}

interface Matcher {
  test(doc: Doc): boolean;
}

const isScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v));

/** A path part the direct test can follow on plain objects (`$`-operators and `__proto__` are mingo's). */
const plainPart = (p: string) => p.length > 0 && p[0] !== '$' && p !== '__proto__';

/** Sentinel: the path reaches an array or an object that is not plain, where MongoDB's rules are mingo's to apply. */
const UNSURE = Symbol('unsure');

/** The value at `parts` through plain objects; undefined when a part is missing or a scalar is in the way. */
function plainAt(doc: Doc, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) {
      if (cur === null || typeof cur !== 'object') return undefined;
      if (!isPlainObject(cur)) return UNSURE;
    }
    cur = (cur as Record<string, unknown>)[parts[i]];
    if (Array.isArray(cur)) return UNSURE;
  }
  return cur;
}

/**
 * The residual of most point reads and writes is a conjunction of fields equal to strings, booleans or numbers
 * (`{tenantId, connectorId}` after an `_id` lookup, `{tenantId, 'meta.version'}` of a compare-and-set write).
 * Those are tested directly; a document where the path meets an array (where MongoDB equality also matches an
 * element) or an object that is not plain is left to mingo, compiled on first need.
 */
function compileResidual(filter: Filter): Matcher {
  const keys = Object.keys(filter);
  const paths = keys.map((k) => k.split('.'));
  const simple = keys.every((k, i) => paths[i].every(plainPart) && isScalar(filter[k]));
  if (!simple) return compileFilter(filter);
  let full: Matcher | null = null;
  return {
    test(doc) {
      for (let i = 0; i < keys.length; i++) {
        const expected = filter[keys[i]];
        const actual = paths[i].length === 1 ? doc[keys[i]] : plainAt(doc, paths[i]);
        if (actual === expected) continue;
        if (actual === UNSURE || Array.isArray(actual)) return (full ??= compileFilter(filter)).test(doc);
        return false;
      }
      return true;
    },
  };
}

/**
 * What mingo still has to check for candidates of `plan`. Candidates of an `ids` plan are exactly the
 * documents whose `_id` is one of the listed values, so a top-level `_id` equality or `$in` is dropped: testing
 * `$in` against a list of n ids for each of n candidates would cost n² (a group of 100,000 members).
 */
function residualQuery(filter: Filter, plan: Plan): Matcher | null {
  if (plan.exact) return null;
  if (plan.kind === 'ids' && '_id' in filter) {
    const cond = filter._id;
    const byValue =
      isPlannable(cond) ||
      (cond !== null &&
        typeof cond === 'object' &&
        !Array.isArray(cond) &&
        Object.keys(cond).length === 1 &&
        ('$in' in cond || '$eq' in cond));
    if (byValue) {
      const { _id, ...rest } = filter;
      return Object.keys(rest).length ? compileResidual(rest) : null;
    }
  }
  return compileResidual(filter);
}

/** Matching stored documents (not copies) with the query's statistics. */
export function select(
  source: ReadSource,
  filter: Filter,
  options: FindOptions = {},
): { docs: Doc[]; stats: QueryStats } {
  const shape = analyseFilter(filter);
  const plan = choosePlan(shape, source);
  const query = residualQuery(filter, plan);
  const skip = Math.max(0, options.skip ?? 0);
  const limit = options.limit ? Math.abs(options.limit) : Infinity;
  const stats: QueryStats = { plan: plan.kind, index: plan.index, exact: plan.exact, examined: 0, returned: 0 };
  let out: Doc[] = [];

  if (sortIsById(options.sort)) {
    const reverse = options.sort?._id === -1;
    const single = plan.buckets?.length === 1 ? plan.buckets[0] : null;
    if (plan.exact && single) {
      const [start, end] = positions(single, shape.idRange);
      const ids = reverse
        ? single.slice(Math.max(start, end - skip - limit), end - skip, true)
        : single.slice(start + skip, Math.min(end, start + skip + limit));
      for (const id of ids) out.push(source.docs.get(id)!);
      stats.examined = out.length;
    } else {
      let toSkip = skip;
      for (const id of candidates(plan, shape.idRange, reverse)) {
        const doc = source.docs.get(id);
        if (!doc) continue;
        stats.examined++;
        if (query && !query.test(doc)) continue;
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        out.push(doc);
        if (out.length >= limit) break;
      }
    }
  } else {
    const matches: Doc[] = [];
    for (const id of candidates(plan, shape.idRange, false)) {
      const doc = source.docs.get(id);
      if (!doc) continue;
      stats.examined++;
      if (!query || query.test(doc)) matches.push(doc);
    }
    const cursor = findIn(matches).sort(options.sort!).skip(skip);
    out = (Number.isFinite(limit) ? cursor.limit(limit) : cursor).all() as Doc[];
  }
  stats.returned = out.length;
  return { docs: out, stats };
}

export function count(source: ReadSource, filter: Filter): { count: number; stats: QueryStats } {
  const shape = analyseFilter(filter);
  const plan = choosePlan(shape, source);
  if (plan.exact && plan.buckets?.length === 1) {
    const [start, end] = positions(plan.buckets[0], shape.idRange);
    return { count: end - start, stats: { plan: plan.kind, index: plan.index, exact: true, examined: 0, returned: 0 } };
  }
  const { docs, stats } = select(source, filter);
  return { count: docs.length, stats };
}

/**
 * Matches for a write inside a batch: stored documents not touched by the batch, plus the batch's own
 * versions (`staged`, null = deleted). In `_id` order; only the first when `one`.
 */
export function selectForWrite(
  source: ReadSource,
  filter: Filter,
  staged: ReadonlyMap<string, Doc | null>,
  one: boolean,
): Doc[] {
  const shape = analyseFilter(filter);
  const plan = choosePlan(shape, source);
  const query = residualQuery(filter, plan);
  const out: Doc[] = [];
  for (const id of candidates(plan, shape.idRange, false)) {
    if (staged.has(id)) continue;
    const doc = source.docs.get(id);
    if (!doc || (query && !query.test(doc))) continue;
    out.push(doc);
    if (one) break;
  }
  if (staged.size === 0) return out;
  const full = compileFilter(filter);
  for (const doc of staged.values()) if (doc && full.test(doc)) out.push(doc);
  out.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  return one ? out.slice(0, 1) : out;
}

/**
 * Chooses where a query's candidates come from: the `_id` map, one index (the equalities at the top level
 * or in a top-level `$and` covering a prefix of its keys), or the whole collection. Candidates are always a
 * superset of the matches; when the filter is nothing but what the plan answers (`exact`), mingo is skipped
 * and a single bucket can be paged by position.
 */
import { encodeValue, isPlannable, joinKey } from './index-keys.js';
import type { IndexTable } from './index-table.js';
import type { SortedIds } from './sorted-ids.js';
import type { Filter } from './store.js';

export interface IdRange {
  lower?: string;
  lowerInclusive?: boolean;
  upper?: string;
  upperInclusive?: boolean;
}

export interface FilterShape {
  /** Plannable equalities by path: one value (`field: v`, `$eq`) or several (`$in`). */
  eq: Map<string, unknown[]>;
  /** String bounds on `_id` (`$gt/$gte/$lt/$lte`), applied while walking an id-ordered bucket. */
  idRange: IdRange | null;
  /** Nothing in the filter but those equalities and that range. */
  covered: boolean;
}

export interface Plan {
  kind: 'ids' | 'index' | 'scan';
  index?: string;
  /** Candidate ids in ascending order (kind `ids`), or the buckets holding them. */
  ids?: string[];
  buckets?: SortedIds[];
  exact: boolean;
  cost: number;
}

export interface PlanSource {
  ids: SortedIds;
  indexes: readonly IndexTable[];
}

const MAX_KEY_COMBINATIONS = 1000;

const isOperatorObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !(v instanceof RegExp) &&
  Object.keys(v).length > 0 &&
  Object.keys(v).every((k) => k.startsWith('$'));

function narrow(range: IdRange, op: string, bound: string): void {
  if (op === '$gt' || op === '$gte') {
    const inclusive = op === '$gte';
    if (range.lower === undefined || bound > range.lower || (bound === range.lower && !inclusive))
      Object.assign(range, { lower: bound, lowerInclusive: inclusive });
  } else {
    const inclusive = op === '$lte';
    if (range.upper === undefined || bound < range.upper || (bound === range.upper && !inclusive))
      Object.assign(range, { upper: bound, upperInclusive: inclusive });
  }
}

export function analyseFilter(filter: Filter): FilterShape {
  const shape: FilterShape = { eq: new Map(), idRange: null, covered: true };
  const addEq = (path: string, values: unknown[]) => {
    if (shape.eq.has(path))
      shape.covered = false; // two conditions on one path: mingo checks the other
    else shape.eq.set(path, values);
  };
  const visit = (f: Filter): void => {
    for (const [path, cond] of Object.entries(f)) {
      if (path === '$and' && Array.isArray(cond) && cond.every((c) => c !== null && typeof c === 'object')) {
        cond.forEach((c) => visit(c as Filter));
      } else if (path.startsWith('$')) {
        shape.covered = false;
      } else if (isPlannable(cond)) {
        addEq(path, [cond]);
      } else if (isOperatorObject(cond)) {
        const ops = Object.keys(cond);
        const rangeOps = ['$gt', '$gte', '$lt', '$lte'];
        if (path === '_id' && ops.every((op) => rangeOps.includes(op) && typeof cond[op] === 'string')) {
          shape.idRange ??= {};
          for (const op of ops) narrow(shape.idRange, op, cond[op] as string);
        } else if (ops.length === 1 && '$eq' in cond && isPlannable(cond.$eq)) {
          addEq(path, [cond.$eq]);
        } else if (ops.length === 1 && Array.isArray(cond.$in) && cond.$in.every(isPlannable)) {
          addEq(path, cond.$in);
        } else {
          shape.covered = false;
        }
      } else {
        shape.covered = false; // null, embedded documents, arrays, regular expressions: mingo decides
      }
    }
  };
  visit(filter);
  return shape;
}

/**
 * The index keys of a shape's equalities on a sequence of paths, shared by the indexes that start with the same
 * paths (most start with `tenantId`): each key string is made once per query, and reused strings hash once.
 */
interface KeyNode {
  keys: string[];
  next: Map<string, KeyNode | null>;
}

function extend(node: KeyNode, shape: FilterShape, path: string): KeyNode | null {
  let child = node.next.get(path);
  if (child !== undefined) return child;
  const values = shape.eq.get(path);
  child = null;
  if (values) {
    const encoded = values.length === 1 ? [encodeValue(values[0])] : [...new Set(values.map(encodeValue))];
    if (node.keys.length * encoded.length <= MAX_KEY_COMBINATIONS)
      child = { keys: node.keys.flatMap((p) => encoded.map((e) => joinKey(p, e))), next: new Map() };
  }
  node.next.set(path, child);
  return child;
}

function indexPlan(index: IndexTable, shape: FilterShape, root: KeyNode): Plan | null {
  let node = root;
  let k = 0;
  for (; k < index.depth; k++) {
    const next = extend(node, shape, index.fields[k]);
    if (!next) break;
    node = next;
  }
  if (k === 0) return null;
  const buckets: SortedIds[] = [];
  let cost = 0;
  for (const key of node.keys) {
    const b = index.bucket(k - 1, key);
    if (b === undefined) continue;
    buckets.push(b);
    cost += b.size;
  }
  return { kind: 'index', index: index.name, buckets, exact: shape.covered && shape.eq.size === k, cost };
}

export function choosePlan(shape: FilterShape, source: PlanSource): Plan {
  let best: Plan = {
    kind: 'scan',
    buckets: [source.ids],
    exact: shape.covered && shape.eq.size === 0,
    cost: source.ids.size,
  };
  // On equal cost: an exact plan first, then ids before an index before a scan (an ids plan does not re-test the
  // ids it was given; a scan re-tests everything, e.g. an $in of n ids for each of n documents).
  const rank = (p: Plan) => (p.kind === 'ids' ? 0 : p.kind === 'index' ? 1 : 2);
  const better = (p: Plan) =>
    p.cost < best.cost ||
    (p.cost === best.cost && ((p.exact && !best.exact) || (p.exact === best.exact && rank(p) < rank(best))));
  const idValues = shape.eq.get('_id');
  if (idValues) {
    const ids = [...new Set(idValues.filter((v): v is string => typeof v === 'string'))].sort();
    const plan: Plan = { kind: 'ids', ids, exact: shape.covered && shape.eq.size === 1, cost: ids.length };
    if (better(plan)) best = plan;
  }
  const root: KeyNode = { keys: [''], next: new Map() };
  for (const index of source.indexes) {
    const plan = indexPlan(index, shape, root);
    if (plan && better(plan)) best = plan;
  }
  return best;
}

/**
 * Compiles filters with mingo, with `$in`/`$nin` replaced: mingo's own do not look inside arrays reached
 * through an array of subdocuments (`{'b.c': {$in: [1]}}` misses `{b: [{c: [1]}, {c: 2}]}`), where MongoDB
 * does. Ours are an OR of mingo's `$eq` (or regex) tests, which do. mingo's default context cannot be
 * overridden (its operators win a merge), so this builds a complete query context of its own.
 *
 * The aggregation expression operators, which only `$expr` uses, are loaded the first time a filter has one:
 * they are most of mingo's code (about 9 MiB of resident memory per process), and no service filters with it.
 * For the same reason nothing in the store imports mingo's main entry, which loads every operator family
 * (pipeline, accumulator, window, expression; ~4 MiB more per process): sorting, projecting and updating go
 * through `findIn` and `UPDATE_QUERY_OPTIONS` below, with only the operators they use.
 */
import { createRequire } from 'node:module';
import { Context } from 'mingo/core';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import type { QueryOperator } from 'mingo/types';

type Predicate = (doc: unknown) => boolean;

function anyOf(selector: string, values: unknown): Predicate {
  if (!Array.isArray(values)) throw new TypeError(`$in/$nin needs an array (at "${selector}")`);
  const tests = (values as unknown[]).map(
    (v) => new Query({ [selector]: v instanceof RegExp ? v : { $eq: v } }, { context: CONTEXT }),
  );
  return (doc) => tests.some((q) => q.test(doc as Record<string, unknown>));
}

const $in = (selector: string, values: unknown): Predicate => anyOf(selector, values);
const $nin = (selector: string, values: unknown): Predicate => {
  const test = anyOf(selector, values);
  return (doc) => !test(doc);
};

// mingo types an operator as the intersection of every operator's signature; these have the query one
const QUERY_OPERATORS = {
  ...queryOperators,
  $in: $in as unknown as QueryOperator,
  $nin: $nin as unknown as QueryOperator,
};
const CONTEXT: Context = Context.init({ query: QUERY_OPERATORS });

// The same module instance `import` gives: mingo's package exports resolve to its CommonJS build under Node.
const requireMingo = createRequire(import.meta.url);
let withExpressions: Context | undefined;

/** True when `filter` has a `$expr` at any depth (under `$and`, `$or`, `$nor`, `$not`, `$elemMatch`, …). */
function usesExpr(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesExpr);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '$expr' || usesExpr((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function contextFor(filter: Record<string, unknown>): Context {
  if (!usesExpr(filter)) return CONTEXT;
  withExpressions ??= Context.init({
    query: QUERY_OPERATORS,
    expression: requireMingo('mingo/operators/expression') as typeof import('mingo/operators/expression'),
  });
  return withExpressions;
}

export function compileFilter(filter: Record<string, unknown>): Query {
  return new Query(filter, { context: contextFor(filter) });
}

/** mingo's standard query and projection operators: what sorting, projection and update conditions use. */
const PLAIN: Context = Context.init({ query: queryOperators, projection: projectionOperators });

/** A cursor over `docs` (all of them), to sort, skip, limit or project. */
export function findIn(docs: object[], projection?: Record<string, unknown>) {
  return new Query({}, { context: PLAIN }).find(docs, projection);
}

/** The query options mingo's updater needs for the conditions inside `$pull` and array filters. */
export const UPDATE_QUERY_OPTIONS = { context: PLAIN };

/**
 * Compiles filters with mingo, with `$in`/`$nin` replaced: mingo's own do not look inside arrays reached
 * through an array of subdocuments (`{'b.c': {$in: [1]}}` misses `{b: [{c: [1]}, {c: 2}]}`), where MongoDB
 * does. Ours are an OR of mingo's `$eq` (or regex) tests, which do. mingo's default context cannot be
 * overridden (its operators win a merge), so this builds a complete query context of its own.
 */
import { Context } from 'mingo';
import * as expressionOperators from 'mingo/operators/expression';
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
const CONTEXT: Context = Context.init({
  query: { ...queryOperators, $in: $in as unknown as QueryOperator, $nin: $nin as unknown as QueryOperator },
  expression: expressionOperators,
});

export function compileFilter(filter: Record<string, unknown>): Query {
  return new Query(filter, { context: CONTEXT });
}

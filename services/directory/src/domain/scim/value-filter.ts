/**
 * Evaluates a value filter (`emails[type eq "work"]`) on one element of a multi-valued attribute, in
 * memory, for PATCH paths. Sub-attribute names are case-insensitive; strings compare by the sub-attribute's
 * `caseExact`; booleans accept "True"/"False" on either side (Entra writes `roles[primary eq "True"]`).
 */
import { printFilter, type CompareNode, type FilterNode, type Literal } from './filter-parser.js';
import { coerceBoolean, isPlainObject, parseDateTime } from './normalize.js';
import { invalidPath } from './scim-error.js';
import { eqIgnoreCase, findAttribute, type AttributeDef } from './schema.js';

function subOf(attr: AttributeDef, node: { path: { uri?: string; attr: string; sub?: string } }): AttributeDef {
  const sub =
    node.path.uri === undefined && node.path.sub === undefined
      ? findAttribute(attr.subAttributes, node.path.attr)
      : undefined;
  if (!sub) throw invalidPath(`"${node.path.attr}" is not a sub-attribute of ${attr.name}`);
  return sub;
}

function read(el: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(el).find((x) => eqIgnoreCase(x, name));
  return k === undefined ? undefined : el[k];
}

const absent = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

function order(op: CompareNode['op'], c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
    default:
      return false;
  }
}

function compare(sub: AttributeDef, op: CompareNode['op'], actual: unknown, lit: Literal): boolean {
  if (lit === null) {
    if (op === 'eq') return absent(actual);
    if (op === 'ne') return !absent(actual);
    throw invalidPath(`"${op} null" is meaningless for ${sub.name}`);
  }
  if (sub.type === 'boolean') {
    const b = coerceBoolean(lit);
    if (b === undefined) throw invalidPath(`${sub.name} is a boolean; compare it with true or false`);
    if (op !== 'eq' && op !== 'ne') throw invalidPath(`"${op}" cannot compare booleans (${sub.name})`);
    const a = coerceBoolean(actual) ?? false; // an absent primary is not primary
    return op === 'eq' ? a === b : a !== b;
  }
  if (sub.type === 'dateTime') {
    const a = parseDateTime(actual);
    const b = parseDateTime(lit);
    if (!b) throw invalidPath(`${sub.name} is a date and time`);
    if (!a) return op === 'ne';
    return order(op, Math.sign(a.getTime() - b.getTime()));
  }
  if (sub.type === 'integer' || sub.type === 'decimal') {
    if (typeof lit !== 'number') throw invalidPath(`${sub.name} is a number`);
    if (typeof actual !== 'number') return op === 'ne';
    return order(op, Math.sign(actual - lit));
  }
  if (typeof lit !== 'string' && typeof lit !== 'number')
    throw invalidPath(`${sub.name} is a string; put the value in double quotes`);
  if (typeof actual !== 'string' && typeof actual !== 'number') return op === 'ne';
  let a = String(actual);
  let b = String(lit);
  if (!sub.caseExact) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return order(op, a < b ? -1 : a > b ? 1 : 0);
  }
}

/** Whether an element of `attr` matches the value filter. Non-object elements are read as `{value}`. */
export function matchesValueFilter(attr: AttributeDef, element: unknown, node: FilterNode): boolean {
  const el = isPlainObject(element) ? element : { value: element };
  switch (node.kind) {
    case 'and':
      return node.filters.every((f) => matchesValueFilter(attr, el, f));
    case 'or':
      return node.filters.some((f) => matchesValueFilter(attr, el, f));
    case 'not':
      return !matchesValueFilter(attr, el, node.filter);
    case 'valuePath':
      throw invalidPath(`value filters cannot be nested (${printFilter(node)})`);
    case 'present':
      subOf(attr, node);
      return !absent(read(el, node.path.attr));
    case 'compare': {
      const sub = subOf(attr, node);
      return compare(sub, node.op, read(el, sub.name), node.value);
    }
  }
}

/**
 * The element an `add` creates when its value filter matches nothing: the filter's equalities
 * (`type eq "work"` → `{type: "work"}`), or undefined when the filter is not a conjunction of equalities.
 */
export function seedFromFilter(attr: AttributeDef, node: FilterNode): Record<string, unknown> | undefined {
  const parts = node.kind === 'and' ? node.filters : [node];
  const seed: Record<string, unknown> = {};
  for (const p of parts) {
    if (p.kind !== 'compare' || p.op !== 'eq' || p.value === null) return undefined;
    seed[subOf(attr, p).name] = p.value;
  }
  return seed;
}

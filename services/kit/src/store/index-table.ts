/**
 * One secondary index of the embedded engine. A compound index keeps one bucket map per key prefix
 * (level i: the first i + 1 fields), so an equality on a prefix is a single bucket; every bucket holds its
 * ids in _id order, which answers `sort: {_id}` with skip/limit by position.
 */
import { joinKey, pathKeys } from './index-keys.js';
import { SortedIds } from './sorted-ids.js';
import { IndexKeyLimitError, type Doc, type IndexSpec } from './store.js';

const MAX_KEYS_PER_DOC = 10_000;

export class IndexTable {
  readonly name: string;
  readonly fields: readonly string[];
  /** Levels stop before an `_id` component: buckets are already in _id order. */
  readonly depth: number;
  /** A key that contains `_id` is unique by itself; nothing to enforce. */
  readonly enforceUnique: boolean;
  private readonly paths: string[][];
  private readonly levels: Map<string, SortedIds>[];

  constructor(
    readonly spec: IndexSpec,
    private readonly collection = '',
  ) {
    this.name = spec.name;
    this.fields = Object.keys(spec.keys);
    if (this.fields.length === 0) throw new TypeError(`index ${spec.name} has no keys`);
    for (const f of this.fields) {
      if (f.split('.').some((p) => p === '' || p.startsWith('$') || /^\d+$/.test(p))) {
        throw new TypeError(`index ${spec.name}: unsupported key path "${f}"`);
      }
    }
    const idAt = this.fields.indexOf('_id');
    this.depth = idAt === -1 ? this.fields.length : idAt;
    this.enforceUnique = spec.unique === true && idAt === -1;
    this.paths = this.fields.slice(0, this.depth).map((f) => f.split('.'));
    this.levels = this.paths.map(() => new Map<string, SortedIds>());
  }

  /** The keys of `doc` at every level, de-duplicated (a document may repeat a value in an array). */
  keysOf(doc: Doc): string[][] {
    const out: string[][] = [];
    let arrayAt: string | null = null;
    let prefixes = [''];
    for (let i = 0; i < this.depth; i++) {
      const pk = pathKeys(doc, this.paths[i]);
      if (pk.arrayAt !== null) {
        // MongoDB refuses documents in which two indexed paths go through different arrays
        if (arrayAt !== null && arrayAt !== pk.arrayAt)
          throw new Error(`cannot index parallel arrays [${arrayAt}] [${pk.arrayAt}] (index ${this.name})`);
        arrayAt = pk.arrayAt;
      }
      const next: string[] = [];
      for (const p of prefixes) for (const k of pk.keys) next.push(joinKey(p, k));
      if (next.length > MAX_KEYS_PER_DOC)
        throw new IndexKeyLimitError(
          this.collection,
          this.name,
          `too many index keys for one document (index ${this.name}, at most ${MAX_KEYS_PER_DOC})`,
        );
      out.push(next);
      prefixes = next;
    }
    return out;
  }

  add(id: string, keys: string[][]): void {
    keys.forEach((levelKeys, i) => {
      const level = this.levels[i];
      for (const k of levelKeys) {
        let bucket = level.get(k);
        if (!bucket) level.set(k, (bucket = new SortedIds()));
        bucket.add(id);
      }
    });
  }

  remove(id: string, keys: string[][]): void {
    keys.forEach((levelKeys, i) => {
      const level = this.levels[i];
      for (const k of levelKeys) {
        const bucket = level.get(k);
        if (bucket && bucket.delete(id) && bucket.size === 0) level.delete(k);
      }
    });
  }

  /** Moves `id` from its old keys to its new ones, touching only the keys that changed. */
  update(id: string, before: string[][], after: string[][]): void {
    const removed: string[][] = [];
    const added: string[][] = [];
    for (let i = 0; i < this.depth; i++) {
      const b = new Set(before[i]);
      const a = new Set(after[i]);
      removed.push(before[i].filter((k) => !a.has(k)));
      added.push(after[i].filter((k) => !b.has(k)));
    }
    this.remove(id, removed);
    this.add(id, added);
  }

  bucket(level: number, key: string): SortedIds | undefined {
    return this.levels[level].get(key);
  }

  /** Ids that currently hold a full unique key. */
  holders(fullKey: string): SortedIds | undefined {
    return this.levels[this.depth - 1].get(fullKey);
  }
}

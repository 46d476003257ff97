/**
 * The in-memory side of one embedded collection: documents by id, every id in order, and the secondary
 * indexes. Stored documents are never mutated (a change replaces the object), so readers and a snapshot in
 * progress can hold them safely.
 */
import { IndexTable } from './index-table.js';
import { SortedIds } from './sorted-ids.js';
import { DuplicateKeyError, type Doc, type IndexSpec } from './store.js';

export class CollectionState {
  readonly docs = new Map<string, Doc>();
  readonly ids = new SortedIds();
  readonly indexes: IndexTable[] = [];
  /** Counts published batches: a change set staged at the current value saw the state as it still is. */
  published = 0;

  constructor(readonly name: string) {}

  /** Loads documents read from disk (indexes are built afterwards by `addIndex`). */
  load(docs: Iterable<Doc>): void {
    for (const doc of docs) {
      this.docs.set(doc._id, doc);
      this.ids.add(doc._id);
    }
  }

  /** Builds an index over the current documents; refuses one whose unique key the data already violates. */
  addIndex(spec: IndexSpec): void {
    const existing = this.indexes.find((i) => i.name === spec.name);
    if (existing) {
      if (
        JSON.stringify(existing.spec.keys) !== JSON.stringify(spec.keys) ||
        Boolean(existing.spec.unique) !== Boolean(spec.unique)
      ) {
        throw new Error(`index ${spec.name} of ${this.name} already exists with other options`);
      }
      return;
    }
    const index = new IndexTable(spec, this.name);
    for (const doc of this.docs.values()) {
      const keys = index.keysOf(doc);
      if (index.enforceUnique) {
        for (const key of keys[index.depth - 1])
          if (index.holders(key)?.size) throw new DuplicateKeyError(this.name, spec.name);
      }
      index.add(doc._id, keys);
    }
    this.indexes.push(index);
    this.published++; // change sets staged before have not claimed its keys
  }

  /**
   * Publishes a batch of new versions (null: deleted). The caller has checked unique keys; `known` holds the
   * index keys it computed for new versions (by index position), which are not computed again.
   */
  apply(writes: ReadonlyMap<string, Doc | null>, known?: ReadonlyMap<Doc, string[][][]>): void {
    this.published++;
    for (const [id, doc] of writes) {
      const old = this.docs.get(id);
      const keys = doc ? known?.get(doc) : undefined;
      const reuse = keys !== undefined && keys.length === this.indexes.length;
      for (let i = 0; i < this.indexes.length; i++) {
        const index = this.indexes[i];
        const next = doc ? (reuse ? keys[i] : index.keysOf(doc)) : undefined;
        if (old && next) index.update(id, index.keysOf(old), next);
        else if (old) index.remove(id, index.keysOf(old));
        else if (next) index.add(id, next);
      }
      if (doc) {
        this.docs.set(id, doc);
        this.ids.add(id);
      } else if (old) {
        this.docs.delete(id);
        this.ids.delete(id);
      }
    }
  }
}

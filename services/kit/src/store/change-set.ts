/**
 * The writes of one operation (or one bulkWrite), staged over the published state and checked against the
 * unique indexes as they are staged, so a violation is found before anything reaches the journal. Discard
 * the change set after an error: it may be half-updated.
 */
import type { CollectionState } from './collection-state.js';
import type { IndexTable } from './index-table.js';
import { DuplicateKeyError, type Doc } from './store.js';

export class ChangeSet {
  /** New versions by id; null = deleted. */
  readonly writes = new Map<string, Doc | null>();
  /** Unique keys held by staged versions: index → key → id. */
  private readonly claims = new Map<IndexTable, Map<string, string>>();

  constructor(private readonly state: CollectionState) {}

  /** The version this batch sees: staged, else published. */
  current(id: string): Doc | undefined {
    const staged = this.writes.get(id);
    return staged === null ? undefined : (staged ?? this.state.docs.get(id));
  }

  insert(doc: Doc): void {
    if (this.current(doc._id) !== undefined) throw new DuplicateKeyError(this.state.name, '_id_');
    this.put(doc);
  }

  put(doc: Doc): void {
    const id = doc._id;
    this.release(id);
    for (const index of this.state.indexes) {
      const keys = index.keysOf(doc); // also refuses parallel arrays, for every index
      if (!index.enforceUnique) continue;
      let claims = this.claims.get(index);
      if (!claims) this.claims.set(index, (claims = new Map()));
      for (const key of keys[index.depth - 1]) {
        const claimant = claims.get(key);
        if (claimant !== undefined && claimant !== id) throw new DuplicateKeyError(this.state.name, index.name);
        // a published holder that this batch rewrites or deletes is judged by its staged version instead
        for (const holder of index.holders(key) ?? []) {
          if (holder !== id && !this.writes.has(holder)) throw new DuplicateKeyError(this.state.name, index.name);
        }
        claims.set(key, id);
      }
    }
    this.writes.set(id, doc);
  }

  delete(id: string): void {
    this.release(id);
    this.writes.set(id, null);
  }

  /** Drops the unique keys claimed by the staged version of `id`. */
  private release(id: string): void {
    const staged = this.writes.get(id);
    if (!staged) return;
    for (const index of this.state.indexes) {
      const claims = this.claims.get(index);
      if (!claims) continue;
      for (const key of index.keysOf(staged)[index.depth - 1]) if (claims.get(key) === id) claims.delete(key);
    }
  }
}

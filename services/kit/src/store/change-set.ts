/**
 * The writes of one operation, one bulkWrite or one collection's part of a unit, staged over the published
 * state and checked against the unique indexes as they are staged, so a violation is found before anything
 * reaches the journal. `base` remembers the published version each staged or read document had, so that a
 * unit can be checked at commit for writes that landed meanwhile. Discard the change set after an error: it
 * may be half-updated.
 */
import type { CollectionState } from './collection-state.js';
import type { IndexTable } from './index-table.js';
import { DuplicateKeyError, type Doc } from './store.js';

export class ChangeSet {
  /** New versions by id; null = deleted. */
  readonly writes = new Map<string, Doc | null>();
  /** The published version (undefined: absent) of every id staged or read, as first seen. */
  readonly base = new Map<string, Doc | undefined>();
  /** The index keys of each staged version, by index position, as claimed (the commit publishes them as they are). */
  readonly stagedKeys = new Map<Doc, string[][][]>();
  /** Unique keys held by staged versions: index → key → id. */
  private readonly claims = new Map<IndexTable, Map<string, string>>();

  /** The state's publication count when this change set was made (see `recheckIfPublished`). */
  private readonly stagedAt: number;

  constructor(readonly state: CollectionState) {
    this.stagedAt = state.published;
  }

  /** The version this batch sees: staged, else published. */
  current(id: string): Doc | undefined {
    const staged = this.writes.get(id);
    return staged === null ? undefined : (staged ?? this.state.docs.get(id));
  }

  /** Records the published version of a document the batch read (for the commit-time check of a unit). */
  observe(id: string): void {
    if (!this.base.has(id) && !this.writes.has(id)) this.base.set(id, this.state.docs.get(id));
  }

  insert(doc: Doc): void {
    this.observe(doc._id);
    if (this.current(doc._id) !== undefined) throw new DuplicateKeyError(this.state.name, '_id_');
    this.put(doc);
  }

  put(doc: Doc): void {
    const id = doc._id;
    this.observe(id);
    this.release(id);
    this.claim(doc);
    this.writes.set(id, doc);
  }

  delete(id: string): void {
    this.observe(id);
    this.release(id);
    this.writes.set(id, null);
  }

  /**
   * The same writes checked again against the published state as it is now (a unit's commit): every id the
   * writes touch is judged by its staged version, then each new version's unique keys are claimed.
   */
  static recheck(state: CollectionState, writes: ReadonlyMap<string, Doc | null>): ChangeSet {
    const cs = new ChangeSet(state);
    for (const [id, doc] of writes) cs.writes.set(id, doc);
    for (const doc of writes.values()) if (doc) cs.claim(doc);
    return cs;
  }

  /**
   * A unit's change set as its commit may use it: itself when nothing was published to its collection since it
   * was made (its unique keys were checked against that same state as they were staged), otherwise `recheck`.
   */
  static recheckIfPublished(cs: ChangeSet): ChangeSet {
    return cs.state.published === cs.stagedAt ? cs : ChangeSet.recheck(cs.state, cs.writes);
  }

  private claim(doc: Doc): void {
    const id = doc._id;
    const all: string[][][] = [];
    this.stagedKeys.set(doc, all);
    for (const index of this.state.indexes) {
      const keys = index.keysOf(doc); // also refuses parallel arrays, for every index
      all.push(keys);
      if (!index.enforceUnique) continue;
      let claims = this.claims.get(index);
      if (!claims) this.claims.set(index, (claims = new Map<string, string>()));
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

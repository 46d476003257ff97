/**
 * Types shared by the codecs (which define how users and groups are stored) and the filter compiler (which
 * queries that layout). Plain structural types, so this folder needs no store or driver import; they match
 * the kit store's `Filter`, `Sort` and `IndexSpec`.
 */
import type { AttributeDef, AttributeTarget, ResourceSchema } from './schema.js';

export type ScimObject = Record<string, unknown>;
export type MongoFilter = Record<string, unknown>;
export type MongoSort = Record<string, 1 | -1>;

export interface IndexSpec {
  name: string;
  /** `tenantId` first: every query is scoped to one tenant by the caller. */
  keys: Record<string, 1 | -1>;
  unique?: boolean;
}

export interface CollectionLayout {
  name: string;
  indexes: IndexSpec[];
}

export type StoredType = 'string' | 'boolean' | 'dateTime' | 'number';

interface Comparable {
  type: StoredType;
  /** Compare case-sensitively. */
  caseExact: boolean;
  /** The stored field holds `toLowerCase()` of the value (a shadow field): compare with a lower-cased operand. */
  lowered: boolean;
}

/** How one leaf attribute (a simple attribute or a sub-attribute) is stored. */
export type FieldMapping =
  /** A scalar at a dotted path (`userNameLower`, `name.givenName`, `meta.created`, `enterprise.manager.value`). */
  | ({ kind: 'field'; path: string; sortPath?: string } & Comparable)
  /** A field of the elements of an array of sub-documents (`emails` → `valueLower`). */
  | ({ kind: 'element'; array: string; rel: string; sortPath?: string } & Comparable)
  /** A value that is the same on every document (`meta.resourceType`). */
  | { kind: 'constant'; value: string }
  /** Group membership, stored outside the group document. */
  | { kind: 'members' }
  | { kind: 'unsupported'; reason: string };

export interface StorageMapping {
  readonly resource: ResourceSchema;
  /** The storage of a leaf: `t.sub` is set whenever `t.attr` is complex. */
  field(t: AttributeTarget & { sub?: AttributeDef }): FieldMapping;
  /** Filter-only names that stand for an attribute path (`email` → `emails.value`), case-insensitive. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/**
 * What the SCIM application layer needs from the SCIM domain for one resource type (User, Group): input
 * validation into stored fields, rendering, PATCH, filter and sort compilation, projection. Implemented in
 * `scim-models.ts` on top of the pure modules in `domain/scim/`.
 */
import type { CollectionSpec, Filter, Sort } from '../../../kit/src/store/store.js';
import type { MembershipChange } from './scim/patch.js';
import type { ScimLimits } from './scim/limits.js';

export type ScimObject = Record<string, unknown>;

export interface ProjectionSpec {
  attributes: string[];
  excludedAttributes: string[];
}

/** Fields every stored resource has, owned by the application layer. */
export interface StoredBase {
  _id: string;
  tenantId: string;
  meta: { created: Date; lastModified: Date; version: number };
  /** Created over SCIM by this tenant's connector (read-only in the admin API while provisioning is on). */
  provisioned: boolean;
}

export type StoredResource = StoredBase & Record<string, unknown>;

/** JSON with object keys sorted at every level, so equal documents compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/**
 * The stored fields that make a user or team what it is (`meta` and the fields in `omit` aside), as a string:
 * two versions with equal content are the same resource (a PATCH that changes nothing; events of a change).
 */
export function resourceContent(doc: StoredResource, omit: readonly string[] = []): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (k !== 'meta' && !omit.includes(k)) out[k] = v;
  return canonical(out);
}

export interface ResourceModel {
  readonly name: 'User' | 'Group';
  readonly endpoint: 'Users' | 'Groups';
  readonly collection: CollectionSpec;
  /** Validates a POST/PUT body (or a patched resource) into the fields to store; groups also return member ids. */
  fromInput(
    body: unknown,
    limits?: ScimLimits,
  ): { fields: Record<string, unknown>; memberIds?: string[]; label: string };
  /** The SCIM representation of a stored document (without members; the caller adds them). */
  toScim(doc: StoredResource, baseUrl: string): ScimObject;
  /**
   * Applies a PatchOp body to a SCIM representation (groups: membership changes are returned, not applied);
   * the patched resource is validated, and `input` holds the fields to store.
   */
  patch(
    resource: ScimObject,
    body: unknown,
    limits?: ScimLimits,
  ): {
    resource: ScimObject;
    membership: MembershipChange[];
    input: { fields: Record<string, unknown>; label: string };
  };
  compileFilter(filter: string, ctx: { groupIdsOfMembers(userIds: string[]): Promise<string[]> }): Promise<Filter>;
  compileSort(sortBy: string, sortOrder: string): Sort;
  project(resource: ScimObject, projection: ProjectionSpec): ScimObject;
  /** Whether the projection asks for members (groups): members are loaded only then. */
  wantsMembers(projection: ProjectionSpec): boolean;
}

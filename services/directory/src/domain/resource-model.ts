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

/**
 * Equal as stored values: objects whatever their key order, Dates by time, undefined as null (the store writes
 * it so). Compared in place: nothing is copied or serialized.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object')
    return sameFields(a as Record<string, unknown>, b as Record<string, unknown>, []);
  return (a ?? null) === (b ?? null);
}

function sameFields(a: Record<string, unknown>, b: Record<string, unknown>, omit: readonly string[]): boolean {
  let n = 0;
  for (const k of Object.keys(a)) {
    if (omit.includes(k)) continue;
    if (!Object.hasOwn(b, k) || !sameValue(a[k], b[k])) return false;
    n++;
  }
  for (const k of Object.keys(b)) if (!omit.includes(k)) n--;
  return n === 0;
}

const NOT_CONTENT = ['meta'];

/**
 * Whether two versions of a user or team hold the same stored fields (`meta` and the fields in `omit` aside):
 * then they are the same resource (a PATCH that changes nothing; the events of a change).
 */
export function sameContent(a: StoredResource, b: StoredResource, omit: readonly string[] = []): boolean {
  return sameFields(a, b, omit.length ? [...NOT_CONTENT, ...omit] : NOT_CONTENT);
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

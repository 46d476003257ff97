/**
 * What the directory's domain needs from persistence, as interfaces the store adapters (`store/`) implement:
 * tenant-scoped repositories (every method takes the tenant) and units that make several writes one
 * all-or-none change. The domain never sees a collection or a filter of the store.
 */
import type { TenantId } from '../../../kit/src/store/store.js';
import type { ChangeMeta, EventDraft, EventRecord } from '../events/event-types.js';
import type { MembershipChange } from './scim/patch.js';
import type { StoredResource } from './resource-model.js';

export type { MembershipChange };

export type ActivityRecord = {
  _id: string;
  tenantId: string;
  time: Date;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: 'success' | 'failure';
  requestId: string;
  details?: Record<string, unknown>;
};

export interface ActivityQuery {
  action?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** The id of the last entry of the previous page (entries are returned newest first). */
  before?: string;
}

export type ActivityEntry = Omit<ActivityRecord, '_id' | 'tenantId' | 'time'> & { time?: Date };

export interface ActivityRepository {
  record(tenant: TenantId, entry: ActivityEntry): Promise<ActivityRecord>;
  /** The entries of one request, in this order (ids ascend; listing is newest first). */
  recordAll(tenant: TenantId, entries: ActivityEntry[]): Promise<ActivityRecord[]>;
  list(tenant: TenantId, q: ActivityQuery): Promise<ActivityRecord[]>;
}

export type ConnectorKind = 'okta' | 'entra' | 'generic' | 'okta-scim11';
export type ConnectorRecord = {
  _id: string;
  tenantId: string;
  type: ConnectorKind;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export interface ConnectorRepository {
  create(tenant: TenantId, type: ConnectorKind): Promise<ConnectorRecord>;
  get(tenant: TenantId, id: string): Promise<ConnectorRecord | null>;
  list(tenant: TenantId): Promise<ConnectorRecord[]>;
  setEnabled(tenant: TenantId, id: string, enabled: boolean): Promise<ConnectorRecord | null>;
  delete(tenant: TenantId, id: string): Promise<boolean>;
  /** Provisioning is on for the tenant when its connector is enabled. */
  provisioningOn(tenant: TenantId): Promise<boolean>;
}

export interface MembershipRepository {
  /** Applies the changes in order. Returns the user ids added and removed. */
  apply(
    tenant: TenantId,
    groupId: string,
    changes: MembershipChange[],
  ): Promise<{ added: string[]; removed: string[] }>;
  members(tenant: TenantId, groupId: string, limit?: number): Promise<string[]>;
  count(tenant: TenantId, groupId: string): Promise<number>;
  groupsOf(tenant: TenantId, userIds: string[]): Promise<string[]>;
  /** The subset of `userIds` that are members of the group. */
  whichAreMembers(tenant: TenantId, groupId: string, userIds: string[]): Promise<Set<string>>;
  removeUser(tenant: TenantId, userId: string): Promise<number>;
  removeGroup(tenant: TenantId, groupId: string): Promise<number>;
}

/** Filters and sorts here are the ones the resource models compile (domain/scim); the tenant is added by the repository. */
export interface ResourceRepository {
  get(tenant: TenantId, id: string): Promise<StoredResource | null>;
  /** Of these ids, the ones that exist (with the fields asked for). */
  byIds(tenant: TenantId, ids: string[], fields?: string[]): Promise<StoredResource[]>;
  find(
    tenant: TenantId,
    filter: Record<string, unknown>,
    options?: { sort?: Record<string, 1 | -1>; skip?: number; limit?: number },
  ): Promise<StoredResource[]>;
  count(tenant: TenantId, filter: Record<string, unknown>): Promise<number>;
  /** A keyset page in id order, of the documents matching `match` (all when absent). */
  page(tenant: TenantId, after: string, limit: number, match?: Record<string, unknown>): Promise<StoredResource[]>;
  /** Throws the store's uniqueness fault when a unique field is taken. */
  insert(tenant: TenantId, doc: StoredResource): Promise<void>;
  /** Replaces the document if it is still at `expectedVersion`; false when it changed or is gone. */
  replace(tenant: TenantId, before: StoredResource, next: StoredResource): Promise<boolean>;
  /** Deletes the document if it is still at `expectedVersion`. */
  delete(tenant: TenantId, id: string, expectedVersion: number): Promise<boolean>;
}

/**
 * The outbox's write side (issue #15): a change's events, written in the change's unit. `append` takes the
 * organization's next sequence numbers from its counter document and inserts the events in draft order; the
 * change, its memberships, its activity entries, the counter and the events commit together or not at all.
 */
export interface EventRepository {
  append(tenant: TenantId, meta: ChangeMeta, drafts: EventDraft[]): Promise<EventRecord[]>;
}

/** The repositories every unit sees. */
export interface DirectoryRepositories {
  users: ResourceRepository;
  groups: ResourceRepository;
  memberships: MembershipRepository;
  connectors: ConnectorRepository;
  activity: ActivityRepository;
  events: EventRepository;
}

/** Runs `work` as one all-or-none unit over the repositories it is given (it may run more than once). */
export interface UnitRunner {
  unit<R>(work: (tx: DirectoryRepositories) => Promise<R>): Promise<R>;
}

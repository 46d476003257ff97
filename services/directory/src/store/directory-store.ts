/**
 * The directory's persistence: every tenant-scoped collection is opened once, wrapped in a `TenantCollection`
 * (no query without the tenant), and handed to its repository; `unit` gives the same repositories bound to one
 * all-or-none unit of the document store (with the change events of the unit's writes, events/outbox.ts, told
 * to `onEventsCommitted` once the unit has committed). Organizations are the one root collection (org-store.ts), and the
 * sign-in look-ups that must cross organizations are the separately named `signIn` methods.
 */
import {
  DuplicateKeyError,
  type Collection,
  type DocumentStore,
  type TenantId,
  type Unit,
} from '../../../kit/src/store/store.js';
import { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { ActivityRecord, ConnectorRecord, DirectoryRepositories, UnitRunner } from '../domain/ports.js';
import type { EventRecord } from '../events/event-types.js';
import { EVENT_COUNTERS_COLLECTION, EVENTS_COLLECTION, eventRepository, type EventCounter } from '../events/outbox.js';
import type { StoredResource } from '../domain/resource-model.js';
import { GROUPS_COLLECTION, loginFilter, USERS_COLLECTION } from '../domain/scim-models.js';
import { ACTIVITY_COLLECTION, activityRepository } from './activity-store.js';
import { CONNECTORS_COLLECTION, connectorRepository } from './connector-store.js';
import { MEMBERSHIPS_COLLECTION, membershipRepository, type MembershipRecord } from './membership-store.js';
import { ORGS_COLLECTION, orgRepository, type OrgRecord, type OrgStore } from './org-store.js';
import { resourceRepository } from './resource-store.js';

const MEMBERSHIP_RACE_ATTEMPTS = 5;

interface Collections {
  users: TenantCollection<StoredResource>;
  groups: TenantCollection<StoredResource>;
  memberships: TenantCollection<MembershipRecord>;
  connectors: TenantCollection<ConnectorRecord>;
  activity: TenantCollection<ActivityRecord>;
  events: TenantCollection<EventRecord>;
  eventCounters: TenantCollection<EventCounter>;
}

/** `written` receives the events the repositories stage (outside a unit: once they are written). */
function repositories(c: Collections, written: (events: EventRecord[]) => void): DirectoryRepositories {
  return {
    users: resourceRepository(c.users),
    groups: resourceRepository(c.groups),
    memberships: membershipRepository(c.memberships),
    connectors: connectorRepository(c.connectors),
    activity: activityRepository(c.activity),
    events: eventRepository(c.events, c.eventCounters, written),
  };
}

/** The look-ups sign-in makes before it knows the organization, or to tell "provisioned elsewhere" apart. */
export interface SignInLookups {
  /** The organizations in which `login` (userName or e-mail) is an active user, at most `limit`. */
  tenantsWithActiveLogin(login: string, limit: number): Promise<string[]>;
  /** Whether `login` is a user of any organization other than `tenant`. */
  loginExistsOutside(tenant: TenantId, login: string): Promise<boolean>;
}

export interface DirectoryStore extends DirectoryRepositories, UnitRunner {
  orgs: OrgStore;
  signIn: SignInLookups;
}

export interface DirectoryStoreOptions {
  /** Events whose unit has committed (metrics, the delivery worker's wake-up). */
  onEventsCommitted?: (events: EventRecord[]) => void;
}

export async function openDirectoryStore(
  docs: DocumentStore,
  opts: DirectoryStoreOptions = {},
): Promise<DirectoryStore> {
  const committed = (events: EventRecord[]) => {
    if (events.length) opts.onEventsCommitted?.(events);
  };
  const users = await docs.collection<StoredResource>(USERS_COLLECTION);
  const collections: Collections = {
    users: new TenantCollection(users),
    groups: new TenantCollection(await docs.collection<StoredResource>(GROUPS_COLLECTION)),
    memberships: new TenantCollection(await docs.collection<MembershipRecord>(MEMBERSHIPS_COLLECTION)),
    connectors: new TenantCollection(await docs.collection<ConnectorRecord>(CONNECTORS_COLLECTION)),
    activity: new TenantCollection(await docs.collection<ActivityRecord>(ACTIVITY_COLLECTION)),
    events: new TenantCollection(await docs.collection<EventRecord>(EVENTS_COLLECTION)),
    eventCounters: new TenantCollection(await docs.collection<EventCounter>(EVENT_COUNTERS_COLLECTION)),
  };
  const crossTenantUsers: Collection<StoredResource> = users;
  const orgs = await docs.collection<OrgRecord>(ORGS_COLLECTION);
  const bound = (u: Unit, written: (events: EventRecord[]) => void) =>
    repositories(
      {
        users: collections.users.in(u),
        groups: collections.groups.in(u),
        memberships: collections.memberships.in(u),
        connectors: collections.connectors.in(u),
        activity: collections.activity.in(u),
        events: collections.events.in(u),
        eventCounters: collections.eventCounters.in(u),
      },
      written,
    );
  /** One unit; the events of its last run are told once it has committed (an earlier run's never were). */
  const unitWithEvents = async <R>(
    work: (u: Unit, written: (events: EventRecord[]) => void) => Promise<R>,
  ): Promise<R> => {
    let staged: EventRecord[] = [];
    const result = await docs.unit((u) => {
      staged = [];
      return work(u, (events) => staged.push(...events));
    });
    committed(staged);
    return result;
  };
  return {
    ...repositories(collections, committed),
    orgs: orgRepository(orgs, (work) => unitWithEvents((u, written) => work(u.use(orgs), bound(u, written)))),
    async unit(work) {
      const run = () => unitWithEvents((u, written) => work(bound(u, written)));
      // Two units adding the same member race to insert one membership document (a MongoDB transaction reports
      // it as a duplicate key): the loser runs again, finds the member there, and succeeds without a change.
      for (let attempt = 1; ; attempt++) {
        try {
          return await run();
        } catch (err) {
          if (!(
            err instanceof DuplicateKeyError &&
            err.collection === MEMBERSHIPS_COLLECTION.name &&
            attempt < MEMBERSHIP_RACE_ATTEMPTS
          ))
            throw err;
        }
      }
    },
    signIn: {
      async tenantsWithActiveLogin(login, limit) {
        const rows = await crossTenantUsers.find(
          { ...loginFilter(login), active: true },
          { projection: { tenantId: 1 }, limit },
        );
        return [...new Set(rows.map((u) => u.tenantId))];
      },
      async loginExistsOutside(tenant, login) {
        return (
          (await crossTenantUsers.findOne(
            { tenantId: { $ne: tenant }, ...loginFilter(login) },
            { projection: { _id: 1 } },
          )) !== null
        );
      },
    },
  };
}

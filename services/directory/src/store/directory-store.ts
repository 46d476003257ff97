/**
 * The directory's persistence: every tenant-scoped collection is opened once, wrapped in a `TenantCollection`
 * (no query without the tenant), and handed to its repository; `unit` gives the same repositories bound to one
 * all-or-none unit of the document store. Organizations are the one root collection (org-store.ts), and the
 * sign-in look-ups that must cross organizations are the separately named `signIn` methods.
 */
import { DuplicateKeyError, type Collection, type DocumentStore, type TenantId, type Unit } from '../../../kit/src/store/store.js';
import { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { ActivityRecord, ConnectorRecord, DirectoryRepositories, UnitRunner } from '../domain/ports.js';
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
}

function repositories(c: Collections): DirectoryRepositories {
  return {
    users: resourceRepository(c.users),
    groups: resourceRepository(c.groups),
    memberships: membershipRepository(c.memberships),
    connectors: connectorRepository(c.connectors),
    activity: activityRepository(c.activity),
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

export async function openDirectoryStore(docs: DocumentStore): Promise<DirectoryStore> {
  const users = await docs.collection<StoredResource>(USERS_COLLECTION);
  const collections: Collections = {
    users: new TenantCollection(users),
    groups: new TenantCollection(await docs.collection<StoredResource>(GROUPS_COLLECTION)),
    memberships: new TenantCollection(await docs.collection<MembershipRecord>(MEMBERSHIPS_COLLECTION)),
    connectors: new TenantCollection(await docs.collection<ConnectorRecord>(CONNECTORS_COLLECTION)),
    activity: new TenantCollection(await docs.collection<ActivityRecord>(ACTIVITY_COLLECTION)),
  };
  const crossTenantUsers: Collection<StoredResource> = users;
  const orgs = await docs.collection<OrgRecord>(ORGS_COLLECTION);
  const bound = (u: Unit) =>
    repositories({
      users: collections.users.in(u),
      groups: collections.groups.in(u),
      memberships: collections.memberships.in(u),
      connectors: collections.connectors.in(u),
      activity: collections.activity.in(u),
    });
  return {
    ...repositories(collections),
    orgs: orgRepository(orgs, (work) => docs.unit((u) => work(u.use(orgs), bound(u)))),
    async unit(work) {
      const run = () => docs.unit((u) => work(bound(u)));
      // Two units adding the same member race to insert one membership document (a MongoDB transaction reports
      // it as a duplicate key): the loser runs again, finds the member there, and succeeds without a change.
      for (let attempt = 1; ; attempt++) {
        try {
          return await run();
        } catch (err) {
          if (!(err instanceof DuplicateKeyError && err.collection === MEMBERSHIPS_COLLECTION.name && attempt < MEMBERSHIP_RACE_ATTEMPTS)) throw err;
        }
      }
    },
    signIn: {
      async tenantsWithActiveLogin(login, limit) {
        const rows = await crossTenantUsers.find({ ...loginFilter(login), active: true }, { projection: { tenantId: 1 }, limit });
        return [...new Set(rows.map((u) => u.tenantId))];
      },
      async loginExistsOutside(tenant, login) {
        return (await crossTenantUsers.findOne({ tenantId: { $ne: tenant }, ...loginFilter(login) }, { projection: { _id: 1 } })) !== null;
      },
    },
  };
}

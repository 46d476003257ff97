import { AppError } from '../../../kit/src/errors.js';
import { newCode, newId } from '../../../kit/src/ids.js';
import {
  DuplicateKeyError,
  type Collection,
  type CollectionSpec,
  type TenantId,
} from '../../../kit/src/store/store.js';
import type { DirectoryRepositories } from '../domain/ports.js';

export type OrgRecord = { _id: string; tenantId: string; name: string; companyId: string; createdAt: Date };

export const ORGS_COLLECTION: CollectionSpec = {
  name: 'orgs',
  indexes: [{ name: 'company_id', keys: { companyId: 1 }, unique: true }],
};

export interface OrgStore {
  /** Creates the organization and, in the same unit, what `alongside` writes (its activity entry). */
  create(name: string, alongside?: (org: OrgRecord, tx: DirectoryRepositories) => Promise<void>): Promise<OrgRecord>;
  get(tenant: TenantId): Promise<OrgRecord | null>;
  list(limit: number, after?: string): Promise<OrgRecord[]>;
  findByCompanyId(companyId: string): Promise<OrgRecord | null>;
}

/** Organizations: the one root collection (the tenant is the organization itself). */
export function orgRepository(
  col: Collection<OrgRecord>,
  unit: <R>(work: (orgs: Collection<OrgRecord>, tx: DirectoryRepositories) => Promise<R>) => Promise<R>,
): OrgStore {
  return {
    async create(name, alongside) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const id = newId();
        // The Company ID is the HTTP Basic user name Okta is given: short, unambiguous, unique.
        const org: OrgRecord = { _id: id, tenantId: id, name, companyId: newCode(10), createdAt: new Date() };
        try {
          await unit(async (orgs, tx) => {
            await orgs.insertOne(org);
            if (alongside) await alongside(org, tx);
          });
          return org;
        } catch (err) {
          if (!(err instanceof DuplicateKeyError)) throw err;
        }
      }
      throw new AppError('UNAVAILABLE', 'could not allocate a unique Company ID; try again');
    },
    get: (tenant) => col.findOne({ _id: tenant }),
    list: (limit, after) => col.find(after ? { _id: { $gt: after } } : {}, { sort: { _id: 1 }, limit }),
    // Company IDs are generated upper-case (Crockford base32); people type them in any case.
    findByCompanyId: (companyId) => col.findOne({ companyId: companyId.trim().toUpperCase() }),
  };
}

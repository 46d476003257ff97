/** The User and Group resource models: the pure SCIM domain (domain/scim/) behind one interface. */
import type { CollectionSpec, Filter } from '../../../kit/src/store/store.js';
import type { ResourceModel, StoredResource } from './resource-model.js';
import {
  GROUP_RESOURCE,
  GROUPS_COLLECTION as GROUPS_LAYOUT,
  USER_RESOURCE,
  USERS_COLLECTION as USERS_LAYOUT,
  applyGroupPatch,
  applyUserPatch,
  compileGroupFilter,
  compileGroupSort,
  compileUserFilter,
  compileUserSort,
  discoveryDocument as renderDiscovery,
  groupFromStored,
  groupToStored,
  projectResource,
  userFromStored,
  userToStored,
  validateGroup,
  validateUser,
  wantsMembers,
  type ScimLimits,
} from './scim/index.js';

import { roleNumber } from '../../../kit/src/roles.js';
import { textOf } from './scim/normalize.js';

type Json = Record<string, unknown>;

export const USERS_COLLECTION: CollectionSpec = {
  name: USERS_LAYOUT.name,
  indexes: [
    ...USERS_LAYOUT.indexes,
    // sign-in: "is this person provisioned in another organization?" and Company-ID-less org resolution
    { name: 'username', keys: { userNameLower: 1 } },
    { name: 'email', keys: { 'emails.valueLower': 1 } },
  ],
};
export const GROUPS_COLLECTION: CollectionSpec = { name: GROUPS_LAYOUT.name, indexes: [...GROUPS_LAYOUT.indexes] };

export const userModel: ResourceModel = {
  name: 'User',
  endpoint: 'Users',
  collection: USERS_COLLECTION,
  fromInput(body, limits) {
    const v = validateUser(body, limits);
    return { fields: userToStored(v), label: v.userName };
  },
  toScim: (doc, baseUrl) => userFromStored(doc, baseUrl),
  patch(resource, body, limits) {
    const r = applyUserPatch(resource, body, limits);
    return { resource: r.resource, membership: [], input: { fields: userToStored(r.user), label: r.user.userName } };
  },
  compileFilter: (filter) => compileUserFilter(filter),
  compileSort: (sortBy, sortOrder) => compileUserSort(sortBy, sortOrder),
  project: (resource, projection) => projectResource(USER_RESOURCE, resource, projection),
  wantsMembers: () => false,
};

export const groupModel: ResourceModel = {
  name: 'Group',
  endpoint: 'Groups',
  collection: GROUPS_COLLECTION,
  fromInput(body) {
    const v = validateGroup(body);
    return { fields: groupToStored(v), label: v.displayName, ...(v.memberIds ? { memberIds: v.memberIds } : {}) };
  },
  toScim: (doc, baseUrl) => groupFromStored(doc, baseUrl),
  patch(resource, body, limits) {
    const r = applyGroupPatch(resource, body, limits);
    return {
      resource: r.resource,
      membership: r.membership,
      input: { fields: groupToStored(r.group), label: r.group.displayName },
    };
  },
  compileFilter: (filter, ctx) => compileGroupFilter(filter, ctx),
  compileSort: (sortBy, sortOrder) => compileGroupSort(sortBy, sortOrder),
  project: (resource, projection) => projectResource(GROUP_RESOURCE, resource, projection),
  wantsMembers: (projection) => wantsMembers(projection),
};

/** GET /ServiceProviderConfig, /ResourceTypes[/id], /Schemas[/id]. */
export function discoveryDocument(
  endpoint: string,
  id: string,
  baseUrl: string,
  opts: { maxResults: number; maxPayloadSize: number; limits?: ScimLimits } = {
    maxResults: 1000,
    maxPayloadSize: 1048576,
  },
): unknown {
  return renderDiscovery(endpoint, id, {
    baseUrl,
    maxResults: opts.maxResults,
    maxPayloadSize: opts.maxPayloadSize,
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
}

export function userSummary(doc: StoredResource) {
  const emails = (doc.emails as Json[] | undefined) ?? [];
  const primary = emails.find((e) => e.primary === true) ?? emails[0];
  return {
    userName: textOf(doc.userName),
    displayName:
      doc.displayName !== undefined && doc.displayName !== null
        ? textOf(doc.displayName)
        : [textOf((doc.name as Json | undefined)?.givenName), textOf((doc.name as Json | undefined)?.familyName)]
            .join(' ')
            .trim(),
    email: textOf(primary?.value),
    active: doc.active !== false,
    role: roleNumber(textOf(doc.role)),
    externalId: textOf(doc.externalId),
  };
}

/** A person signing in is matched by userName or e-mail, case-insensitively (both indexed). */
export function loginFilter(login: string): Filter {
  const lower = login.trim().toLowerCase();
  return { $or: [{ userNameLower: lower }, { 'emails.valueLower': lower }] };
}

export function newManualTeamFields(name: string): Json {
  return { displayName: name, displayNameLower: name.toLowerCase() };
}

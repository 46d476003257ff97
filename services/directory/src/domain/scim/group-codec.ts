/**
 * The stored layout of a group (a platform team) and its conversions.
 *
 * Stored document (the caller adds `_id`, `tenantId`, `meta`, `provisioned`):
 *
 *   displayName, displayNameLower    as sent; lower-cased shadow (unique per tenant: Entra requires it)
 *   externalId                       as sent (caseExact)
 *
 * Members are not in the group document: one membership document per (group, user) in the memberships
 * collection, so a change costs time proportional to the change and a group of 100,000 users is read
 * without its members. The caller adds `members` to the representation when the projection asks for them.
 */
import { GROUP_RESOURCE, GROUP_SCHEMA } from './schema.js';
import type { CollectionLayout, ScimObject, StorageMapping } from './stored-layout.js';
import { commonField, defaultField, metaOf } from './user-codec.js';
import type { ValidatedGroup } from './group-input.js';
import { addCustomExtensions, customExtensionsToStored, type StoredCustomExtension } from './foreign-extensions.js';

export const GROUPS_COLLECTION: CollectionLayout = {
  name: 'groups',
  indexes: [
    { name: 'tenant_displayName', keys: { tenantId: 1, displayNameLower: 1 }, unique: true },
    { name: 'tenant_externalId', keys: { tenantId: 1, externalId: 1 } },
    { name: 'tenant_id', keys: { tenantId: 1, _id: 1 } },
  ],
};

export type StoredGroupFields = {
  displayName: string;
  displayNameLower: string;
  externalId?: string;
  customExtensions?: StoredCustomExtension[];
};

export function groupToStored(v: ValidatedGroup): StoredGroupFields {
  const r = v.resource;
  const custom = customExtensionsToStored(r);
  return {
    displayName: v.displayName,
    displayNameLower: v.displayName.toLowerCase(),
    ...(typeof r.externalId === 'string' ? { externalId: r.externalId } : {}),
    ...(custom ? { customExtensions: custom } : {}),
  };
}

/** A stored group → its SCIM representation, without `members`. */
export function groupFromStored(doc: ScimObject & { _id: string }, baseUrl: string): ScimObject {
  const out: ScimObject = {
    schemas: [GROUP_SCHEMA],
    id: doc._id,
    ...(typeof doc.externalId === 'string' ? { externalId: doc.externalId } : {}),
    ...(typeof doc.displayName === 'string' ? { displayName: doc.displayName } : {}),
  };
  addCustomExtensions(out, doc.customExtensions);
  out.meta = metaOf(doc, 'Group', `${baseUrl}/Groups/${doc._id}`);
  return out;
}

export const GROUP_STORAGE: StorageMapping = {
  resource: GROUP_RESOURCE,
  field(t) {
    const common = commonField(t, 'Group');
    if (common) return common;
    if (t.attr.name === 'displayName')
      return {
        kind: 'field',
        path: 'displayNameLower',
        sortPath: 'displayNameLower',
        type: 'string',
        caseExact: false,
        lowered: true,
      };
    if (t.attr.name === 'members') {
      if (!t.sub || t.sub.name === 'value') return { kind: 'members' };
      return {
        kind: 'unsupported',
        reason: `members.${t.sub.name} cannot be used in a filter; filter on members.value (a user id) with eq`,
      };
    }
    return defaultField(t, '');
  },
};

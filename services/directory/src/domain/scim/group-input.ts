/**
 * Validation of a Group body (POST, PUT, or the result of a PATCH). `displayName` is required; `members` are
 * returned as user ids for the caller to check and store as memberships (never inside the group document).
 * Members are users: an element with `type: "Group"` is refused (teams do not nest).
 */
import { invalidValue } from './scim-error.js';
import { GROUP_RESOURCE } from './schema.js';
import { canonicalize, isPlainObject, normalizeResource } from './normalize.js';
import type { ScimObject } from './stored-layout.js';

export interface ValidatedGroup {
  /** `schemas`, `displayName`, `externalId`: no members. */
  resource: ScimObject;
  displayName: string;
  /** The member ids sent, de-duplicated in order; undefined when the body has no `members` (or null). */
  memberIds?: string[];
}

/** Reads a members value (a list of `{value}`, or of ids, or one of them) into user ids. */
export function memberIdsOf(value: unknown, label = 'members'): string[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  list.forEach((el, i) => {
    if (el === null) return;
    let id: unknown = el;
    if (isPlainObject(el)) {
      const key = Object.keys(el);
      const valueKey = key.find((k) => k.toLowerCase() === 'value');
      const typeKey = key.find((k) => k.toLowerCase() === 'type');
      const type = typeKey ? el[typeKey] : undefined;
      if (typeof type === 'string' && type.toLowerCase() === 'group')
        throw invalidValue(`${label}[${i}]: members must be users; groups cannot be nested`);
      id = valueKey ? el[valueKey] : undefined;
    }
    if (typeof id === 'number' && Number.isSafeInteger(id)) id = String(id);
    if (typeof id !== 'string' || id.trim() === '')
      throw invalidValue(`${label}[${i}].value is required: the id of a user`);
    ids.push(id);
  });
  return [...new Set(ids)];
}

/** Validates a Group body; throws `ScimError` 400. */
export function validateGroup(body: unknown): ValidatedGroup {
  const resource = normalizeResource(GROUP_RESOURCE, body);
  const rawMembers = canonicalize(GROUP_RESOURCE, body as ScimObject).members;
  delete resource.members;
  if (typeof resource.displayName !== 'string' || resource.displayName.trim() === '')
    throw invalidValue('displayName is required');
  return {
    resource,
    displayName: resource.displayName,
    ...(rawMembers === undefined || rawMembers === null ? {} : { memberIds: memberIdsOf(rawMembers) }),
  };
}

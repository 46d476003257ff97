/** The User and Group resource models: the SCIM domain (codec, filter, PATCH, projection) behind one interface. */
import type { CollectionSpec, Filter, Sort } from '../../../kit/src/store/store.js';
import type { ProjectionSpec, ResourceModel, ScimObject, StoredResource } from './resource-model.js';
import { getCi, groupFromInput, groupToScim, userFromInput, userToScim } from './scim-codec.js';
import { ScimFault } from './scim-fault.js';
import { compileFilter, parseFilter, splitUrn, type FilterTarget, type StoredField } from './scim-filter.js';
import { applyPatch, type PatchTarget } from './scim-patch.js';
import { ENTERPRISE_ATTRS, GROUP_ATTRS, PLATFORM_ATTRS, ROLES, URN, USER_ATTRS, resourceTypeDocuments, schemaDocuments, serviceProviderConfig } from './scim-schema.js';

type Json = Record<string, unknown>;

const str = (field: string, extra: Partial<StoredField> = {}): StoredField => ({ field, kind: 'string', caseExact: false, ...extra });
const META_FIELDS: Record<string, StoredField> = {
  'meta.created': { field: 'meta.created', kind: 'dateTime', caseExact: true },
  'meta.lastmodified': { field: 'meta.lastModified', kind: 'dateTime', caseExact: true },
};

function userField(schema: string, path: string): StoredField | 'resourceType' | undefined {
  const p = path.toLowerCase();
  if (schema === URN.enterprise) {
    if (p === 'manager' || p === 'manager.value') return str('enterprise.manager.value', { caseExact: true });
    const def = ENTERPRISE_ATTRS.find((a) => a.name.toLowerCase() === p && a.type === 'string');
    return def ? str(`enterprise.${def.name}`) : undefined;
  }
  if (schema === URN.platform) return p === 'role' ? str('role') : undefined;
  if (schema !== URN.user) return undefined;
  if (p === 'id') return str('_id', { caseExact: true });
  if (p === 'externalid') return str('externalId', { caseExact: true });
  if (p === 'username') return str('userNameLower', { lowered: true });
  if (p === 'active') return { field: 'active', kind: 'boolean', caseExact: true };
  if (p === 'meta.resourcetype') return 'resourceType';
  if (META_FIELDS[p]) return META_FIELDS[p];
  if (p === 'roles' || p === 'roles.value') return str('role');
  if (p === 'emails' || p === 'emails.value') return str('emails.valueLower', { lowered: true, multiValued: true });
  const [head, sub] = path.split('.');
  const def = USER_ATTRS.find((a) => a.name.toLowerCase() === head.toLowerCase());
  // Entra writes enterprise attributes without their URN (e.g. "manager eq …")
  if (!def) return userField(URN.enterprise, path);
  if (def.name === 'password' || def.name === 'groups' || def.name === 'roles') return undefined;
  if (def.type !== 'complex') return sub ? undefined : str(def.name);
  const subName = sub ?? (def.multiValued ? 'value' : undefined);
  const subDef = def.subAttributes?.find((a) => a.name.toLowerCase() === subName?.toLowerCase());
  if (!subDef) return undefined;
  return subDef.type === 'boolean' ? { field: `${def.name}.${subDef.name}`, kind: 'boolean', caseExact: true } : str(`${def.name}.${subDef.name}`, { multiValued: def.multiValued });
}

const userTarget: FilterTarget = {
  resourceType: 'User',
  schemas: [URN.user, URN.enterprise, URN.platform],
  resolve: userField,
  complexField(schema, attr) {
    const def = USER_ATTRS.find((a) => a.name.toLowerCase() === attr.toLowerCase());
    return schema === URN.user && def?.multiValued && def.type === 'complex' && def.name !== 'groups' && def.name !== 'roles' ? def.name : undefined;
  },
};

const groupTarget: FilterTarget = {
  resourceType: 'Group',
  schemas: [URN.group],
  resolve(schema, path) {
    const p = path.toLowerCase();
    if (schema !== URN.group) return undefined;
    if (p === 'id') return str('_id', { caseExact: true });
    if (p === 'externalid') return str('externalId', { caseExact: true });
    if (p === 'displayname') return str('displayNameLower', { lowered: true });
    if (p === 'members' || p === 'members.value') return 'members';
    if (p === 'meta.resourcetype') return 'resourceType';
    return META_FIELDS[p];
  },
  complexField: () => undefined,
};

function compileSort(target: FilterTarget, core: string, sortBy: string, sortOrder: string): Sort {
  const order = (sortOrder || 'ascending').toLowerCase();
  if (order !== 'ascending' && order !== 'descending') throw new ScimFault(400, 'sortOrder must be "ascending" or "descending"', 'invalidValue');
  const dir = order === 'ascending' ? 1 : -1;
  let split: { schema: string; path: string };
  try {
    split = splitUrn(sortBy, target.schemas, core);
  } catch {
    throw new ScimFault(400, `cannot sort by "${sortBy}"`, 'invalidValue');
  }
  const f = target.resolve(split.schema, split.path);
  if (!f || f === 'members' || f === 'resourceType' || f.multiValued) throw new ScimFault(400, `cannot sort by "${sortBy}"; sort by a single-valued attribute such as userName, displayName or meta.created`, 'invalidValue');
  return f.field === '_id' ? { _id: dir } : { [f.field]: dir, _id: dir };
}

/** attributes / excludedAttributes (RFC 7644 §3.4.2.5): dotted and URN names, case-insensitive; id and schemas always. */
function project(resource: ScimObject, projection: ProjectionSpec, schemas: string[], core: string): ScimObject {
  const parse = (name: string) => {
    const { schema, path } = splitUrn(name.trim(), schemas, core);
    const [attr, sub] = path.split('.');
    return { schema, attr: attr.toLowerCase(), sub: sub?.toLowerCase() };
  };
  const keyOf = (obj: Json, lower: string) => Object.keys(obj).find((k) => k.toLowerCase() === lower);
  const tryParse = (list: string[]) =>
    list.flatMap((n) => {
      try {
        return [parse(n)];
      } catch {
        return [];
      }
    });
  if (projection.attributes.length) {
    const wanted = tryParse(projection.attributes);
    const out: Json = { schemas: resource.schemas, id: resource.id };
    for (const w of wanted) {
      const from = w.schema === core ? resource : (getCi(resource, w.schema) as Json | undefined);
      if (!from || typeof from !== 'object') continue;
      if (w.schema === core && w.attr === w.schema.toLowerCase()) continue;
      const k = keyOf(from, w.attr);
      if (!k) {
        // a whole extension asked for by its URN
        const extKey = keyOf(resource, `${w.schema}:${w.attr}`.toLowerCase());
        if (extKey) out[extKey] = resource[extKey];
        continue;
      }
      const target: Json = w.schema === core ? out : ((out[w.schema] as Json) ??= {});
      const value = from[k];
      if (!w.sub) target[k] = value;
      else if (Array.isArray(value)) target[k] = value.map((el) => (el && typeof el === 'object' ? Object.fromEntries(Object.entries(el).filter(([sk]) => sk.toLowerCase() === w.sub)) : el));
      else if (value && typeof value === 'object') {
        const sk = keyOf(value as Json, w.sub);
        if (sk) target[k] = { ...((target[k] as Json) ?? {}), [sk]: (value as Json)[sk] };
      }
    }
    return out;
  }
  if (projection.excludedAttributes.length) {
    const out: Json = structuredClone(resource);
    for (const x of tryParse(projection.excludedAttributes)) {
      const from = x.schema === core ? out : (getCi(out, x.schema) as Json | undefined);
      if (!from || typeof from !== 'object') continue;
      const k = keyOf(from, x.attr);
      if (!k || (x.schema === core && (k === 'id' || k === 'schemas'))) continue;
      if (!x.sub) delete from[k];
      else {
        const v = from[k];
        const els: Json[] = Array.isArray(v) ? (v as Json[]) : v && typeof v === 'object' ? [v as Json] : [];
        for (const el of els) if (el && typeof el === 'object') delete el[keyOf(el, x.sub) ?? ''];
      }
    }
    return out;
  }
  return resource;
}

const names = (defs: { name: string }[]) => defs.map((d) => d.name);

const userPatchTarget: PatchTarget = {
  core: URN.user,
  extensions: [URN.enterprise, URN.platform],
  coreAttributes: ['id', 'externalId', 'meta', 'schemas', ...names(USER_ATTRS)],
  extensionAttributes: { [URN.enterprise]: names(ENTERPRISE_ATTRS), [URN.platform]: names(PLATFORM_ATTRS) },
  multiValued: new Set(USER_ATTRS.filter((a) => a.multiValued).map((a) => a.name)),
  readOnly: new Set(['groups']),
};

const groupPatchTarget: PatchTarget = {
  core: URN.group,
  extensions: [],
  coreAttributes: ['id', 'externalId', 'meta', 'schemas', ...names(GROUP_ATTRS)],
  extensionAttributes: {},
  multiValued: new Set(['members']),
  readOnly: new Set(),
  membersAttribute: 'members',
};

const roleOf = (r: ScimObject) => JSON.stringify([getCi(r, 'roles') ?? null, (getCi(r, URN.platform) as Json | undefined)?.role ?? null]);

export const USERS_COLLECTION: CollectionSpec = {
  name: 'users',
  indexes: [
    { name: 'tenant_username', keys: { tenantId: 1, userNameLower: 1 }, unique: true },
    { name: 'tenant_external_id', keys: { tenantId: 1, externalId: 1 } },
    { name: 'tenant_email', keys: { tenantId: 1, 'emails.valueLower': 1 } },
    // sign-in: "is this person provisioned in another organization?"
    { name: 'username', keys: { userNameLower: 1 } },
    { name: 'email', keys: { 'emails.valueLower': 1 } },
  ],
};

export const GROUPS_COLLECTION: CollectionSpec = {
  name: 'groups',
  indexes: [
    { name: 'tenant_display_name', keys: { tenantId: 1, displayNameLower: 1 }, unique: true },
    { name: 'tenant_external_id', keys: { tenantId: 1, externalId: 1 } },
  ],
};

export const userModel: ResourceModel = {
  name: 'User',
  endpoint: 'Users',
  collection: USERS_COLLECTION,
  fromInput: (body) => userFromInput(body),
  toScim: (doc, baseUrl) => userToScim(doc, baseUrl),
  patch(resource, body) {
    const before = roleOf(resource);
    const result = applyPatch(resource, body, userPatchTarget);
    const r = result.resource;
    // core roles and the platform extension's role are one setting: whichever the patch touched wins
    if (roleOf(r) !== before) {
      const ext = getCi(r, URN.platform) as Json | undefined;
      const rolesChanged = JSON.stringify(getCi(r, 'roles') ?? null) !== JSON.stringify(getCi(resource, 'roles') ?? null);
      if (rolesChanged && ext) delete ext.role;
      if (!rolesChanged) delete r.roles;
    }
    return result;
  },
  async compileFilter(filter, ctx) {
    return compileFilter(parseFilter(filter), userTarget, ctx, URN.user);
  },
  compileSort: (sortBy, sortOrder) => compileSort(userTarget, URN.user, sortBy, sortOrder),
  project: (resource, projection) => project(resource, projection, userTarget.schemas, URN.user),
  wantsMembers: () => false,
};

export const groupModel: ResourceModel = {
  name: 'Group',
  endpoint: 'Groups',
  collection: GROUPS_COLLECTION,
  fromInput(body) {
    const { fields, memberIds, label } = groupFromInput(body);
    const hasMembers = body !== null && typeof body === 'object' && getCi(body as Json, 'members') !== undefined;
    return { fields, label, ...(hasMembers ? { memberIds } : {}) };
  },
  toScim: (doc, baseUrl) => groupToScim(doc, baseUrl),
  patch: (resource, body) => applyPatch(resource, body, groupPatchTarget),
  async compileFilter(filter, ctx) {
    return compileFilter(parseFilter(filter), groupTarget, ctx, URN.group);
  },
  compileSort: (sortBy, sortOrder) => compileSort(groupTarget, URN.group, sortBy, sortOrder),
  project: (resource, projection) => project(resource, projection, groupTarget.schemas, URN.group),
  wantsMembers(projection) {
    const lower = (l: string[]) => l.map((n) => n.trim().toLowerCase().replace(`${URN.group.toLowerCase()}:`, ''));
    if (projection.attributes.length) return lower(projection.attributes).some((n) => n === 'members' || n.startsWith('members.'));
    return !lower(projection.excludedAttributes).includes('members');
  },
};

/** GET /ServiceProviderConfig, /ResourceTypes[/id], /Schemas[/id]. */
export function discoveryDocument(endpoint: string, id: string, baseUrl: string, opts: { maxResults: number; maxPayloadSize: number } = { maxResults: 1000, maxPayloadSize: 1048576 }): unknown {
  const list = (resources: Array<{ id: string }>) => {
    if (id) {
      const found = resources.find((r) => r.id.toLowerCase() === id.toLowerCase());
      if (!found) throw new ScimFault(404, `${endpoint}/${id} not found`);
      return found;
    }
    return { schemas: [URN.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
  };
  if (endpoint === 'ServiceProviderConfig') return serviceProviderConfig(baseUrl, opts);
  if (endpoint === 'ResourceTypes') return list(resourceTypeDocuments(baseUrl));
  if (endpoint === 'Schemas') return list(schemaDocuments(baseUrl));
  throw new ScimFault(404, `unknown discovery endpoint ${endpoint}`);
}

const ROLE_NUMBER: Record<string, number> = { ReadOnly: 1, User: 2, Admin: 3, EnterpriseAdmin: 4 };

export function userSummary(doc: StoredResource) {
  const emails = (doc.emails as Json[] | undefined) ?? [];
  const primary = emails.find((e) => e.primary === true) ?? emails[0];
  return {
    userName: String(doc.userName ?? ''),
    displayName: String(doc.displayName ?? [((doc.name as Json | undefined)?.givenName as string) ?? '', ((doc.name as Json | undefined)?.familyName as string) ?? ''].join(' ').trim()),
    email: String(primary?.value ?? ''),
    active: doc.active !== false,
    role: ROLE_NUMBER[String(doc.role ?? '')] ?? 0,
    externalId: String(doc.externalId ?? ''),
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

export { ROLES };

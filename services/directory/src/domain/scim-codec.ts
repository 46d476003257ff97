/**
 * Validation of SCIM User/Group bodies into the stored layout, and rendering back to SCIM.
 *
 * Stored user: core attributes at the top level under their canonical names, plus lower-cased shadows for
 * case-insensitive lookups (`userNameLower`, `emails[].valueLower`), the Enterprise extension under
 * `enterprise` and the platform role under `role` (URNs contain dots, which cannot be field names).
 * Stored group: `displayName` + `displayNameLower`, `externalId`; members live in their own collection.
 */
import { ScimFault } from './scim-fault.js';
import { ENTERPRISE_ATTRS, ROLES, URN, findAttr, type AttrDef, type RoleName, USER_ATTRS } from './scim-schema.js';

export const invalidValue = (detail: string) => new ScimFault(400, detail, 'invalidValue');

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Case-insensitive own-key lookup (SCIM attribute names are case-insensitive). */
export function getCi(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function toBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw invalidValue(`"${path}" must be a boolean (true or false)`);
}

function toStr(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalidValue(`"${path}" must be a string`);
}

/** Simple sub-attributes of a complex value, validated by their descriptors; unknown ones are dropped. */
function complexValue(v: unknown, def: AttrDef, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalidValue(`"${path}" must be an object`);
  const out: Json = {};
  for (const sub of def.subAttributes ?? []) {
    const raw = getCi(v, sub.name);
    const val = sub.type === 'boolean' ? toBool(raw, `${path}.${sub.name}`) : toStr(raw, `${path}.${sub.name}`);
    if (val !== undefined && val !== '') out[sub.name] = val;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Multi-valued complex attribute: always an array; `type` unique per resource; at most one primary. */
function multiValue(v: unknown, def: AttrDef): Json[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  const out: Json[] = [];
  const types = new Set<string>();
  let primaries = 0;
  for (const [i, item] of list.entries()) {
    const value = isObject(item) ? complexValue(item, def, `${def.name}[${i}]`) : typeof item === 'string' ? { value: item } : undefined;
    if (item !== null && item !== undefined && !isObject(item) && typeof item !== 'string') throw invalidValue(`"${def.name}" values must be objects`);
    if (!value) continue;
    const type = typeof value.type === 'string' ? value.type.toLowerCase() : undefined;
    if (type) {
      if (types.has(type)) throw invalidValue(`"${def.name}" has two values of type "${value.type}"; a type may appear once`);
      types.add(type);
    }
    if (value.primary === true && ++primaries > 1) throw invalidValue(`"${def.name}" has more than one primary value`);
    out.push(value);
  }
  return out.length ? out : undefined;
}

function parseRole(v: unknown, path: string): RoleName | undefined {
  const s = toStr(v, path);
  if (s === undefined || s === '') return undefined;
  const found = ROLES.find((r) => r.toLowerCase() === s.trim().toLowerCase());
  if (!found) throw invalidValue(`"${s}" is not a role; allowed values: ${ROLES.join(', ')} (or no role for app-only access)`);
  return found;
}

function roleFromRoles(v: unknown): RoleName | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  const values = list.map((r) => (isObject(r) ? { value: getCi(r, 'value'), primary: toBool(getCi(r, 'primary'), 'roles.primary') } : { value: r, primary: false })).filter((r) => r.value !== undefined && r.value !== null && r.value !== '');
  if (!values.length) return undefined;
  for (const r of values) parseRole(r.value, 'roles');
  return parseRole((values.find((r) => r.primary) ?? values[0]).value, 'roles');
}

function managerValue(v: unknown): Json | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const item = Array.isArray(v) ? v[0] : v;
  if (item === undefined || item === null) return undefined;
  if (typeof item === 'string') return item ? { value: item } : undefined;
  if (!isObject(item)) throw invalidValue('"manager" must be an id, {"value": id} or [{"value": id}]');
  const value = toStr(getCi(item, 'value'), 'manager.value');
  if (!value) return undefined;
  const ref = toStr(getCi(item, '$ref'), 'manager.$ref');
  const displayName = toStr(getCi(item, 'displayName'), 'manager.displayName');
  return { value, ...(ref ? { $ref: ref } : {}), ...(displayName ? { displayName } : {}) };
}

/** The extension object of a body, found by its URN case-insensitively. */
function extension(body: Json, urn: string): Json | undefined {
  const v = getCi(body, urn);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalidValue(`"${urn}" must be an object`);
  return v;
}

const SIMPLE_USER = ['displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'];
const MULTI_USER = ['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements'];

export function userFromInput(body: unknown): { fields: Json; label: string } {
  if (!isObject(body)) throw invalidValue('the body must be a JSON object describing a User');
  const fields: Json = {};
  const userName = toStr(getCi(body, 'userName'), 'userName')?.trim();
  if (!userName) throw invalidValue('"userName" is required');
  fields.userName = userName;
  fields.userNameLower = userName.toLowerCase();
  const externalId = toStr(getCi(body, 'externalId'), 'externalId');
  if (externalId) fields.externalId = externalId;

  const name = complexValue(getCi(body, 'name'), findAttr(USER_ATTRS, 'name')!, 'name');
  if (!name?.givenName) throw invalidValue('"name.givenName" is required');
  if (!name?.familyName) throw invalidValue('"name.familyName" is required');
  fields.name = name;

  for (const attr of SIMPLE_USER) {
    const v = toStr(getCi(body, attr), attr);
    if (v !== undefined && v !== '') fields[attr] = v;
  }
  fields.active = toBool(getCi(body, 'active'), 'active') ?? true;

  for (const attr of MULTI_USER) {
    const list = multiValue(getCi(body, attr), findAttr(USER_ATTRS, attr)!);
    if (list) fields[attr] = list;
  }
  const emails = fields.emails as Json[] | undefined;
  if (!emails?.some((e) => typeof e.value === 'string' && e.value.trim())) throw invalidValue('an e-mail address is required ("emails" with a "value")');
  for (const e of emails) if (typeof e.value === 'string') e.valueLower = e.value.toLowerCase();

  const platform = extension(body, URN.platform);
  const role = (platform ? parseRole(getCi(platform, 'role'), `${URN.platform}:role`) : undefined) ?? roleFromRoles(getCi(body, 'roles'));
  if (role) fields.role = role;

  const ent = extension(body, URN.enterprise);
  if (ent) {
    const out: Json = {};
    for (const def of ENTERPRISE_ATTRS) {
      const raw = getCi(ent, def.name);
      const v = def.name === 'manager' ? managerValue(raw) : toStr(raw, `${URN.enterprise}:${def.name}`);
      if (v !== undefined && v !== '') out[def.name] = v;
    }
    if (Object.keys(out).length) fields.enterprise = out;
  }
  return { fields, label: userName };
}

export function groupFromInput(body: unknown): { fields: Json; memberIds: string[]; label: string } {
  if (!isObject(body)) throw invalidValue('the body must be a JSON object describing a Group');
  const displayName = toStr(getCi(body, 'displayName'), 'displayName')?.trim();
  if (!displayName) throw invalidValue('"displayName" is required');
  const fields: Json = { displayName, displayNameLower: displayName.toLowerCase() };
  const externalId = toStr(getCi(body, 'externalId'), 'externalId');
  if (externalId) fields.externalId = externalId;
  const rawMembers = getCi(body, 'members');
  const memberIds: string[] = [];
  if (rawMembers !== undefined && rawMembers !== null) {
    if (!Array.isArray(rawMembers)) throw invalidValue('"members" must be an array of {"value": "<user id>"}');
    for (const m of rawMembers) {
      const id = isObject(m) ? toStr(getCi(m, 'value'), 'members.value') : typeof m === 'string' ? m : undefined;
      if (!id) throw invalidValue('every member needs a "value" (the id of a user)');
      memberIds.push(id);
    }
  }
  return { fields, memberIds: [...new Set(memberIds)], label: displayName };
}

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d));

function meta(doc: Json, resourceType: string, location: string) {
  const m = doc.meta as { created: Date; lastModified: Date; version: number };
  return { resourceType, created: iso(m.created), lastModified: iso(m.lastModified), location, version: `W/"${m.version}"` };
}

export function userToScim(doc: Json, baseUrl: string): Json {
  const ent = doc.enterprise as Json | undefined;
  const schemas: string[] = [URN.user];
  if (ent) schemas.push(URN.enterprise);
  if (doc.role) schemas.push(URN.platform);
  const out: Json = { schemas, id: doc._id };
  if (doc.externalId) out.externalId = doc.externalId;
  out.userName = doc.userName;
  if (doc.name) out.name = doc.name;
  for (const attr of SIMPLE_USER) if (doc[attr] !== undefined) out[attr] = doc[attr];
  out.active = doc.active !== false;
  for (const attr of MULTI_USER) {
    const list = doc[attr] as Json[] | undefined;
    if (list) out[attr] = list.map(({ valueLower, ...rest }) => rest);
  }
  if (doc.role) {
    out.roles = [{ value: doc.role, primary: true }];
    out[URN.platform] = { role: doc.role };
  }
  if (ent) out[URN.enterprise] = ent.manager ? { ...ent, manager: { ...(ent.manager as Json), $ref: (ent.manager as Json).$ref ?? `${baseUrl}/Users/${(ent.manager as Json).value}` } } : ent;
  out.meta = meta(doc, 'User', `${baseUrl}/Users/${doc._id}`);
  return out;
}

export function groupToScim(doc: Json, baseUrl: string): Json {
  const out: Json = { schemas: [URN.group], id: doc._id };
  if (doc.externalId) out.externalId = doc.externalId;
  out.displayName = doc.displayName;
  out.meta = meta(doc, 'Group', `${baseUrl}/Groups/${doc._id}`);
  return out;
}

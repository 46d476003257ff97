import { describe, expect, it } from '@jest/globals';
import { groupModel, userModel } from '../src/domain/scim-models.js';
import { userFromInput } from '../src/domain/scim-codec.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PLATFORM = 'urn:ietf:params:scim:schemas:extension:platform:2.0:User';
const base = 'https://gw.example/scim/v2/t1';

function userResource(extra: Record<string, unknown> = {}) {
  const { fields } = userFromInput({ userName: 'ada@x.example', name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'ada@x.example', type: 'work', primary: true }], ...extra });
  return userModel.toScim({ ...fields, _id: 'u1', tenantId: 't1', meta: { created: new Date(0), lastModified: new Date(0), version: 1 }, provisioned: true }, base);
}
const patchUser = (ops: unknown[], r = userResource()) => userModel.fromInput(userModel.patch(r, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops }).resource).fields;

describe('PATCH on users', () => {
  it("applies Okta's path-less active toggles", () => {
    expect(patchUser([{ op: 'replace', value: { active: false } }]).active).toBe(false);
    expect(patchUser([{ op: 'replace', value: { active: true } }]).active).toBe(true);
  });
  it("applies Entra's default dialect: one op per path, capitalised ops, string booleans, value-filtered paths, URN paths", () => {
    const f = patchUser([
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Replace', path: 'name.familyName', value: 'Byron' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@x.example' },
      { op: 'Add', path: `${ENT}:employeeNumber`, value: '42' },
      { op: 'Replace', path: 'userName', value: 'new@x.example' },
    ]);
    expect(f).toMatchObject({ active: false, name: { givenName: 'Ada', familyName: 'Byron' }, emails: [{ value: 'new@x.example', valueLower: 'new@x.example', type: 'work' }], enterprise: { employeeNumber: '42' }, userName: 'new@x.example', userNameLower: 'new@x.example' });
  });
  it("applies Entra's compliant dialect: one path-less op keyed by dotted and URN names", () => {
    const f = patchUser([{ op: 'replace', value: { 'name.givenName': 'Augusta', [`${ENT}:department`]: 'Math', active: false } }]);
    expect(f).toMatchObject({ name: { givenName: 'Augusta', familyName: 'Lovelace' }, enterprise: { department: 'Math' }, active: false });
  });
  it('takes the manager as an id, {value} or [{value}] and stores {value}', () => {
    expect(patchUser([{ op: 'add', path: `${ENT}:manager`, value: 'boss' }]).enterprise).toEqual({ manager: { value: 'boss' } });
    expect(patchUser([{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss2' }] }]).enterprise).toEqual({ manager: { value: 'boss2' } });
    const r = userResource({ [ENT]: { manager: { value: 'boss3' } } });
    expect((r[ENT] as { manager: unknown }).manager).toEqual({ value: 'boss3', $ref: `${base}/Users/boss3` });
    expect(patchUser([{ op: 'remove', path: `${ENT}:manager` }], r).enterprise).toBeUndefined();
  });
  it('adds to and removes from multi-valued attributes, by filter too', () => {
    const added = patchUser([{ op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555', type: 'work' }] }]);
    expect(added.phoneNumbers).toEqual([{ value: '+1 555', type: 'work' }]);
    const r = userResource({ phoneNumbers: [{ value: '1', type: 'work' }, { value: '2', type: 'mobile' }] });
    expect(patchUser([{ op: 'remove', path: 'phoneNumbers[type eq "work"]' }], r).phoneNumbers).toEqual([{ value: '2', type: 'mobile' }]);
  });
  it('maps roles from either place; whichever the patch changed wins', () => {
    expect(patchUser([{ op: 'replace', path: 'roles', value: [{ value: 'Admin' }] }]).role).toBe('Admin');
    const admin = userResource({ roles: [{ value: 'Admin' }] });
    expect(patchUser([{ op: 'replace', path: `${PLATFORM}:role`, value: 'ReadOnly' }], admin).role).toBe('ReadOnly');
    expect(patchUser([{ op: 'remove', path: 'roles' }], admin).role).toBeUndefined();
    expect(() => patchUser([{ op: 'replace', path: 'roles', value: [{ value: 'Root' }] }])).toThrow(/ReadOnly, User, Admin, EnterpriseAdmin/);
  });
  it('refuses what RFC 7644 refuses, with the right scimType', () => {
    const fail = (ops: unknown[]) => {
      try {
        patchUser(ops);
      } catch (e) {
        return (e as { scimType?: string }).scimType;
      }
      return 'no error';
    };
    expect(fail([{ op: 'remove' }])).toBe('noTarget');
    expect(fail([{ op: 'replace', path: 'emails[type eq "home"].value', value: 'x' }])).toBe('noTarget');
    expect(fail([{ op: 'replace', path: 'id', value: 'other' }])).toBe('mutability');
    expect(fail([{ op: 'replace', path: 'nosuch', value: 'x' }])).toBe('invalidPath');
    expect(fail([{ op: 'jump', path: 'active', value: true }])).toBe('invalidSyntax');
    expect(fail([])).toBe('invalidSyntax');
    expect(fail([{ op: 'remove', path: 'name.familyName' }])).toBe('invalidValue');
  });
});

describe('PATCH on groups: members become membership changes, never an in-memory list', () => {
  const group = groupModel.toScim({ _id: 'g1', tenantId: 't1', displayName: 'Eng', displayNameLower: 'eng', meta: { created: new Date(0), lastModified: new Date(0), version: 1 }, provisioned: true }, base);
  const patch = (ops: unknown[]) => groupModel.patch(group, { Operations: ops });
  it("turns Okta's remove-by-filter plus add into ordered changes", () => {
    expect(patch([{ op: 'remove', path: 'members[value eq "u1"]' }, { op: 'add', path: 'members', value: [{ value: 'u2', display: 'b' }] }]).membership).toEqual([{ op: 'remove', userIds: ['u1'] }, { op: 'add', userIds: ['u2'] }]);
  });
  it("renames with Okta's path-less replace carrying the group's own id, members untouched", () => {
    const r = patch([{ op: 'replace', value: { id: 'g1', displayName: 'Eng EU' } }]);
    expect(r.membership).toEqual([]);
    expect(groupModel.fromInput(r.resource).fields).toMatchObject({ displayName: 'Eng EU', displayNameLower: 'eng eu' });
  });
  it("reads Entra's Remove with a value list as 'remove only these', and a bare remove as 'remove all'", () => {
    expect(patch([{ op: 'Remove', path: 'members', value: [{ value: 'u3' }] }]).membership).toEqual([{ op: 'remove', userIds: ['u3'] }]);
    expect(patch([{ op: 'remove', path: 'members' }]).membership).toEqual([{ op: 'removeAll' }]);
    expect(patch([{ op: 'replace', path: 'members', value: [{ value: 'u4' }] }]).membership).toEqual([{ op: 'replace', userIds: ['u4'] }]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { groupFromInput, userFromInput, userToScim } from '../src/domain/scim-codec.js';
import { userModel, discoveryDocument } from '../src/domain/scim-models.js';

const valid = { userName: 'A@x.example', name: { givenName: 'A', familyName: 'B' }, emails: [{ value: 'A@x.example', type: 'work' }] };

describe('User validation and rendering', () => {
  it('requires userName, givenName, familyName and an e-mail, naming the attribute', () => {
    expect(() => userFromInput({ ...valid, userName: undefined })).toThrow(/userName/);
    expect(() => userFromInput({ ...valid, name: { givenName: 'A' } })).toThrow(/name.familyName/);
    expect(() => userFromInput({ ...valid, name: { familyName: 'B' } })).toThrow(/name.givenName/);
    expect(() => userFromInput({ ...valid, emails: [] })).toThrow(/e-mail/);
  });
  it('ignores password, read-only and unknown attributes; stores values as sent', () => {
    const { fields } = userFromInput({ ...valid, password: 's3cret', id: 'client-id', meta: { created: 'x' }, groups: [{ value: 'g' }], nickNamez: 'typo', phoneNumbers: [{ value: '+1 (555) 010-9999', type: 'work' }] });
    expect(JSON.stringify(fields)).not.toContain('s3cret');
    expect(fields).not.toHaveProperty('id');
    expect(fields).not.toHaveProperty('groups');
    expect(fields).not.toHaveProperty('nickNamez');
    expect(fields.phoneNumbers).toEqual([{ value: '+1 (555) 010-9999', type: 'work' }]);
  });
  it('reads "True"/"False" strings and returns JSON booleans; nulls are absent', () => {
    expect(userFromInput({ ...valid, active: 'False' }).fields.active).toBe(false);
    expect(userFromInput({ ...valid, active: null, title: null }).fields).toMatchObject({ active: true });
    expect(() => userFromInput({ ...valid, active: 'maybe' })).toThrow(/boolean/);
  });
  it('refuses two values of one type in a multi-valued attribute', () => {
    expect(() => userFromInput({ ...valid, emails: [{ value: 'a@x', type: 'work' }, { value: 'b@x', type: 'Work' }] })).toThrow(/type "Work"/);
  });
  it('renders meta, schemas and never the shadow fields', () => {
    const { fields } = userFromInput({ ...valid, roles: [{ value: 'user' }] });
    const r = userToScim({ ...fields, _id: 'u1', meta: { created: new Date(0), lastModified: new Date(1000), version: 3 } }, 'https://b');
    expect(r).toMatchObject({ id: 'u1', meta: { resourceType: 'User', version: 'W/"3"', location: 'https://b/Users/u1', created: '1970-01-01T00:00:00.000Z' }, roles: [{ value: 'User', primary: true }] });
    expect(JSON.stringify(r)).not.toMatch(/Lower/);
  });
  it('projects attributes and excludedAttributes with dotted and URN names; id always', () => {
    const r = userToScim({ ...userFromInput({ ...valid, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'D', costCenter: 'C' } }).fields, _id: 'u1', meta: { created: new Date(0), lastModified: new Date(0), version: 1 } }, 'https://b');
    expect(userModel.project(r, { attributes: ['userName', 'name.familyName'], excludedAttributes: [] })).toEqual({ schemas: r.schemas, id: 'u1', userName: 'A@x.example', name: { familyName: 'B' } });
    const ex = userModel.project(r, { attributes: [], excludedAttributes: ['emails', 'ID', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter'] });
    expect(ex).toHaveProperty('id', 'u1');
    expect(ex).not.toHaveProperty('emails');
    expect(ex['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'D' });
  });
});

describe('Group validation and discovery', () => {
  it('requires displayName and returns member ids once', () => {
    expect(() => groupFromInput({ members: [] })).toThrow(/displayName/);
    expect(groupFromInput({ displayName: 'X', members: [{ value: 'a' }, { value: 'a' }, { value: 'b' }] }).memberIds).toEqual(['a', 'b']);
    expect(() => groupFromInput({ displayName: 'X', members: [{ display: 'no value' }] })).toThrow(/value/);
  });
  it('describes the schemas without null values and finds single items case-insensitively', () => {
    const schemas = discoveryDocument('Schemas', '', 'https://b') as { Resources: unknown[] };
    expect(JSON.stringify(schemas)).not.toContain('null');
    expect(schemas.Resources).toHaveLength(4);
    expect(discoveryDocument('ResourceTypes', 'user', 'https://b')).toMatchObject({ id: 'User' });
    expect(() => discoveryDocument('Schemas', 'urn:nope', 'https://b')).toThrow(/not found/);
  });
});

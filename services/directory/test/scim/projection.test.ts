import { describe, expect, it } from '@jest/globals';
import {
  GROUP_RESOURCE,
  projectResource,
  USER_RESOURCE,
  userFromStored,
  wantsAttribute,
  wantsMembers,
} from '../../src/domain/scim/index.js';
import { ada, cyd, ENTERPRISE } from './support.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const rep = () => userFromStored(ada, 'https://x/scim/v2/t');
const project = (spec: { attributes?: string[] | string; excludedAttributes?: string[] | string }) =>
  projectResource(USER_RESOURCE, rep(), spec);

describe('attributes', () => {
  it('returns only what is asked, plus schemas and id', () => {
    expect(project({ attributes: 'userName' })).toEqual({ schemas: [CORE], id: 'u-ada', userName: 'Ada@Example.com' });
    expect(project({ attributes: ['id'] })).toEqual({ schemas: [CORE], id: 'u-ada' });
    expect(project({ attributes: 'USERNAME, Active' })).toEqual({
      schemas: [CORE],
      id: 'u-ada',
      userName: 'Ada@Example.com',
      active: true,
    });
  });

  it('selects sub-attributes, also inside multi-valued attributes', () => {
    expect(project({ attributes: 'name.givenName,emails.value,meta.created' })).toEqual({
      schemas: [CORE],
      id: 'u-ada',
      name: { givenName: 'Ada' },
      emails: [{ value: 'Ada@Example.com' }, { value: 'ada@home.example' }],
      meta: { created: '2024-05-01T00:00:00.000Z' },
    });
    expect(project({ attributes: 'emails.type,emails' })).toMatchObject({ emails: rep().emails });
  });

  it('selects URN-qualified attributes and whole extensions', () => {
    expect(project({ attributes: `${ENTERPRISE}:manager` })).toEqual({
      schemas: [CORE, ENTERPRISE],
      id: 'u-ada',
      [ENTERPRISE]: { manager: { value: 'boss1', $ref: 'https://x/scim/v2/t/Users/boss1' } },
    });
    expect(
      project({ attributes: `${ENTERPRISE}:manager.value,urn:ietf:params:scim:schemas:core:2.0:User:userName` }),
    ).toEqual({
      schemas: [CORE, ENTERPRISE],
      id: 'u-ada',
      userName: 'Ada@Example.com',
      [ENTERPRISE]: { manager: { value: 'boss1' } },
    });
    expect(project({ attributes: ENTERPRISE.toUpperCase() })).toEqual({
      schemas: [CORE, ENTERPRISE],
      id: 'u-ada',
      [ENTERPRISE]: rep()[ENTERPRISE],
    });
    expect(project({ attributes: 'manager' })).toMatchObject({ [ENTERPRISE]: { manager: { value: 'boss1' } } });
  });

  it('reads the core schema URN alone as all core attributes', () => {
    const r = project({ attributes: CORE });
    expect(r).not.toHaveProperty(ENTERPRISE);
    expect(r).not.toHaveProperty('meta');
    expect(r).toMatchObject({ userName: 'Ada@Example.com', emails: rep().emails });
    expect(wantsMembers({ attributes: 'urn:ietf:params:scim:schemas:core:2.0:Group' })).toBe(true);
  });

  it('ignores unknown names', () => {
    expect(project({ attributes: 'nope,userName,urn:x:y:z' })).toEqual({
      schemas: [CORE],
      id: 'u-ada',
      userName: 'Ada@Example.com',
    });
  });
});

describe('excludedAttributes', () => {
  it('removes attributes and sub-attributes, never id or schemas', () => {
    const r = project({ excludedAttributes: 'emails.type,meta,id,schemas,name.familyName' });
    expect(r.id).toBe('u-ada');
    expect(r.schemas).toEqual([CORE, ENTERPRISE]);
    expect(r).not.toHaveProperty('meta');
    expect(r.emails).toEqual([{ value: 'Ada@Example.com', primary: true }, { value: 'ada@home.example' }]);
    expect(r.name).toEqual({ givenName: 'Ada' });
  });

  it('drops an extension from schemas when nothing of it is left', () => {
    const r = project({ excludedAttributes: `${ENTERPRISE}:department,${ENTERPRISE}:manager,employeeNumber` });
    expect(r).not.toHaveProperty(ENTERPRISE);
    expect(r.schemas).toEqual([CORE]);
    expect(project({ excludedAttributes: ENTERPRISE }).schemas).toEqual([CORE]);
  });

  it('applies after attributes when both are given', () => {
    expect(project({ attributes: 'userName,emails', excludedAttributes: 'emails.primary,emails.type' })).toEqual({
      schemas: [CORE],
      id: 'u-ada',
      userName: 'Ada@Example.com',
      emails: [{ value: 'Ada@Example.com' }, { value: 'ada@home.example' }],
    });
  });

  it('never returns password and never changes its input', () => {
    const input = { ...rep(), password: 'x' };
    const copy = structuredClone(input);
    expect(projectResource(USER_RESOURCE, input, {})).not.toHaveProperty('password');
    expect(projectResource(USER_RESOURCE, input, { attributes: 'password,userName' })).not.toHaveProperty('password');
    projectResource(USER_RESOURCE, input, { excludedAttributes: 'emails.value' });
    expect(input).toEqual(copy);
  });

  it('returns the whole resource without a projection', () => {
    expect(projectResource(USER_RESOURCE, userFromStored(cyd, 'b'), {})).toEqual(userFromStored(cyd, 'b'));
  });
});

describe('whether members are wanted', () => {
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g1',
    displayName: 'Eng',
    members: [{ value: 'u1', display: 'Ada', $ref: 'x', type: 'User' }],
  };

  it("follows Entra's excludedAttributes=members and attributes lists", () => {
    expect(wantsMembers({})).toBe(true);
    expect(wantsMembers({ excludedAttributes: 'members' })).toBe(false);
    expect(wantsMembers({ excludedAttributes: ['urn:ietf:params:scim:schemas:core:2.0:Group:Members'] })).toBe(false);
    expect(wantsMembers({ excludedAttributes: 'members.display' })).toBe(true);
    expect(wantsMembers({ attributes: 'displayName' })).toBe(false);
    expect(wantsMembers({ attributes: 'displayName,members.value' })).toBe(true);
    expect(wantsAttribute(USER_RESOURCE, { attributes: ENTERPRISE }, 'manager')).toBe(true);
    expect(wantsAttribute(USER_RESOURCE, {}, 'password')).toBe(false);
  });

  it('projects groups', () => {
    expect(projectResource(GROUP_RESOURCE, group, { excludedAttributes: 'members' })).toEqual({
      schemas: group.schemas,
      id: 'g1',
      displayName: 'Eng',
    });
    expect(projectResource(GROUP_RESOURCE, group, { attributes: 'members.value' })).toEqual({
      schemas: group.schemas,
      id: 'g1',
      members: [{ value: 'u1' }],
    });
  });
});

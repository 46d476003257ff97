import { describe, expect, it } from '@jest/globals';
import {
  groupFromStored,
  groupToStored,
  userFromStored,
  userToStored,
  validateGroup,
  validateUser,
} from '../../src/domain/scim/index.js';
import { ada, bob, cyd, ENTERPRISE, PLATFORM, storedUser, user } from './support.js';

const BASE = 'https://gw.example.com/scim/v2/org1';

describe('user codec: stored layout', () => {
  it('stores attributes as sent plus lower-cased shadows, extensions under short names', () => {
    const v = validateUser({
      ...user('Ada@Example.COM'),
      emails: [
        { value: 'Ada@Example.COM', type: 'work' },
        { value: 'ADA@home.example', type: 'home', primary: true },
      ],
      [ENTERPRISE]: { department: 'Math', manager: 'boss1' },
      [PLATFORM]: { role: 'admin' },
      password: 'secret',
    });
    expect(userToStored(v)).toEqual({
      userName: 'Ada@Example.COM',
      userNameLower: 'ada@example.com',
      name: { givenName: 'Given', familyName: 'Family' },
      active: true,
      emails: [
        { value: 'Ada@Example.COM', valueLower: 'ada@example.com', type: 'work' },
        { value: 'ADA@home.example', valueLower: 'ada@home.example', type: 'home', primary: true },
      ],
      primaryEmailLower: 'ada@home.example',
      enterprise: { department: 'Math', manager: { value: 'boss1' } },
      platform: { role: 'Admin' },
      role: 'Admin',
    });
  });

  it('keeps the effective role from core roles without inventing a platform extension', () => {
    expect(bob.role).toBe('Admin');
    expect(bob.platform).toBeUndefined();
    expect(bob.roles).toEqual([{ value: 'Admin', primary: true }]);
    expect(cyd.role).toBe('EnterpriseAdmin');
    expect(ada.role).toBeUndefined();
  });

  it('sorts users without a primary email by their first one', () => {
    expect(cyd.primaryEmailLower).toBe('cyd@x.org');
  });
});

describe('user codec: SCIM representation', () => {
  it('renders a stored user without shadows, with id, meta and the extensions present', () => {
    const scim = userFromStored(ada, BASE);
    expect(scim).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      id: 'u-ada',
      externalId: 'ExT-1',
      userName: 'Ada@Example.com',
      name: { familyName: 'Lovelace', givenName: 'Ada' },
      title: 'Countess',
      active: true,
      emails: [
        { value: 'Ada@Example.com', type: 'work', primary: true },
        { value: 'ada@home.example', type: 'home' },
      ],
      // the manager's $ref is built from its id (issue 17: /Schemas declares it read-only)
      [ENTERPRISE]: {
        employeeNumber: '42',
        department: 'Math',
        manager: { value: 'boss1', $ref: `${BASE}/Users/boss1` },
      },
      meta: {
        resourceType: 'User',
        created: '2024-05-01T00:00:00.000Z',
        lastModified: '2024-05-01T00:00:00.000Z',
        location: `${BASE}/Users/u-ada`,
        version: 'W/"1"',
      },
    });
    expect(Object.keys(scim).slice(0, 3)).toEqual(['schemas', 'id', 'externalId']);
    expect(Object.keys(scim).at(-1)).toBe('meta');
  });

  it('returns JSON booleans, the platform role as sent, and manager as {value}', () => {
    expect(userFromStored(bob, BASE).active).toBe(false);
    expect(userFromStored(cyd, BASE)[PLATFORM]).toEqual({ role: 'EnterpriseAdmin' });
    expect(userFromStored(cyd, BASE).schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', PLATFORM]);
  });

  it('never renders password or groups, even if a document had them', () => {
    const scim = userFromStored(
      { ...ada, password: 'x', groups: [{ value: 'g' }], tenantId: 't', provisioned: true },
      BASE,
    );
    expect(scim).not.toHaveProperty('password');
    expect(scim).not.toHaveProperty('groups');
    expect(scim).not.toHaveProperty('tenantId');
    expect(scim).not.toHaveProperty('provisioned');
  });

  it('round-trips: validating the representation stores the same fields', () => {
    for (const doc of [ada, bob, cyd]) {
      const again = userToStored(validateUser(userFromStored(doc, BASE)));
      const { _id, tenantId, meta, provisioned, ...fields } = doc;
      expect(again).toEqual(fields);
    }
  });

  it('keeps the version as the weak ETag the gateway sends', () => {
    expect(userFromStored(storedUser(user('x'), 'u9', '2024-01-01T00:00:00Z', 17), BASE).meta).toMatchObject({
      version: 'W/"17"',
    });
  });
});

describe('group codec', () => {
  it('stores displayName with its lower-cased shadow and externalId, never members', () => {
    const g = validateGroup({ displayName: 'Engineering', externalId: 'okta-1', members: [{ value: 'u1' }] });
    expect(groupToStored(g)).toEqual({
      displayName: 'Engineering',
      displayNameLower: 'engineering',
      externalId: 'okta-1',
    });
  });

  it('renders a group without members', () => {
    const doc = {
      _id: 'g1',
      tenantId: 't',
      displayName: 'Engineering',
      displayNameLower: 'engineering',
      meta: { created: new Date(0), lastModified: new Date(1000), version: 3 },
    };
    expect(groupFromStored(doc, BASE)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g1',
      displayName: 'Engineering',
      meta: {
        resourceType: 'Group',
        created: '1970-01-01T00:00:00.000Z',
        lastModified: '1970-01-01T00:00:01.000Z',
        location: `${BASE}/Groups/g1`,
        version: 'W/"3"',
      },
    });
  });
});

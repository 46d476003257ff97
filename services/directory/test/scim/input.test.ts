import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ScimError, userToStored, validateGroup, validateUser } from '../../src/domain/scim/index.js';
import { ENTERPRISE, PLATFORM, scimErrorOf, user } from './support.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('User input: what Okta and Entra send', () => {
  it("accepts Okta's create body, drops password and groups, keeps the rest as sent", () => {
    const v = validateUser({
      schemas: [CORE],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(v.resource).toEqual({
      schemas: [CORE],
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      displayName: 'Test User',
      locale: 'en-US',
      active: true,
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
    });
    expect(v.userName).toBe('test.user@okta.local');
    expect(v.role).toBeUndefined();
  });

  it("accepts Entra's create body with meta, null values and empty roles", () => {
    const v = validateUser({
      schemas: [CORE, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      title: null,
      nickName: null,
      [ENTERPRISE]: { department: null, manager: null },
    });
    expect(v.resource).toEqual({
      schemas: [CORE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
    });
  });

  it('reads "True"/"False" strings as booleans (MS-REF)', () => {
    expect(validateUser(user('a', { active: 'True' })).resource.active).toBe(true);
    expect(validateUser(user('a', { active: 'false' })).resource.active).toBe(false);
    expect(validateUser(user('a', { emails: [{ value: 'a@b', primary: 'True' }] })).resource.emails).toEqual([
      { value: 'a@b', primary: true },
    ]);
    expect(scimErrorOf(() => validateUser(user('a', { active: 'yes' }))).detail).toBe('active must be true or false');
  });

  it('defaults active to true', () => {
    const { active: _omit, ...body } = user('a');
    expect(validateUser(body).resource.active).toBe(true);
  });

  it('ignores id, meta, groups and unknown attributes (MS-REF: a misspelled attribute is ignored)', () => {
    const v = validateUser(
      user('a', {
        id: 'forged',
        meta: { created: 'x' },
        groups: [{ value: 'g' }],
        nikName: 'typo',
        name: { givenName: 'G', familyName: 'F', unknownSub: 1 },
        'urn:x:y:z': 1,
        [ENTERPRISE]: { shoeSize: 44 },
      }),
    );
    expect(Object.keys(v.resource)).toEqual(['schemas', 'userName', 'name', 'active', 'emails']);
    expect(v.resource.name).toEqual({ givenName: 'G', familyName: 'F' });
  });

  it('matches attribute names case-insensitively and canonicalizes them', () => {
    const v = validateUser({
      USERNAME: 'a',
      Name: { GivenName: 'G', FAMILYNAME: 'F' },
      Emails: [{ Value: 'a@b', TYPE: 'work' }],
      Active: false,
    });
    expect(v.resource).toEqual({
      schemas: [CORE],
      userName: 'a',
      name: { givenName: 'G', familyName: 'F' },
      active: false,
      emails: [{ value: 'a@b', type: 'work' }],
    });
  });

  it('accepts URN-qualified and dotted attribute names', () => {
    const v = validateUser({
      ...user('a'),
      [`${ENTERPRISE}:department`]: 'R&D',
      [`${CORE}:title`]: 'CTO',
      'name.middleName': 'M',
    });
    expect(v.resource[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect(v.resource.title).toBe('CTO');
    expect(v.resource.name).toEqual({ givenName: 'Given', familyName: 'Family', middleName: 'M' });
    expect(v.resource.schemas).toEqual([CORE, ENTERPRISE]);
  });

  it('stores values exactly as sent', () => {
    const phones = [
      { value: '+1 (555) 555-5555', type: 'work' },
      { value: 'tel:+44-20-7946-0000', type: 'mobile' },
    ];
    const v = validateUser(
      user('MiXeD@Example.COM', { phoneNumbers: phones, addresses: [{ streetAddress: ' 1 Main St ', type: 'work' }] }),
    );
    expect(v.resource.phoneNumbers).toEqual(phones);
    expect(v.resource.userName).toBe('MiXeD@Example.COM');
    expect(v.resource.addresses).toEqual([{ streetAddress: ' 1 Main St ', type: 'work' }]);
  });

  it('makes multi-valued attributes arrays and drops empty values', () => {
    const v = validateUser(
      user('a', {
        emails: { value: 'a@b', type: 'work' },
        phoneNumbers: [null, { type: 'work' }, { value: '' }, { value: '1' }],
      }),
    );
    expect(v.resource.emails).toEqual([{ value: 'a@b', type: 'work' }]);
    expect(v.resource.phoneNumbers).toEqual([{ value: '1' }]);
    expect(validateUser(user('a', { emails: ['x@y'] })).resource.emails).toEqual([{ value: 'x@y' }]);
  });

  it('keeps numbers sent for string attributes as their text', () => {
    const v = validateUser(user('a', { [ENTERPRISE]: { employeeNumber: 42 } }));
    expect(v.resource[ENTERPRISE]).toEqual({ employeeNumber: '42' });
  });
});

describe('User input: required attributes', () => {
  it.each([
    [{ name: { givenName: 'G', familyName: 'F' }, emails: [{ value: 'a@b' }] }, 'userName is required'],
    [user('  '), 'userName is required'],
    [user('a', { name: { familyName: 'F' } }), 'name.givenName is required'],
    [user('a', { name: { givenName: 'G', familyName: '' } }), 'name.familyName is required'],
    [user('a', { name: null }), 'name.givenName is required'],
    [user('a', { emails: [] }), 'emails is required: at least one email with a value'],
    [user('a', { emails: [{ type: 'work', primary: true }] }), 'emails is required: at least one email with a value'],
  ])('refuses %j: %s', (body, detail) => {
    const err = scimErrorOf(() => validateUser(body));
    expect(err.status).toBe(400);
    expect(err.scimType).toBe('invalidValue');
    expect(err.detail).toBe(detail);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 'x', [], 42])
      expect(scimErrorOf(() => validateUser(body)).scimType).toBe('invalidSyntax');
  });

  it('refuses values of the wrong shape, naming the attribute', () => {
    expect(scimErrorOf(() => validateUser(user('a', { name: 'Ada' }))).detail).toBe('name must be an object');
    expect(scimErrorOf(() => validateUser(user('a', { title: { x: 1 } }))).detail).toBe('title must be a string');
    expect(scimErrorOf(() => validateUser(user('a', { emails: [{ value: 'a@b' }, true] }))).detail).toBe(
      'emails[1] must be an object',
    );
    expect(scimErrorOf(() => validateUser(user('a', { [ENTERPRISE]: 'x' }))).detail).toMatch(
      /enterprise:2.0:User must be an object/,
    );
    expect(
      scimErrorOf(() => validateUser(user('a', { [ENTERPRISE]: { manager: [{ value: 'a' }, { value: 'b' }] } })))
        .detail,
    ).toMatch(/manager takes a single value/);
  });
});

describe('User input: multi-valued rules', () => {
  it('allows one value per type for emails, phoneNumbers, ims, photos and addresses', () => {
    const err = scimErrorOf(() =>
      validateUser(
        user('a', {
          emails: [
            { value: 'a@b', type: 'work' },
            { value: 'c@d', type: 'Work' },
          ],
        }),
      ),
    );
    expect(err.scimType).toBe('invalidValue');
    expect(err.detail).toMatch(/emails: values 0 and 1 both have type "Work"; each type may appear once/);
    expect(
      scimErrorOf(() =>
        validateUser(
          user('a', {
            addresses: [
              { locality: 'x', type: 'home' },
              { locality: 'y', type: 'home' },
            ],
          }),
        ),
      ).detail,
    ).toMatch(/addresses/);
    // different types, or no type, are fine
    expect(
      validateUser(
        user('a', {
          phoneNumbers: [{ value: '1', type: 'work' }, { value: '2', type: 'mobile' }, { value: '3' }, { value: '4' }],
        }),
      ).resource.phoneNumbers,
    ).toHaveLength(4);
  });

  it('lets roles repeat a type (Entra sends every app role as WindowsAzureActiveDirectoryRole)', () => {
    const roles = [
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'User', value: 'User' },
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' },
    ];
    const v = validateUser(user('a', { roles }));
    expect(v.resource.roles).toEqual(roles);
    expect(v.role).toBe('Admin');
  });

  it('allows at most one primary value', () => {
    const err = scimErrorOf(() =>
      validateUser(
        user('a', {
          emails: [
            { value: 'a@b', primary: true },
            { value: 'c@d', primary: 'true' },
          ],
        }),
      ),
    );
    expect(err.detail).toBe('emails: 2 values are marked primary; at most one may be');
  });
});

describe('User input: manager', () => {
  it.each([
    ['m1'],
    [{ value: 'm1' }],
    [[{ value: 'm1' }]],
    [{ value: 'm1', displayName: 'Boss', $ref: 'https://x/Users/m1' }],
    [[{ $ref: null, value: 'm1' }]],
  ])('accepts %j and keeps {value}', (manager) => {
    expect(validateUser(user('a', { [ENTERPRISE]: { manager } })).resource[ENTERPRISE]).toEqual({
      manager: { value: 'm1' },
    });
  });

  it('drops an empty manager', () => {
    for (const manager of ['', { value: '' }, [], null, { displayName: 'x' }]) {
      const v = validateUser(user('a', { [ENTERPRISE]: { manager } }));
      expect(v.resource[ENTERPRISE]).toBeUndefined();
      expect(v.resource.schemas).toEqual([CORE]);
    }
  });
});

describe('User input: platform role', () => {
  it("takes the platform extension's role, case-insensitively, as its canonical value", () => {
    const v = validateUser(user('a', { [PLATFORM]: { role: 'enterpriseadmin' } }));
    expect(v.role).toBe('EnterpriseAdmin');
    expect(v.resource[PLATFORM]).toEqual({ role: 'EnterpriseAdmin' });
    expect(v.resource.schemas).toEqual([CORE, PLATFORM]);
  });

  it('takes core roles: the primary value, else the most privileged', () => {
    expect(validateUser(user('a', { roles: [{ value: 'Admin' }] })).role).toBe('Admin');
    expect(
      validateUser(user('a', { roles: [{ value: 'ReadOnly', primary: 'True' }, { value: 'EnterpriseAdmin' }] })).role,
    ).toBe('ReadOnly');
    expect(validateUser(user('a', { roles: [{ value: 'user' }, { value: 'readonly' }] })).role).toBe('User');
    expect(validateUser(user('a', { roles: [] })).role).toBeUndefined();
  });

  it('prefers the platform extension over core roles', () => {
    expect(validateUser(user('a', { roles: [{ value: 'Admin' }], [PLATFORM]: { role: 'ReadOnly' } })).role).toBe(
      'ReadOnly',
    );
  });

  it('refuses unknown roles, naming the allowed values', () => {
    for (const body of [
      user('a', { [PLATFORM]: { role: 'Owner' } }),
      user('a', { roles: [{ value: 'msiam_access' }] }),
    ]) {
      const err = scimErrorOf(() => validateUser(body));
      expect(err.scimType).toBe('invalidValue');
      expect(err.detail).toMatch(/must be one of ReadOnly, User, Admin, EnterpriseAdmin/);
    }
  });
});

describe('Group input', () => {
  it("accepts Okta's group push body", () => {
    const g = validateGroup({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      members: [],
    });
    expect(g).toEqual({
      resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering' },
      displayName: 'Engineering',
      memberIds: [],
    });
  });

  it("accepts Entra's body with its extra schema and externalId, without members", () => {
    const g = validateGroup({
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
      id: 'ignored',
    });
    expect(g.resource).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
    });
    expect(g.memberIds).toBeUndefined();
  });

  it('returns member ids in order without duplicates, never in the resource', () => {
    const g = validateGroup({
      displayName: 'x',
      Members: [
        { value: 'u1', display: 'Ada' },
        { value: 'u2', $ref: 'https://x/Users/u2', type: 'User' },
        'u3',
        { value: 'u1' },
      ],
    });
    expect(g.memberIds).toEqual(['u1', 'u2', 'u3']);
    expect(g.resource.members).toBeUndefined();
    expect(validateGroup({ displayName: 'x', members: null }).memberIds).toBeUndefined();
  });

  it('refuses members without an id, nested groups, and a missing displayName', () => {
    expect(scimErrorOf(() => validateGroup({ displayName: 'x', members: [{ display: 'Ada' }] })).detail).toBe(
      'members[0].value is required: the id of a user',
    );
    expect(
      scimErrorOf(() => validateGroup({ displayName: 'x', members: [{ value: 'g2', type: 'Group' }] })).detail,
    ).toMatch(/groups cannot be nested/);
    expect(scimErrorOf(() => validateGroup({ members: [] })).detail).toBe('displayName is required');
    expect(scimErrorOf(() => validateGroup({ displayName: ' ' })).scimType).toBe('invalidValue');
  });
});

describe('input properties', () => {
  const names = [
    'userName',
    'name',
    'name.givenName',
    'emails',
    'active',
    'roles',
    'title',
    'id',
    'meta',
    'groups',
    'password',
    'phoneNumbers',
    'addresses',
    'externalId',
    ENTERPRISE,
    PLATFORM,
    `${ENTERPRISE}:manager`,
    'members',
    'displayName',
    '__proto__',
    'constructor',
    'x.y',
    '$where',
  ];
  const body = fc
    .tuple(
      fc.constantFrom(user('a'), {}),
      fc.dictionary(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
    )
    .map(([base, extra]) => ({ ...base, ...extra }));

  it('answers any JSON with a validated resource or a ScimError 400; what is stored has safe keys', () => {
    const unsafe = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.some(unsafe)
        : v !== null && typeof v === 'object'
          ? Object.entries(v).some(([k, x]) => k.includes('.') || k.startsWith('$') || k === '__proto__' || unsafe(x))
          : false;
    fc.assert(
      fc.property(body, (b) => {
        for (const run of [() => userToStored(validateUser(b)), () => validateGroup(b)]) {
          try {
            const out = run();
            expect(unsafe(out)).toBe(false);
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400) throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  applyGroupPatch,
  applyUserPatch,
  groupFromStored,
  parsePatchRequest,
  ScimError,
  userFromStored,
  type ScimObject,
} from '../../src/domain/scim/index.js';
import { ada, cyd, ENTERPRISE, PLATFORM, scimErrorOf, storedGroup } from './support.js';

const BASE = 'https://gw.example.com/scim/v2/org1';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

const adaRep = () => userFromStored(ada, BASE);
const userPatch = (...ops: unknown[]) => applyUserPatch(adaRep(), patch(...ops)).resource;
const groupRep = () => groupFromStored(storedGroup({ displayName: 'Engineering', externalId: 'okta-g1' }, 'g1'), BASE);
const groupPatch = (...ops: unknown[]) => applyGroupPatch(groupRep(), patch(...ops));
const errorOf = (f: () => unknown) => {
  const err = scimErrorOf(f);
  return { status: err.status, scimType: err.scimType, detail: err.detail };
};

describe('PATCH body', () => {
  it('reads ops in any case and accepts a body without schemas', () => {
    expect(
      parsePatchRequest({
        operations: [
          { OP: 'Add', Path: 'title', Value: 'x' },
          { op: 'REPLACE', value: {} },
          { op: 'remove', path: ' title ' },
        ],
      }),
    ).toEqual([
      { op: 'add', path: 'title', value: 'x' },
      { op: 'replace', value: {} },
      { op: 'remove', path: 'title' },
    ]);
  });

  it.each([
    [null, /JSON object/],
    [{}, /non-empty list/],
    [{ Operations: [] }, /non-empty list/],
    [{ Operations: ['x'] }, /Operations\[0\] must be an object/],
    [
      { Operations: [{ op: 'move', path: 'a' }] },
      /Operations\[0\].op must be "add", "replace" or "remove" \(got "move"\)/,
    ],
    [{ Operations: [{ path: 'a' }] }, /got null/],
  ])('refuses %j with invalidSyntax', (body, detail) => {
    const e = errorOf(() => parsePatchRequest(body));
    expect(e.scimType).toBe('invalidSyntax');
    expect(e.detail).toMatch(detail);
  });
});

describe('Okta user PATCH', () => {
  it('deactivates and reactivates with a path-less replace', () => {
    const off = userPatch({ op: 'replace', value: { active: false } });
    expect(off.active).toBe(false);
    const { active: _a, ...rest } = off;
    const { active: _b, meta: _m, id: _i, ...before } = adaRep();
    // the patched representation is the input form: the manager's derived $ref is not part of it
    const enterprise = before[ENTERPRISE] as { manager: Record<string, unknown> };
    delete enterprise.manager.$ref;
    expect(rest).toEqual(before);
    const on = applyUserPatch(
      { ...userFromStored(ada, BASE), active: false },
      patch({ op: 'replace', value: { active: true } }),
    ).resource;
    expect(on.active).toBe(true);
  });

  it('accepts password sync and stores nothing', () => {
    const r = userPatch(
      { op: 'replace', value: { password: 'n3w!' } },
      { op: 'replace', path: 'password', value: 'x' },
    );
    expect(r).not.toHaveProperty('password');
    expect(r.userName).toBe('Ada@Example.com');
  });
});

describe('Entra user PATCH, default dialect', () => {
  it('reads "False"/"True" strings for active', () => {
    expect(userPatch({ op: 'Replace', path: 'active', value: 'False' }).active).toBe(false);
    expect(userPatch({ op: 'Replace', path: 'active', value: 'True' }).active).toBe(true);
  });

  it('applies one op per path, including filtered and URN-qualified ones', () => {
    const r = userPatch(
      { op: 'Replace', path: 'userName', value: 'ada.l@example.com' },
      { op: 'Replace', path: 'name.familyName', value: 'King' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.l@example.com' },
      { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: '1701' },
      { op: 'Add', path: 'title', value: 'Analyst' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
    );
    expect(r.userName).toBe('ada.l@example.com');
    expect(r.name).toEqual({ familyName: 'King', givenName: 'Ada' });
    expect(r.emails).toEqual([
      { value: 'ada.l@example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ]);
    expect(r[ENTERPRISE]).toEqual({ employeeNumber: '1701', department: 'Math', manager: { value: 'boss1' } });
    expect(r.title).toBe('Analyst');
    expect(r.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(r.addresses).toEqual([{ type: 'work', streetAddress: '1 Main St' }]);
  });
});

describe('Entra user PATCH, compliant dialect (aadOptscim062020)', () => {
  it('replaces several attributes with one path-less op keyed by dotted and URN names', () => {
    const r = userPatch({
      op: 'replace',
      value: {
        displayName: 'Ada King',
        'name.givenName': 'Augusta',
        'name.familyName': 'King',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '7',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager': 'boss2',
        active: false,
        'emails[type eq "work"].value': 'augusta@example.com',
      },
    });
    expect(r.displayName).toBe('Ada King');
    expect(r.name).toEqual({ givenName: 'Augusta', familyName: 'King' });
    expect(r[ENTERPRISE]).toEqual({ employeeNumber: '7', department: 'Math', manager: { value: 'boss2' } });
    expect(r.active).toBe(false);
    expect((r.emails as ScimObject[])[0].value).toBe('augusta@example.com');
  });

  it('takes booleans as booleans', () => {
    expect(userPatch({ op: 'replace', path: 'active', value: false }).active).toBe(false);
  });

  it('accepts an extension object keyed by its URN', () => {
    const r = userPatch({ op: 'add', value: { [ENTERPRISE]: { costCenter: 'CC1', manager: { value: 'm9' } } } });
    expect(r[ENTERPRISE]).toEqual({
      employeeNumber: '42',
      department: 'Math',
      manager: { value: 'm9' },
      costCenter: 'CC1',
    });
    const replaced = userPatch({ op: 'replace', path: ENTERPRISE, value: { division: 'D' } });
    expect(replaced[ENTERPRISE]).toEqual({ division: 'D' });
    expect(userPatch({ op: 'remove', path: ENTERPRISE })).not.toHaveProperty(ENTERPRISE);
  });
});

describe('manager', () => {
  it('accepts a plain id (Entra), [{value}] (ENTRA-DEV) and {value}; returns {value}', () => {
    expect(userPatch({ op: 'add', path: `${ENTERPRISE}:manager`, value: 'm1' })[ENTERPRISE]).toMatchObject({
      manager: { value: 'm1' },
    });
    expect(userPatch({ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'm2' }] })[ENTERPRISE]).toMatchObject({
      manager: { value: 'm2' },
    });
    expect(
      userPatch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'm3', displayName: 'ignored' } })[
        ENTERPRISE
      ],
    ).toMatchObject({ manager: { value: 'm3' } });
    expect(userPatch({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm4' })[ENTERPRISE]).toMatchObject({
      manager: { value: 'm4' },
    });
    const fresh = applyUserPatch(
      userFromStored(cyd, BASE),
      patch({ op: 'add', path: `${ENTERPRISE}:manager`, value: 'u-ada' }),
    ).resource;
    expect(fresh[ENTERPRISE]).toEqual({ manager: { value: 'u-ada' } });
    expect(fresh.schemas).toContain(ENTERPRISE);
  });

  it('removes the manager with remove, null, an empty value or an empty list', () => {
    for (const op of [
      { op: 'remove', path: `${ENTERPRISE}:manager` },
      { op: 'Remove', path: 'manager' },
      { op: 'replace', path: 'manager', value: null },
      { op: 'replace', path: 'manager', value: '' },
      { op: 'replace', path: 'manager', value: { value: '' } },
      { op: 'replace', path: 'manager', value: [] },
    ]) {
      expect(userPatch(op)[ENTERPRISE]).toEqual({ employeeNumber: '42', department: 'Math' });
    }
  });
});

describe('multi-valued attributes', () => {
  it('creates a value from an add whose filter matches nothing, and refuses such a replace', () => {
    const r = userPatch({ op: 'add', path: 'emails[type eq "other"].value', value: 'x@other' });
    expect(r.emails).toContainEqual({ type: 'other', value: 'x@other' });
    expect(
      errorOf(() => userPatch({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x@other' })),
    ).toEqual({
      status: 400,
      scimType: 'noTarget',
      detail: 'Operations[0] (replace emails[type eq "other"].value): no value matches emails[type eq "other"].value',
    });
    expect(errorOf(() => userPatch({ op: 'add', path: 'emails[value co "zzz"].type', value: 'home' })).scimType).toBe(
      'noTarget',
    );
  });

  it('replaces matching values whole, or one sub-attribute of them', () => {
    expect(
      userPatch({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'new@home', type: 'home' } }).emails,
    ).toEqual([
      { value: 'Ada@Example.com', type: 'work', primary: true },
      { value: 'new@home', type: 'home' },
    ]);
    expect(
      userPatch({ op: 'replace', path: 'emails[value eq "ADA@home.example"].type', value: 'other' }).emails,
    ).toContainEqual({ value: 'ada@home.example', type: 'other' });
  });

  it('removes matching values; a filter matching nothing is a no-op', () => {
    expect(userPatch({ op: 'remove', path: 'emails[type eq "home"]' }).emails).toEqual([
      { value: 'Ada@Example.com', type: 'work', primary: true },
    ]);
    expect(userPatch({ op: 'remove', path: 'emails[type eq "nope"]' }).emails).toHaveLength(2);
    expect(userPatch({ op: 'remove', path: 'emails[type eq "home"].type' }).emails).toContainEqual({
      value: 'ada@home.example',
    });
    expect(userPatch({ op: 'remove', path: 'emails', value: [{ value: 'ADA@HOME.EXAMPLE' }] }).emails).toHaveLength(1);
  });

  it('add replaces the value of the same type, merges the same value, and moves primary', () => {
    const r = userPatch({ op: 'add', path: 'emails', value: [{ value: 'second@home', type: 'home', primary: true }] });
    expect(r.emails).toEqual([
      { value: 'Ada@Example.com', type: 'work', primary: false },
      { value: 'second@home', type: 'home', primary: true },
    ]);
    const same = userPatch({
      op: 'add',
      path: 'emails',
      value: { value: 'ADA@example.com', type: 'work', display: 'Work' },
    });
    expect(same.emails).toEqual([
      { value: 'ADA@example.com', type: 'work', primary: true, display: 'Work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
    const roles = userPatch(
      { op: 'add', path: 'roles', value: [{ value: 'User' }] },
      { op: 'add', path: 'roles', value: [{ value: 'Admin' }, { value: 'user' }] },
    );
    expect(roles.roles).toEqual([{ value: 'user' }, { value: 'Admin' }]);
  });

  it('replace without a filter replaces the list; attr.sub targets the primary value', () => {
    expect(userPatch({ op: 'replace', path: 'emails', value: [{ value: 'only@x', type: 'work' }] }).emails).toEqual([
      { value: 'only@x', type: 'work' },
    ]);
    expect((userPatch({ op: 'replace', path: 'emails.value', value: 'p@x' }).emails as ScimObject[])[0]).toEqual({
      value: 'p@x',
      type: 'work',
      primary: true,
    });
    const noPrimary = {
      ...adaRep(),
      emails: [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', type: 'home' },
      ],
    };
    expect(
      errorOf(() => applyUserPatch(noPrimary, patch({ op: 'replace', path: 'emails.value', value: 'p@x' }))).scimType,
    ).toBe('invalidPath');
  });

  it('refuses a second value of a unique type through replace, and two primaries', () => {
    expect(
      errorOf(() =>
        userPatch({
          op: 'replace',
          path: 'emails',
          value: [
            { value: 'a@x', type: 'work' },
            { value: 'b@x', type: 'WORK' },
          ],
        }),
      ).detail,
    ).toMatch(/each type may appear once/);
  });
});

describe('roles', () => {
  it('accepts Entra\'s roles[primary eq "True"].value', () => {
    const r = applyUserPatch(
      userFromStored(ada, BASE),
      patch({ op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' }),
    );
    expect(r.resource.roles).toEqual([{ primary: true, value: 'Admin' }]);
    expect(r.user.role).toBe('Admin');
    const again = applyUserPatch(
      { ...userFromStored(ada, BASE), roles: r.resource.roles },
      patch({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'ReadOnly' }),
    );
    expect(again.user.role).toBe('ReadOnly');
  });

  it('lets the role follow core roles when only they change', () => {
    const both = { ...userFromStored(cyd, BASE), roles: [{ value: 'EnterpriseAdmin' }] };
    const r = applyUserPatch(both, patch({ op: 'replace', path: 'roles', value: [{ value: 'User' }] }));
    expect(r.user.role).toBe('User');
    expect(r.resource[PLATFORM]).toBeUndefined();
    const ext = applyUserPatch(both, patch({ op: 'replace', path: `${PLATFORM}:role`, value: 'readonly' }));
    expect(ext.user.role).toBe('ReadOnly');
    expect(errorOf(() => applyUserPatch(both, patch({ op: 'replace', path: 'role', value: 'God' }))).detail).toMatch(
      /must be one of ReadOnly, User, Admin, EnterpriseAdmin/,
    );
  });
});

describe('PATCH errors', () => {
  it('remove without a path is noTarget', () => {
    expect(errorOf(() => userPatch({ op: 'remove' }))).toEqual({
      status: 400,
      scimType: 'noTarget',
      detail: 'Operations[0] (remove): remove needs a "path" naming what to remove',
    });
  });

  it('invalid and unknown paths are invalidPath', () => {
    for (const path of [
      'emails[type eq "work"',
      'name.givenName.x',
      'nope',
      'urn:x:y:title',
      'userName[value eq "x"]',
      'emails[type eq "work"].nope',
      'emails[nope eq "x"].value',
      `${ENTERPRISE}[x eq 1]`,
    ]) {
      const e = errorOf(() => userPatch({ op: 'replace', path, value: 'x' }));
      expect({ path, scimType: e.scimType, status: e.status }).toEqual({ path, scimType: 'invalidPath', status: 400 });
    }
  });

  it('changing read-only attributes is mutability; restating them is accepted', () => {
    for (const op of [
      { op: 'replace', path: 'id', value: 'other' },
      { op: 'replace', value: { id: 'other' } },
      { op: 'remove', path: 'id' },
      { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' },
      { op: 'add', path: 'groups', value: [{ value: 'g1' }] },
      { op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'x' },
    ]) {
      const e = errorOf(() => userPatch(op));
      expect({ op, scimType: e.scimType }).toEqual({ op, scimType: 'mutability' });
      expect(e.detail).toMatch(/read-only/);
    }
    const rep = adaRep();
    expect(applyUserPatch(rep, patch({ op: 'replace', value: { ...rep, title: 'Dr' } })).resource.title).toBe('Dr');
  });

  it('re-validates the result like a POST', () => {
    expect(errorOf(() => userPatch({ op: 'remove', path: 'userName' }))).toMatchObject({
      scimType: 'invalidValue',
      detail: 'userName is required',
    });
    expect(errorOf(() => userPatch({ op: 'replace', path: 'name.givenName', value: '' })).detail).toBe(
      'name.givenName is required',
    );
    expect(errorOf(() => userPatch({ op: 'remove', path: 'emails' })).detail).toMatch(/emails is required/);
    expect(errorOf(() => userPatch({ op: 'replace', path: 'active', value: 'maybe' })).detail).toBe(
      'active must be true or false',
    );
    expect(errorOf(() => userPatch({ op: 'add', path: 'title' })).scimType).toBe('invalidValue');
    expect(errorOf(() => userPatch({ op: 'add', value: 'x' })).scimType).toBe('invalidValue');
  });

  it('ignores unknown attributes in a path-less value, as POST does', () => {
    expect(userPatch({ op: 'replace', value: { shoeSize: 44, title: 'Dr', schemas: ['x'] } })).toMatchObject({
      title: 'Dr',
    });
  });
});

describe('group PATCH', () => {
  it("accepts Okta's rename with the group's own id", () => {
    const r = groupPatch({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } });
    expect(r.resource).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      externalId: 'okta-g1',
      displayName: 'Platform',
    });
    expect(r.membership).toEqual([]);
    expect(errorOf(() => groupPatch({ op: 'replace', value: { id: 'g2', displayName: 'Platform' } }))).toMatchObject({
      status: 400,
      scimType: 'mutability',
    });
  });

  it("turns Okta's membership update into ordered changes", () => {
    const r = groupPatch(
      { op: 'replace', value: { id: 'g1', displayName: 'Engineering' } },
      { op: 'remove', path: 'members[value eq "u1"]' },
      {
        op: 'add',
        path: 'members',
        value: [
          { value: 'u2', display: 'ada@example.com' },
          { value: 'u3', display: 'bob@example.com' },
        ],
      },
    );
    expect(r.membership).toEqual([
      { op: 'remove', userIds: ['u1'] },
      { op: 'add', userIds: ['u2', 'u3'] },
    ]);
    expect(r.resource).not.toHaveProperty('members');
  });

  it('replaces all members on a full push, and removes all with a bare remove', () => {
    expect(
      groupPatch({ op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }).membership,
    ).toEqual([{ op: 'replace', userIds: ['u1', 'u2'] }]);
    expect(groupPatch({ op: 'replace', path: 'members', value: [] }).membership).toEqual([
      { op: 'replace', userIds: [] },
    ]);
    expect(groupPatch({ op: 'remove', path: 'members' }).membership).toEqual([{ op: 'removeAll' }]);
  });

  it("reads Entra's default dialect: Add with $ref null, Remove with a value list (only those)", () => {
    const r = groupPatch(
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }] },
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'u2' }] },
      { op: 'Remove', path: 'members', value: [{ value: 'u3' }, { value: 'u4' }] },
      { op: 'Remove', path: 'members', value: [{ value: 'u5' }] },
      { op: 'Add', path: 'members', value: [{ value: 'u3' }] },
    );
    expect(r.membership).toEqual([
      { op: 'add', userIds: ['u1', 'u2'] },
      { op: 'remove', userIds: ['u3', 'u4', 'u5'] },
      { op: 'add', userIds: ['u3'] },
    ]);
  });

  it('reads Entra\'s compliant dialect: remove members[value eq "id"]', () => {
    expect(
      groupPatch(
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'remove', path: 'members[value eq "u2" or value eq "u3"]' },
      ).membership,
    ).toEqual([{ op: 'remove', userIds: ['u1', 'u2', 'u3'] }]);
  });

  it('takes members from path-less values', () => {
    expect(groupPatch({ op: 'add', value: { members: [{ value: 'u5' }] } }).membership).toEqual([
      { op: 'add', userIds: ['u5'] },
    ]);
    expect(groupPatch({ op: 'replace', value: { displayName: 'X', members: [{ value: 'u6' }] } })).toMatchObject({
      membership: [{ op: 'replace', userIds: ['u6'] }],
      resource: { displayName: 'X' },
    });
  });

  it('changes externalId and displayName like any attribute', () => {
    expect(groupPatch({ op: 'Replace', path: 'displayName', value: 'Ops' }).resource.displayName).toBe('Ops');
    expect(groupPatch({ op: 'remove', path: 'externalId' }).resource).not.toHaveProperty('externalId');
    expect(errorOf(() => groupPatch({ op: 'remove', path: 'displayName' })).detail).toBe('displayName is required');
  });

  it('refuses member operations it cannot apply without loading the group', () => {
    for (const op of [
      { op: 'remove', path: 'members[display eq "Ada"]' },
      { op: 'replace', path: 'members[value eq "u1"]', value: [{ value: 'u2' }] },
      { op: 'add', path: 'members[value eq "u1"]', value: [{ value: 'u2' }] },
      { op: 'remove', path: 'members.value' },
      { op: 'replace', path: 'members[value eq "u1"].value', value: 'x' },
    ]) {
      expect({ op, scimType: errorOf(() => groupPatch(op)).scimType }).toEqual({ op, scimType: 'invalidPath' });
    }
    expect(
      errorOf(() => groupPatch({ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' })).scimType,
    ).toBe('mutability');
    expect(errorOf(() => groupPatch({ op: 'add', path: 'members', value: [{ display: 'x' }] })).detail).toMatch(
      /members\[0\].value is required/,
    );
  });
});

describe('PATCH remove of active (issue 17: behaviour and /Schemas agree)', () => {
  it('refuses it with 400 mutability instead of silently leaving the user active', () => {
    const e = errorOf(() => userPatch({ op: 'remove', path: 'active' }));
    expect(e).toMatchObject({ status: 400, scimType: 'mutability' });
    expect(e.detail).toMatch(/replace it with false/);
    expect(userPatch({ op: 'replace', path: 'active', value: false }).active).toBe(false);
  });
});

describe('PATCH properties', () => {
  const paths = [
    'active',
    'userName',
    'name.givenName',
    'name',
    'emails',
    'emails.value',
    'emails[type eq "work"].value',
    'emails[type eq "home"]',
    'roles[primary eq "True"].value',
    `${ENTERPRISE}:manager`,
    'manager',
    ENTERPRISE,
    'members',
    'members[value eq "u1"]',
    'id',
    'meta',
    'displayName',
    'password',
    'nope',
    'emails[',
    '',
    'groups',
  ];
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('True', 'False', 'u1', [{ value: 'u1' }], { value: 'm1' }, null),
  );
  const op = fc.record(
    { op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'x'), path: fc.constantFrom(...paths), value },
    { requiredKeys: ['op'] },
  );
  const body = fc.oneof(fc.record({ Operations: fc.array(op, { maxLength: 4 }) }), fc.jsonValue({ maxDepth: 3 }));

  it('answers any PATCH with a validated resource or a ScimError 400', () => {
    fc.assert(
      fc.property(body, (b) => {
        for (const run of [() => applyUserPatch(adaRep(), b), () => applyGroupPatch(groupRep(), b)]) {
          try {
            run();
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400) throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** The SCIM 1.1 dialect: codecs (1.1 ⇄ 2.0), 1.1 PATCH, wrong-dialect refusals, custom Okta namespaces. */
import { describe, expect, it } from '@jest/globals';
import {
  applyGroupPatch,
  applyUserPatch,
  discoveryDocumentV1,
  GROUP_RESOURCE,
  listParamsFromV1,
  groupFromStored,
  patchFromV1,
  resourceFromV1,
  resourceToV1,
  scimDialect,
  USER_RESOURCE,
  userFromStored,
  validateGroup,
  validateUser,
  type ScimObject,
} from '../../src/domain/scim/index.js';
import { ada, ENTERPRISE, scimErrorOf, storedGroup, storedUser } from './support.js';

const V1 = 'urn:scim:schemas:core:1.0';
const V1_ENT = 'urn:scim:schemas:extension:enterprise:1.0';
const BASE = 'https://gw.example.com/scim/v1/org1';
const V2_BASE = 'https://gw.example.com/scim/v2/org1';

// What Okta's SCIM 1.1 apps send on create (OKTA-11), with the enterprise extension and a custom namespace.
const oktaV1User = {
  schemas: [V1, V1_ENT, 'urn:okta:acme_app:1.0:user:custom'],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en_US',
  externalId: '00b443dd40SOK2eup0h7',
  groups: [],
  password: '1mz050nq',
  active: true,
  roles: [{ value: 'admin' }],
  [V1_ENT]: { department: 'R&D', manager: { managerId: 'boss1', displayName: 'Boss' } },
  'urn:okta:acme_app:1.0:user:custom': { costCode: 'X-1', seats: 3 },
};

const stored = (body: ScimObject, id = 'u1') => storedUser(resourceFromV1(USER_RESOURCE, body), id);

describe('SCIM 1.1 resources → 2.0', () => {
  it('reads a 1.1 user: schemas, enterprise extension (managerId → value), roles, password dropped, custom namespace kept', () => {
    const v = validateUser(resourceFromV1(USER_RESOURCE, oktaV1User));
    expect(v.resource.schemas).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      ENTERPRISE,
      'urn:okta:acme_app:1.0:user:custom',
    ]);
    expect(v.resource[ENTERPRISE]).toEqual({ department: 'R&D', manager: { value: 'boss1' } });
    expect(v.role).toBe('Admin');
    expect(v.resource.password).toBeUndefined();
    expect(v.resource['urn:okta:acme_app:1.0:user:custom']).toEqual({ costCode: 'X-1', seats: 3 });
  });

  it('drops meta and anything 1.1 calls read-only; refuses a body that is not an object', () => {
    const r = resourceFromV1(USER_RESOURCE, {
      ...oktaV1User,
      id: 'x',
      meta: { created: 'yesterday', attributes: ['title'] },
    });
    expect(r.meta).toBeUndefined();
    expect(scimErrorOf(() => resourceFromV1(USER_RESOURCE, [oktaV1User]))).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
    });
  });

  it('refuses a custom namespace that is not an object', () => {
    expect(
      scimErrorOf(() =>
        validateUser(resourceFromV1(USER_RESOURCE, { ...oktaV1User, 'urn:okta:acme_app:1.0:user:custom': 'x' })),
      ),
    ).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });
});

describe('2.0 representation → SCIM 1.1', () => {
  it('renders a stored user in 1.1: core 1.0 schema, enterprise 1.0 with managerId, no resourceType, custom namespace back', () => {
    const v1 = resourceToV1(USER_RESOURCE, userFromStored(stored(oktaV1User), BASE));
    expect(v1.schemas).toEqual([V1, V1_ENT, 'urn:okta:acme_app:1.0:user:custom']);
    expect(v1[V1_ENT]).toEqual({ department: 'R&D', manager: { managerId: 'boss1' } });
    expect(v1[ENTERPRISE]).toBeUndefined();
    expect(v1['urn:okta:acme_app:1.0:user:custom']).toEqual({ costCode: 'X-1', seats: 3 });
    expect(v1.meta).toMatchObject({ location: `${BASE}/Users/u1`, version: 'W/"1"' });
    expect((v1.meta as ScimObject).resourceType).toBeUndefined();
    expect(v1.password).toBeUndefined();
    expect(v1).toMatchObject({ id: 'u1', userName: 'test.user@okta.local', active: true, roles: [{ value: 'admin' }] });
  });

  it('round-trips: a 1.1 body read back in 1.1 keeps every attribute Okta sent (but password and groups)', () => {
    const v1 = resourceToV1(USER_RESOURCE, userFromStored(stored(oktaV1User), BASE));
    const { password: _p, groups: _g, schemas: _s, [V1_ENT]: _e, ...sent } = oktaV1User;
    expect(v1).toMatchObject(sent);
  });

  it('renders group members without $ref, and a group custom namespace (Okta group description)', () => {
    const g = storedGroup(
      {
        schemas: [V1, 'urn:okta:custom:group:1.0'],
        displayName: 'West',
        'urn:okta:custom:group:1.0': { description: 'All Users West of the Rockies' },
      },
      'g1',
    );
    const rep = {
      ...groupFromStored(g, BASE),
      members: [{ value: 'u1', display: 'a', $ref: `${BASE}/Users/u1`, type: 'User' }],
    };
    const v1 = resourceToV1(GROUP_RESOURCE, rep);
    expect(v1).toMatchObject({
      schemas: [V1, 'urn:okta:custom:group:1.0'],
      displayName: 'West',
      'urn:okta:custom:group:1.0': { description: 'All Users West of the Rockies' },
      members: [{ value: 'u1', display: 'a', type: 'User' }],
    });
  });
});

describe('SCIM 1.1 PATCH', () => {
  const userRep = () => userFromStored(ada, V2_BASE);
  const patchUser = (body: ScimObject) => applyUserPatch(userRep(), patchFromV1(USER_RESOURCE, body)).resource;
  const groupRep = () => groupFromStored(storedGroup({ displayName: 'Test SCIMv1' }, 'g1'), V2_BASE);
  const patchGroup = (body: ScimObject) => applyGroupPatch(groupRep(), patchFromV1(GROUP_RESOURCE, body));

  it("deactivates and reactivates with Okta's body (schemas, own id, active), changing nothing else", () => {
    const off = patchUser({ schemas: [V1], id: 'u-ada', active: false });
    expect(off.active).toBe(false);
    expect(off.userName).toBe('Ada@Example.com');
    expect(off.title).toBe('Countess');
    expect(patchUser({ schemas: [V1], id: 'u-ada', active: true }).active).toBe(true);
  });

  it('is partial: only the named attributes change; complex ones merge', () => {
    const r = patchUser({ schemas: [V1], name: { givenName: 'Augusta' }, title: 'Analyst' });
    expect(r.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace' });
    expect(r.title).toBe('Analyst');
    expect(r.emails).toHaveLength(2);
  });

  it('adds multi-valued entries and removes those with "operation": "delete"', () => {
    const r = patchUser({
      schemas: [V1],
      emails: [
        { value: 'ada@home.example', type: 'home', operation: 'delete' },
        { value: 'ada@other.example', type: 'other' },
      ],
    });
    expect((r.emails as ScimObject[]).map((e) => e.value)).toEqual(['Ada@Example.com', 'ada@other.example']);
  });

  it('clears the attributes listed in meta.attributes first, then applies the rest', () => {
    const r = patchUser({ schemas: [V1], meta: { attributes: ['title', `${V1_ENT}:department`] }, nickName: 'Ada' });
    expect(r.title).toBeUndefined();
    expect(r[ENTERPRISE]).toEqual({ employeeNumber: '42', manager: { value: 'boss1' } });
    expect(r.nickName).toBe('Ada');
  });

  it("patches the enterprise extension by attribute (managerId is the manager's id)", () => {
    const r = patchUser({ schemas: [V1, V1_ENT], [V1_ENT]: { department: 'Poetry', manager: { managerId: 'boss2' } } });
    expect(r[ENTERPRISE]).toEqual({ employeeNumber: '42', department: 'Poetry', manager: { value: 'boss2' } });
  });

  it('renames a group (own id repeated) and changes membership: adds, and deletes with "operation": "delete"', () => {
    const rename = patchGroup({ schemas: [V1], id: 'g1', displayName: 'Test SCIMv11' });
    expect(rename.group.displayName).toBe('Test SCIMv11');
    expect(rename.membership).toEqual([]);
    const members = patchGroup({
      schemas: [V1],
      members: [
        { value: 'u1', display: 'a@x' },
        { value: 'u2', display: 'b@x', operation: 'delete' },
      ],
    });
    expect(members.membership).toEqual([
      { op: 'remove', userIds: ['u2'] },
      { op: 'add', userIds: ['u1'] },
    ]);
    expect(members.group.displayName).toBe('Test SCIMv1');
  });

  it('replaces all members with meta.attributes ["members"] plus the new list', () => {
    const r = patchGroup({ schemas: [V1], meta: { attributes: ['members'] }, members: [{ value: 'u3' }] });
    expect(r.membership).toEqual([{ op: 'removeAll' }, { op: 'add', userIds: ['u3'] }]);
  });

  it('ignores read-only attributes Okta sends back (groups), as PUT does', () => {
    expect(patchUser({ schemas: [V1], groups: [{ value: 'g1', display: 'G' }], title: 'Dr' }).title).toBe('Dr');
  });

  it('an empty PATCH changes nothing', () => {
    const r = patchUser({ schemas: [V1] });
    const { meta: _m, ...before } = userRep();
    const { meta: _n, ...after } = r;
    expect(after.userName).toBe(before.userName);
    expect(after.emails).toEqual(before.emails);
  });

  it('refuses an operation other than delete, a delete without a value, a wrong id, and meta.attributes that is not a list', () => {
    expect(scimErrorOf(() => patchFromV1(USER_RESOURCE, { emails: [{ value: 'x', operation: 'add' }] }))).toMatchObject(
      { status: 400, scimType: 'invalidValue' },
    );
    expect(
      scimErrorOf(() => patchFromV1(GROUP_RESOURCE, { members: [{ display: 'x', operation: 'delete' }] })).detail,
    ).toMatch(/needs a "value"/);
    expect(scimErrorOf(() => patchUser({ schemas: [V1], id: 'someone-else', active: false }))).toMatchObject({
      status: 400,
      scimType: 'mutability',
    });
    expect(scimErrorOf(() => patchFromV1(USER_RESOURCE, { meta: { attributes: 'title' } }))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
    });
  });

  it('replaces and removes a custom namespace whole', () => {
    const withExt = userFromStored(stored(oktaV1User), V2_BASE);
    const r = applyUserPatch(
      withExt,
      patchFromV1(USER_RESOURCE, { 'urn:okta:acme_app:1.0:user:custom': { costCode: 'Y' } }),
    ).resource;
    expect(r['urn:okta:acme_app:1.0:user:custom']).toEqual({ costCode: 'Y' });
    const gone = applyUserPatch(
      withExt,
      patchFromV1(USER_RESOURCE, { meta: { attributes: ['urn:okta:acme_app:1.0:user:custom'] } }),
    ).resource;
    expect(gone['urn:okta:acme_app:1.0:user:custom']).toBeUndefined();
    expect(gone.schemas).not.toContain('urn:okta:acme_app:1.0:user:custom');
  });
});

describe('the other dialect is refused, naming the right base URL', () => {
  it('a SCIM 1.1 body on the 2.0 base URL', () => {
    const v2 = scimDialect('v2', BASE);
    for (const f of [
      () => v2.readResource(USER_RESOURCE, oktaV1User),
      () => v2.readPatch(USER_RESOURCE, { schemas: [V1], active: false }),
    ]) {
      const e = scimErrorOf(f);
      expect(e).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      expect(e.detail).toContain(BASE);
      expect(e.detail).toContain('SCIM 1.1');
    }
    // a partial resource without schemas is the 1.1 PATCH shape too
    expect(scimErrorOf(() => v2.readPatch(USER_RESOURCE, { active: false })).detail).toContain(BASE);
  });

  it('a SCIM 2.0 body (2.0 schemas, or a PatchOp) on the 1.1 base URL', () => {
    const v1 = scimDialect('v1', V2_BASE);
    const e = scimErrorOf(() =>
      v1.readResource(USER_RESOURCE, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x' }),
    );
    expect(e).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(e.detail).toContain(V2_BASE);
    expect(
      scimErrorOf(() => v1.readPatch(USER_RESOURCE, { Operations: [{ op: 'replace', value: { active: false } }] }))
        .detail,
    ).toContain(V2_BASE);
  });

  it('each dialect accepts its own', () => {
    expect(
      validateGroup(scimDialect('v1', V2_BASE).readResource(GROUP_RESOURCE, { schemas: [V1], displayName: 'G' }))
        .displayName,
    ).toBe('G');
    expect(
      scimDialect('v2', BASE).readResource(USER_RESOURCE, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }),
    ).toBeDefined();
  });
});

describe('SCIM 1.1 list parameters', () => {
  it('reads 1.1-qualified attribute names in filter, sortBy and attribute lists', () => {
    expect(
      listParamsFromV1({
        filter: `${V1}:userName eq "a" and ${V1_ENT}:manager.managerId eq "b"`,
        sortBy: `${V1}:userName`,
        attributes: [`${V1_ENT}:department,userName`],
        count: '5',
      }),
    ).toEqual({
      filter: `userName eq "a" and ${ENTERPRISE}:manager.value eq "b"`,
      sortBy: 'userName',
      attributes: [`${ENTERPRISE}:department,userName`],
      count: '5',
    });
    expect(scimDialect('v2', BASE).readListParams({ filter: `${V1}:userName eq "a"` })).toEqual({
      filter: `${V1}:userName eq "a"`,
    });
  });
});

describe('SCIM 1.1 discovery', () => {
  it('serves /ServiceProviderConfigs and /Schemas from the same descriptors', () => {
    const spc = discoveryDocumentV1('ServiceProviderConfigs', '', { baseUrl: BASE, maxResults: 1000 });
    expect(spc).toMatchObject({
      schemas: [V1],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 1000 },
    });
    const all = discoveryDocumentV1('Schemas', '', { baseUrl: BASE, maxResults: 1000 }) as { Resources: ScimObject[] };
    expect(all.Resources.map((s) => s.id)).toEqual([
      `${V1}:User`,
      `${V1}:Group`,
      V1_ENT,
      'urn:ietf:params:scim:schemas:extension:platform:2.0:User',
    ]);
    const user = discoveryDocumentV1('Schemas', 'Users', { baseUrl: BASE, maxResults: 1000 }) as {
      attributes: ScimObject[];
    };
    expect(user.attributes.find((a) => a.name === 'userName')).toMatchObject({
      required: true,
      readOnly: false,
      schema: V1,
    });
    const ent = discoveryDocumentV1('Schemas', V1_ENT, { baseUrl: BASE, maxResults: 1000 }) as {
      attributes: ScimObject[];
    };
    expect(
      (ent.attributes.find((a) => a.name === 'manager')!.subAttributes as ScimObject[]).map((s) => s.name),
    ).toEqual(['managerId', 'displayName']);
    expect(scimErrorOf(() => discoveryDocumentV1('ResourceTypes', '', { baseUrl: BASE, maxResults: 1 })).status).toBe(
      404,
    );
  });
});

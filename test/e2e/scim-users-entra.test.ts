/** Microsoft Entra ID's request shapes (both PATCH dialects, string booleans, filters, manager) end to end. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PLATFORM = 'urn:ietf:params:scim:schemas:extension:platform:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const entraUser = (userName: string, externalId: string) => ({
  schemas: [CORE, ENT],
  externalId,
  userName,
  active: 'True',
  emails: [{ primary: true, type: 'work', value: userName }],
  meta: { resourceType: 'User' },
  name: { formatted: 'Ryan Leenay', familyName: 'Leenay', givenName: 'Ryan' },
  roles: [],
});

describe('Entra ID provisioning against the running system', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  beforeAll(async () => {
    sys = await startSystem();
    t = await newScimTenant(sys, 'Contoso', 'entra');
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('passes Test Connection: a random GUID filter with + for spaces, no SCIM Accept header', async () => {
    const res = await fetch(`${t.baseUrl}/Users?filter=userName+eq+%22${crypto.randomUUID()}%22`, {
      headers: { authorization: `Bearer ${t.token}`, accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalResults: 0 });
  });

  it('creates with string booleans and finds by externalId, userName and work email joined with and', async () => {
    const created = await t.scim(
      'POST',
      '/Users',
      entraUser('Test_User_ab6490ee@contoso.example', '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef'),
    );
    expect(created.status).toBe(201);
    expect(created.json.active).toBe(true);
    const q = encodeURIComponent('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"');
    expect((await t.scim('GET', `/Users?filter=${q}`)).json.totalResults).toBe(1);
    const wrongCase = encodeURIComponent('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"');
    expect((await t.scim('GET', `/Users?filter=${wrongCase}`)).json.totalResults).toBe(0); // externalId is caseExact
    const both = encodeURIComponent(
      'userName eq "test_user_ab6490ee@contoso.example" and emails[type eq "work"].value eq "Test_User_ab6490ee@contoso.example"',
    );
    expect((await t.scim('GET', `/Users?filter=${both}`)).json.totalResults).toBe(1);
  });

  it('applies the default dialect: one op per path, "False" strings, capitalised op names', async () => {
    const id = (await t.scim('POST', '/Users', entraUser('dialect1@contoso.example', 'ext-d1'))).json.id;
    const res = await t.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'name.familyName', value: 'Changed' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new.dialect1@contoso.example' },
        { op: 'Add', path: `${ENT}:employeeNumber`, value: '701984' },
        { op: 'Replace', path: 'active', value: 'False' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      active: false,
      name: { familyName: 'Changed' },
      emails: [{ type: 'work', value: 'new.dialect1@contoso.example' }],
      [ENT]: { employeeNumber: '701984' },
    });
  });

  it('applies the compliant dialect: one path-less op keyed by dotted and URN names', async () => {
    const id = (await t.scim('POST', '/Users', entraUser('dialect2@contoso.example', 'ext-d2'))).json.id;
    const res = await t.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', value: { 'name.givenName': 'Given', [`${ENT}:department`]: 'Sales', active: false } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ active: false, name: { givenName: 'Given' }, [ENT]: { department: 'Sales' } });
  });

  it('takes the manager as a plain id or [{value}] and returns {value}', async () => {
    const boss = (await t.scim('POST', '/Users', entraUser('boss@contoso.example', 'ext-boss'))).json.id;
    const id = (await t.scim('POST', '/Users', entraUser('report@contoso.example', 'ext-rep'))).json.id;
    const plain = await t.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: `${ENT}:manager`, value: boss }],
    });
    expect(plain.json[ENT].manager).toMatchObject({ value: boss });
    const listed = await t.scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: boss }] }],
    });
    expect(listed.json[ENT].manager).toMatchObject({ value: boss });
  });

  it('maps roles: platform extension role or core roles; unknown roles name the allowed values', async () => {
    const admin = await t.scim('POST', '/Users', {
      ...entraUser('admin@contoso.example', 'ext-adm'),
      schemas: [CORE, ENT, PLATFORM],
      [PLATFORM]: { role: 'Admin' },
    });
    expect(admin.status).toBe(201);
    const viaRoles = await t.scim('POST', '/Users', {
      ...entraUser('ro@contoso.example', 'ext-ro'),
      roles: [{ value: 'ReadOnly', primary: true }],
    });
    expect(viaRoles.status).toBe(201);
    const bad = await t.scim('POST', '/Users', {
      ...entraUser('bad@contoso.example', 'ext-bad'),
      roles: [{ value: 'Overlord' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/ReadOnly.*User.*Admin.*EnterpriseAdmin/);
    const users = (await t.admin('GET', '/orgs/{org}/users')).json.users;
    expect(users.find((u: { userName: string }) => u.userName === 'admin@contoso.example')).toMatchObject({
      role: 'Admin',
      access: 'web',
      provisioned: true,
    });
    expect(users.find((u: { userName: string }) => u.userName === 'ro@contoso.example')).toMatchObject({
      role: 'ReadOnly',
      access: 'web',
    });
    expect(users.find((u: { userName: string }) => u.userName === 'report@contoso.example')).toMatchObject({
      role: null,
      access: 'app',
    });
  });

  it("handles Microsoft's reference-test shapes: misspelt attributes ignored, userName replace, case-insensitive attribute names", async () => {
    const created = await t.scim('POST', '/Users', {
      ...entraUser('olivia@contoso.example', 'ext-ol'),
      nickNamez: 'ignored',
    });
    expect(created.json.nickNamez).toBeUndefined();
    const put = await t.scim('PUT', `/Users/${created.json.id}`, {
      ...created.json,
      displayNamee: 'typo',
      active: true,
    });
    expect(put.status).toBe(200);
    expect(put.json.displayNamee).toBeUndefined();
    const rename = await t.scim('PATCH', `/Users/${created.json.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'userName', value: 'olivia.new@contoso.example' }],
    });
    expect([200, 204]).toContain(rename.status);
    const q = encodeURIComponent('name.FamilyName eq "Leenay" and (emails.Value co "olivia" or userName sw "O")');
    const found = await t.scim('GET', `/Users?filter=${q}`);
    expect(found.json.totalResults).toBeGreaterThanOrEqual(1);
    const since = encodeURIComponent('meta.Created gt "2011-05-13T04:42:34Z"');
    expect((await t.scim('GET', `/Users?filter=${since}`)).json.totalResults).toBeGreaterThanOrEqual(1);
    const noUserName = await t.scim('POST', '/Users', {
      schemas: [CORE],
      name: { givenName: 'a', familyName: 'b' },
      emails: [{ value: 'a@b.c' }],
    });
    expect(noUserName.status).toBe(400);
  });

  it('serves discovery: ServiceProviderConfig, ResourceTypes and Schemas, and refuses filters there', async () => {
    const spc = await t.scim('GET', '/ServiceProviderConfig');
    expect(spc.json).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
    });
    expect(spc.json.authenticationSchemes.length).toBeGreaterThanOrEqual(2);
    const types = await t.scim('GET', '/ResourceTypes');
    expect(types.json.Resources.map((r: { name: string }) => r.name).sort()).toEqual(['Group', 'User']);
    expect(
      (await t.scim('GET', '/ResourceTypes/User')).json.schemaExtensions.map((e: { schema: string }) => e.schema),
    ).toEqual(expect.arrayContaining([ENT, PLATFORM]));
    const schemas = await t.scim('GET', '/Schemas');
    expect(schemas.json.Resources.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining([CORE, ENT, PLATFORM, 'urn:ietf:params:scim:schemas:core:2.0:Group']),
    );
    expect(JSON.stringify(schemas.json)).not.toContain('null');
    expect((await t.scim('GET', `/Schemas/${CORE}`)).json.id).toBe(CORE);
    expect((await t.scim('GET', '/Schemas?filter=id%20eq%20%22x%22')).status).toBe(403);
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Query } from 'mingo';
import { userModel, groupModel } from '../src/domain/scim-models.js';
import { parseFilter } from '../src/domain/scim-filter.js';
import { ScimFault } from '../src/domain/scim-fault.js';
import { userFromInput } from '../src/domain/scim-codec.js';

const ctx = { groupIdsOfMembers: async (ids: string[]) => (ids.includes('u1') ? ['g1'] : []) };
const compile = (f: string) => userModel.compileFilter(f, ctx);

function stored(body: Record<string, unknown>, id: string, created = '2024-01-01T00:00:00Z') {
  const { fields } = userFromInput(body);
  return { ...fields, _id: id, tenantId: 't', meta: { created: new Date(created), lastModified: new Date(created), version: 1 }, provisioned: true };
}
const ada = stored({ userName: 'Ada@Example.com', externalId: 'ExT-1', name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'Ada@Example.com', type: 'work', primary: true }, { value: 'ada@home.example', type: 'home' }], active: true, title: 'Countess', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Math', manager: 'boss1' } }, 'u-ada', '2024-05-01T00:00:00Z');
const bob = stored({ userName: 'bob@example.com', name: { givenName: 'Bob', familyName: 'Builder' }, emails: [{ value: 'bob@example.com', type: 'work' }], active: 'False', roles: [{ value: 'Admin' }] }, 'u-bob', '2010-01-01T00:00:00Z');
const docs = [ada, bob];

async function ids(filter: string): Promise<string[]> {
  const q = new Query(await compile(filter));
  return docs.filter((d) => q.test(d)).map((d) => d._id);
}

describe('SCIM filters compiled to store queries', () => {
  it('matches userName case-insensitively through the indexed shadow field', async () => {
    expect(await compile('userName eq "ADA@example.COM"')).toEqual({ userNameLower: 'ada@example.com' });
    expect(await ids('userName eq "ADA@example.COM"')).toEqual(['u-ada']);
    expect(await ids('USERNAME Eq "bob@EXAMPLE.com"')).toEqual(['u-bob']);
  });
  it('honours caseExact on externalId and id', async () => {
    expect(await ids('externalId eq "ExT-1"')).toEqual(['u-ada']);
    expect(await ids('externalId eq "ext-1"')).toEqual([]);
    expect(await ids('id eq "u-bob"')).toEqual(['u-bob']);
  });
  it("supports Entra's emails[type eq \"work\"].value eq … joined with and", async () => {
    expect(await ids('userName eq "ada@example.com" and emails[type eq "work"].value eq "ada@example.com"')).toEqual(['u-ada']);
    expect(await ids('emails[type eq "home"].value eq "ada@example.com"')).toEqual([]);
    expect(await ids('emails.value eq "ADA@HOME.example"')).toEqual(['u-ada']);
    expect(await ids('emails[type eq "work" and value co "builder"]')).toEqual([]);
    expect(await ids('emails[type eq "work" and value co "BOB"]')).toEqual(['u-bob']);
  });
  it('has every operator, with not, grouping and precedence', async () => {
    expect(await ids('name.familyName co "LACE"')).toEqual(['u-ada']);
    expect(await ids('userName sw "b"')).toEqual(['u-bob']);
    expect(await ids('userName ew ".COM"')).toEqual(['u-ada', 'u-bob']);
    expect(await ids('title pr')).toEqual(['u-ada']);
    expect(await ids('not (title pr)')).toEqual(['u-bob']);
    expect(await ids('userName ne "bob@example.com"')).toEqual(['u-ada']);
    expect(await ids('active eq false')).toEqual(['u-bob']);
    expect(await ids('active eq true or userName sw "b" and title pr')).toEqual(['u-ada']);
    expect(await ids('(active eq true or userName sw "b") and title pr')).toEqual(['u-ada']);
    expect(await ids('name.FamilyName eq "builder" and (emails.Value co "bob" or userName sw "O")')).toEqual(['u-bob']);
  });
  it('compares dateTimes as dates', async () => {
    expect(await ids('meta.Created gt "2011-05-13T04:42:34Z"')).toEqual(['u-ada']);
    expect(await ids('meta.created le "2010-01-01T00:00:00Z"')).toEqual(['u-bob']);
    await expect(compile('meta.created gt "yesterday"')).rejects.toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });
  it('filters extension attributes by URN and the manager by its id, quoted or not', async () => {
    expect(await ids('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "math"')).toEqual(['u-ada']);
    expect(await ids('id eq u-ada and manager eq boss1')).toEqual(['u-ada']);
    expect(await ids('roles eq "admin"')).toEqual(['u-bob']);
  });
  it('answers invalid filters with 400 invalidFilter naming the problem', async () => {
    for (const f of ['userName eq', 'userName', 'eq "x"', 'userName xx "a"', '(userName eq "a"', 'userName eq "a" and', 'active gt true', 'password eq "x"', 'nosuch eq "x"', 'urn:foo:bar eq "x"', 'userName eq "unterminated']) {
      await expect(compile(f)).rejects.toMatchObject({ status: 400, scimType: 'invalidFilter' });
    }
  });
  it('compiles group membership checks through the membership index', async () => {
    expect(await groupModel.compileFilter('id eq "g1" and members eq "u1"', ctx)).toEqual({ $and: [{ _id: 'g1' }, { _id: { $in: ['g1'] } }] });
    expect(await groupModel.compileFilter('members[value eq "u2"]', ctx)).toEqual({ _id: { $in: [] } });
    expect(await groupModel.compileFilter('displayName eq "Eng"', ctx)).toEqual({ displayNameLower: 'eng' });
    await expect(groupModel.compileFilter('members co "u"', ctx)).rejects.toMatchObject({ scimType: 'invalidFilter' });
  });
  it('gives a result or a 400 for any string, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.stringMatching(/^[a-zA-Z.\[\]()" :]{0,40}$/), fc.constantFrom('userName eq "x"', 'emails[type eq "work"]', 'not (a pr)')), async (s) => {
        try {
          await compile(s);
        } catch (err) {
          expect(err).toBeInstanceOf(ScimFault);
          expect((err as ScimFault).status).toBe(400);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('parses generated valid filters', () => {
    const attr = fc.constantFrom('userName', 'name.givenName', 'emails.value', 'active', 'title');
    const leaf = fc.tuple(attr, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew'), fc.string({ maxLength: 8 })).map(([a, o, v]) => `${a} ${o} ${JSON.stringify(v)}`);
    const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
      e: fc.oneof({ depthSize: 'small' }, leaf, fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`), tie('e').map((x) => `not (${x})`)),
    })).e as fc.Arbitrary<string>;
    fc.assert(fc.property(expr, (f) => void parseFilter(f)), { numRuns: 500 });
  });
  it('compiles sortBy on shadow fields with a stable tie-break, and refuses multi-valued attributes', () => {
    expect(userModel.compileSort('userName', 'descending')).toEqual({ userNameLower: -1, _id: -1 });
    expect(userModel.compileSort('meta.created', '')).toEqual({ 'meta.created': 1, _id: 1 });
    expect(() => userModel.compileSort('emails', '')).toThrow(ScimFault);
    expect(() => userModel.compileSort('userName', 'sideways')).toThrow(ScimFault);
  });
});

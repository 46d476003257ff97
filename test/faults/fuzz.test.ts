/**
 * Property-based fuzzing (fast-check) of filters, PATCH bodies and resource bodies against the running gateway:
 * whatever a client sends, the answer is never a 5xx, and the fixtures no request targets stay unchanged.
 * Keys that select properties of plain objects (`__proto__`, `constructor`, `toString`, …) are in every
 * generator on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OBJECT_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'prototype'];
const ATTRS = [
  'userName',
  'displayName',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'emails.type',
  'active',
  'title',
  'externalId',
  'roles',
  'members',
  'members.value',
  'meta.created',
  'meta.lastModified',
  'id',
  'groups',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:department`,
  ...OBJECT_KEYS,
];

const user = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'F', familyName: 'Z' },
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
});

// ---- generators -----------------------------------------------------------------------------------------------
const attr = fc.oneof(fc.constantFrom(...ATTRS), fc.string({ maxLength: 12 }));
const literal = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '1', '-0', '1e308', '"2024-01-01T00:00:00Z"', '"\\u0000"', '"unterminated'),
  fc.integer().map(String),
);
const compare = fc
  .tuple(attr, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'xx'), literal)
  .map(([a, op, v]) => `${a} ${op} ${v}`);
const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    compare,
    attr.map((a) => `${a} pr`),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', 'AND'), tie('f')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('f').map((f) => `not (${f})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'roles', ...OBJECT_KEYS), tie('f')).map(([a, f]) => `${a}[${f}]`),
    fc.string({ maxLength: 30 }),
  ),
})).f;

const key = fc.oneof(
  fc.constantFrom(...ATTRS, 'value', 'type', 'primary', 'display', 'schemas', 'Operations', 'op', 'path', ENTERPRISE),
  fc.string({ maxLength: 8 }),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, '', 'x', 'True', 'fuzz@x.example'),
    fc.string({ maxLength: 10 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;
const path = fc.oneof(
  attr,
  fc
    .tuple(
      fc.constantFrom('emails', 'members', 'roles', 'addresses', ...OBJECT_KEYS),
      filter,
      fc.option(fc.constantFrom('value', 'type', 'primary', '__proto__')),
    )
    .map(([a, f, s]) => `${a}[${f}]${s ? '.' + s : ''}`),
);
const operation = fc.record(
  {
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'copy', ...OBJECT_KEYS),
    path: fc.option(path, { nil: undefined }),
    value: fc.option(json, { nil: undefined }),
  },
  { requiredKeys: ['op'] },
);
const patchBody = fc.oneof(
  fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(operation, { minLength: 1, maxLength: 4 }) }),
  json,
);

describe('fuzzing the running gateway', () => {
  let sys: RunningSystem;
  let t: ScimTenant;
  let fixtureUser: string;
  let fixtureGroup: string;
  let scratchUser: string;
  let scratchGroup: string;
  const fixtures = async () =>
    [await t.scim('GET', `/Users/${fixtureUser}`), await t.scim('GET', `/Groups/${fixtureGroup}`)].map((r) => r.text);
  let before: string[];
  const seen5xx: Array<{ request: string; status: number; body: string }> = [];
  const check = (request: string, r: { status: number; text: string }) => {
    if (r.status >= 500) seen5xx.push({ request, status: r.status, body: r.text.slice(0, 300) });
    return r.status < 500;
  };

  beforeAll(async () => {
    sys = await startSystem({ START_TIMEOUT_MS: '55000' });
    t = await newScimTenant(sys, 'Fuzz');
    fixtureUser = (await t.scim('POST', '/Users', user('fixture@x.example'))).json.id;
    fixtureGroup = (await t.scim('POST', '/Groups', { displayName: 'Fixture', members: [{ value: fixtureUser }] })).json
      .id;
    scratchUser = (await t.scim('POST', '/Users', user('scratch@x.example'))).json.id;
    scratchGroup = (await t.scim('POST', '/Groups', { displayName: 'Scratch' })).json.id;
    before = await fixtures();
  }, 90000);
  afterAll(async () => {
    if (seen5xx.length)
      console.log(`5xx found by fuzzing:\n${seen5xx.map((s) => `${s.status} ${s.request} → ${s.body}`).join('\n')}`);
    await sys?.stop();
  });

  it('filters never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(filter, fc.constantFrom('Users', 'Groups'), async (f, resource) =>
        check(`GET /${resource}?filter=${f}`, await t.scim('GET', `/${resource}?filter=${encodeURIComponent(f)}`)),
      ),
      { numRuns: 150 },
    );
  }, 120000);

  it('PATCH bodies never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(patchBody, fc.boolean(), async (body, onGroup) => {
        const target = onGroup ? `/Groups/${scratchGroup}` : `/Users/${scratchUser}`;
        return check(`PATCH ${target} ${JSON.stringify(body).slice(0, 400)}`, await t.scim('PATCH', target, body));
      }),
      { numRuns: 150 },
    );
  }, 120000);

  it('resource bodies (POST and PUT) never get a 5xx', async () => {
    const resourceBody = fc.oneof(
      json,
      fc
        .tuple(fc.dictionary(key, json, { maxKeys: 5 }), fc.nat())
        .map(([extra, n]) => ({ ...user(`fuzz.${n}@x.example`), ...extra })),
    );
    await fc.assert(
      fc.asyncProperty(
        resourceBody,
        fc.constantFrom('POST /Users', 'POST /Groups', 'PUT /Users', 'PUT /Groups'),
        async (body, call) => {
          const [method, resource] = call.split(' ');
          const target =
            method === 'POST' ? resource : `${resource}/${resource === '/Users' ? scratchUser : scratchGroup}`;
          return check(`${method} ${target} ${JSON.stringify(body).slice(0, 400)}`, await t.scim(method, target, body));
        },
      ),
      { numRuns: 150 },
    );
  }, 120000);

  it('left the fixtures no request targeted unchanged', async () => {
    expect(await fixtures()).toEqual(before);
  });
});

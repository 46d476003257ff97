/** Reading a BulkRequest (RFC 7644 §3.7): operations, bulkId references, cycles, limits. */
import { describe, expect, it } from '@jest/globals';
import {
  operationsInCycles,
  parseBulkRequest,
  referencesIn,
  resolveReferences,
  type BulkOperation,
} from '../../src/domain/scim/index.js';
import { scimErrorOf } from './support.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const req = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK], Operations, ...extra });
const userData = { userName: 'a@x' };

describe('parseBulkRequest', () => {
  it('reads POST, PUT, PATCH and DELETE with their targets and references', () => {
    const r = parseBulkRequest(
      req(
        [
          { method: 'post', path: '/Users', bulkId: 'u1', data: userData },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g1',
            data: { displayName: 'G', members: [{ value: 'bulkId:u1' }] },
          },
          { method: 'PUT', path: '/Users/abc', version: 'W/"3"', data: userData },
          { method: 'PATCH', path: '/Groups/bulkId:g1', data: { Operations: [] } },
          { method: 'DELETE', path: '/Users/abc' },
        ],
        { failOnErrors: 2 },
      ),
      { maxOperations: 10 },
    );
    expect(r.failOnErrors).toBe(2);
    const ops = r.operations as BulkOperation[];
    expect(ops.map((o) => [o.method, o.resource, o.id, o.refs])).toEqual([
      ['POST', 'Users', undefined, []],
      ['POST', 'Groups', undefined, ['u1']],
      ['PUT', 'Users', 'abc', []],
      ['PATCH', 'Groups', 'bulkId:g1', ['g1']],
      ['DELETE', 'Users', 'abc', []],
    ]);
    expect(ops[2].version).toBe('W/"3"');
  });

  it('answers malformed operations one by one (400), without refusing the request', () => {
    const r = parseBulkRequest(
      req([
        { method: 'MOVE', path: '/Users' },
        { method: 'POST', path: '/Users', data: userData },
        { method: 'PUT', path: '/Users', data: userData },
        { method: 'PATCH', path: '/Devices/1', data: {} },
        { method: 'PUT', path: '/Users/1' },
        'x',
      ]),
      { maxOperations: 10 },
    );
    expect(r.operations.map((o) => ('error' in o ? [o.error.status, o.error.detail] : 'ok'))).toEqual([
      [400, expect.stringMatching(/method must be POST, PUT, PATCH or DELETE/)],
      [400, expect.stringMatching(/a POST needs a bulkId/)],
      [400, expect.stringMatching(/PUT needs the resource in its path/)],
      [400, expect.stringMatching(/path must be \/Users or \/Groups/)],
      [400, expect.stringMatching(/needs "data"/)],
      [400, expect.stringMatching(/must be an object/)],
    ]);
  });

  it('refuses too many operations with 413 tooMany, and unreadable requests with 400', () => {
    const many = Array.from({ length: 3 }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` }));
    expect(scimErrorOf(() => parseBulkRequest(req(many), { maxOperations: 2 }))).toMatchObject({
      status: 413,
      scimType: 'tooMany',
      detail: expect.stringMatching(/3 operations; the maximum is 2/),
    });
    expect(scimErrorOf(() => parseBulkRequest({ schemas: [BULK] }, { maxOperations: 2 }))).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
    });
    expect(
      scimErrorOf(() => parseBulkRequest(req(many.slice(0, 1), { failOnErrors: 0 }), { maxOperations: 2 })),
    ).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(
      scimErrorOf(() => parseBulkRequest({ schemas: ['urn:x'], Operations: many }, { maxOperations: 5 })),
    ).toMatchObject({ status: 400 });
    const dup = [
      { method: 'POST', path: '/Users', bulkId: 'a', data: userData },
      { method: 'POST', path: '/Users', bulkId: 'a', data: userData },
    ];
    expect(scimErrorOf(() => parseBulkRequest(req(dup), { maxOperations: 5 })).detail).toMatch(
      /bulkId "a" is used by Operations\[0\] and Operations\[1\]/,
    );
  });
});

describe('bulkId references', () => {
  it('finds and resolves bulkId:x anywhere in data', () => {
    const data = { members: [{ value: 'bulkId:u1' }, { value: 'u9' }], 'urn:x:manager': { value: 'bulkId:u2' } };
    expect([...referencesIn(data)]).toEqual(['u1', 'u2']);
    expect(
      resolveReferences(
        data,
        new Map([
          ['u1', 'id-1'],
          ['u2', 'id-2'],
        ]),
      ),
    ).toEqual({ members: [{ value: 'id-1' }, { value: 'u9' }], 'urn:x:manager': { value: 'id-2' } });
  });

  it('finds the operations of a reference cycle and those depending on one', () => {
    const r = parseBulkRequest(
      req([
        { method: 'POST', path: '/Groups', bulkId: 'a', data: { displayName: 'A', members: [{ value: 'bulkId:b' }] } },
        { method: 'POST', path: '/Groups', bulkId: 'b', data: { displayName: 'B', members: [{ value: 'bulkId:a' }] } },
        { method: 'PATCH', path: '/Groups/bulkId:a', data: {} },
        { method: 'POST', path: '/Users', bulkId: 'u', data: userData },
        { method: 'POST', path: '/Groups', bulkId: 'c', data: { displayName: 'C', members: [{ value: 'bulkId:u' }] } },
      ]),
      { maxOperations: 10 },
    );
    expect([...operationsInCycles(r)].sort()).toEqual([0, 1, 2]);
  });
});

describe('runBulk (on a stand-in engine)', () => {
  it('fails only the operation that hits an unexpected error, with an error id, and goes on', async () => {
    const { runBulk } = await import('../../src/domain/scim-bulk.js');
    const { userModel, groupModel } = await import('../../src/domain/scim-models.js');
    let n = 0;
    const engine = {
      async create(_ctx: unknown, model: { name: string }, body: { userName?: string }) {
        if (body.userName === 'boom@x') throw new Error('store unavailable: secret detail');
        return { id: `${model.name}-${++n}`, version: '1', json: '{}' };
      },
    };
    const refused: unknown[] = [];
    const out = await runBulk(
      {
        scim: engine as never,
        refusals: { record: async (_t: unknown, r: unknown) => void refused.push(r) } as never,
        models: { Users: userModel, Groups: groupModel },
        reportUnexpected: () => 'err-1',
      },
      { tenant: 't1' as never, connectorId: 'c1', baseUrl: 'https://x/scim/v2/t1', requestId: 'req-bulk' },
      parseBulkRequest(
        req([
          { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'boom@x' } },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: { displayName: 'G', members: [{ value: 'bulkId:a' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'ok@x' } },
        ]),
        { maxOperations: 10 },
      ),
    );
    const ops = out.Operations as Array<{ status: string; response?: { detail: string } }>;
    expect(ops.map((o) => o.status)).toEqual(['500', '409', '201']);
    expect(ops[0].response!.detail).toMatch(/error id err-1/);
    expect(JSON.stringify(out)).not.toContain('secret detail');
    expect(refused).toHaveLength(1); // the 409 is a refusal; the 500 is logged, not a refusal
    expect(refused[0]).toMatchObject({ via: 'bulk', requestId: 'req-bulk' }); // the bulk request's id
  });
});

/** The SCIM application layer stops once the caller has gone: nothing is written after the deadline. */
import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../kit/src/errors.js';
import { userModel } from '../src/domain/scim-models.js';
import { ScimService, type ScimServiceDeps } from '../src/domain/scim-service.js';
import type { TenantId } from '../../kit/src/store/store.js';

function fakes() {
  const writes: string[] = [];
  const stored = {
    _id: 'u1',
    tenantId: 't1',
    meta: { created: new Date(0), lastModified: new Date(0), version: 1 },
    provisioned: true,
    userName: 'a@x.example',
    userNameLower: 'a@x.example',
    name: { givenName: 'A', familyName: 'B' },
    emails: [{ value: 'a@x.example', valueLower: 'a@x.example' }],
    active: true,
  };
  const users = {
    get: async () => stored,
    byIds: async () => [],
    find: async () => [],
    count: async () => 0,
    insert: async () => void writes.push('insert'),
    replace: async () => (writes.push('update'), true),
  };
  const repos = {
    users,
    groups: users,
    memberships: { apply: async () => (writes.push('memberships'), { added: [], removed: [] }) },
    connectors: { get: async () => ({ enabled: true }) },
    activity: { record: async () => void writes.push('activity'), recordAll: async () => void writes.push('activity') },
    events: {
      append: async (_t: unknown, _m: unknown, drafts: Array<{ type: string }>) => (
        drafts.forEach((d) => writes.push(d.type)),
        []
      ),
    },
  };
  const deps = {
    store: { ...repos, unit: async <R>(work: (tx: typeof repos) => Promise<R>) => work(repos) },
    defaultPageSize: 100,
    maxPageSize: 1000,
  } as unknown as ScimServiceDeps;
  return { sut: new ScimService(deps), writes };
}

const ctx = (signal?: AbortSignal) => ({
  tenant: 't1' as TenantId,
  connectorId: 'c1',
  baseUrl: 'https://gw.example/scim/v2/t1',
  requestId: 'req-1',
  ...(signal ? { signal } : {}),
});
const body = { userName: 'b@x.example', name: { givenName: 'B', familyName: 'C' }, emails: [{ value: 'b@x.example' }] };
const patchBody = { Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] };
const projection = { attributes: [], excludedAttributes: [] };

describe('ScimService after the caller has gone', () => {
  it.each([
    ['create', (s: ScimService, c: ReturnType<typeof ctx>) => s.create(c, userModel, body, projection)],
    ['replace', (s: ScimService, c: ReturnType<typeof ctx>) => s.replace(c, userModel, 'u1', body, projection, '')],
    [
      'patch',
      (s: ScimService, c: ReturnType<typeof ctx>) => s.patch(c, userModel, 'u1', patchBody, projection, '', true),
    ],
  ])('%s writes nothing and answers DEADLINE_EXCEEDED', async (_name, call) => {
    const { sut, writes } = fakes();
    const gone = new AbortController();
    gone.abort();
    await expect(call(sut, ctx(gone.signal))).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect(call(sut, ctx(gone.signal))).rejects.toBeInstanceOf(AppError);
    expect(writes).toEqual([]);
  });

  it('writes as usual while the caller is there', async () => {
    const { sut, writes } = fakes();
    await sut.patch(ctx(new AbortController().signal), userModel, 'u1', patchBody, projection, '', false);
    expect(writes).toEqual(['update', 'activity', 'user.updated']);
  });
});

/** Bounded work per request: PATCH operation count and values per multi-valued attribute (limits.ts). */
import { describe, expect, it } from '@jest/globals';
import {
  applyGroupPatch,
  applyUserPatch,
  serviceProviderConfig,
  userFromStored,
  validateUser,
} from '../../src/domain/scim/index.js';
import { ada, scimErrorOf, storedGroup } from './support.js';
import { groupFromStored } from '../../src/domain/scim/index.js';

const BASE = 'https://gw.example.com/scim/v2/org1';
const limits = { maxPatchOperations: 5, maxValuesPerAttribute: 3 };
const emails = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: `e${from + i}@x.example` }));
const errorOf = (f: () => unknown) => {
  const err = scimErrorOf(f);
  return { status: err.status, scimType: err.scimType, detail: err.detail };
};

describe('SCIM limits', () => {
  it('refuses a PATCH with more operations than allowed with 413, naming the limit', () => {
    const ops = Array.from({ length: 6 }, () => ({ op: 'replace', path: 'title', value: 'x' }));
    expect(errorOf(() => applyUserPatch(userFromStored(ada, BASE), { Operations: ops }, limits))).toEqual({
      status: 413,
      scimType: undefined,
      detail: expect.stringMatching(/at most 5 operations \(this one has 6\)/),
    });
    expect(() => applyUserPatch(userFromStored(ada, BASE), { Operations: ops.slice(0, 5) }, limits)).not.toThrow();
  });

  it('refuses a PATCH that would leave more values in a multi-valued attribute with 400 invalidValue', () => {
    const before = userFromStored(ada, BASE);
    const existing = (before.emails as unknown[]).length;
    expect(
      errorOf(() =>
        applyUserPatch(before, { Operations: [{ op: 'add', path: 'emails', value: emails(4 - existing) }] }, limits),
      ),
    ).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringMatching(/emails may hold at most 3 values \(got 4\)/),
    });
    // adding values that are already there merges them: no growth, no error
    const same = (before.emails as Array<{ value: string; type?: string }>).map((e) => ({
      value: e.value.toUpperCase(),
      ...(e.type ? { type: e.type } : {}),
    }));
    expect(
      (
        applyUserPatch(before, { Operations: [{ op: 'add', path: 'emails', value: same }] }, limits).resource
          .emails as unknown[]
      ).length,
    ).toBe(existing);
  });

  it('refuses a User body over the limit (POST/PUT), not only PATCH', () => {
    const body = { userName: 'a@x.example', name: { givenName: 'A', familyName: 'B' }, emails: emails(4) };
    expect(errorOf(() => validateUser(body, limits))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringMatching(/emails may hold at most 3/),
    });
    expect(validateUser({ ...body, emails: emails(3) }, limits).resource.emails).toHaveLength(3);
  });

  it('refuses 10,001 e-mails under the default limit (100) before the store sees them', () => {
    const body = { userName: 'a@x.example', name: { givenName: 'A', familyName: 'B' }, emails: emails(10_001) };
    expect(errorOf(() => validateUser(body))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringMatching(/at most 100 values/),
    });
  });

  it('does not count group members as values of the group (they are memberships)', () => {
    const group = groupFromStored(storedGroup({ displayName: 'Eng' }, 'g1'), BASE);
    const members = Array.from({ length: 50 }, (_, i) => ({ value: `u${i}` }));
    expect(
      applyGroupPatch(group, { Operations: [{ op: 'add', path: 'members', value: members }] }, limits).membership,
    ).toEqual([{ op: 'add', userIds: members.map((m) => m.value) }]);
  });

  it('keeps add semantics when many values are added in one operation (indexed lookups)', () => {
    const big = { maxPatchOperations: 10, maxValuesPerAttribute: 100_000 };
    const before = userFromStored(ada, BASE);
    const added = [
      ...emails(20_000),
      ...emails(20_000).map((e) => ({ value: e.value.toUpperCase() })),
      { value: 'e7@x.example', display: 'seven' },
    ];
    const out = applyUserPatch(before, { Operations: [{ op: 'add', path: 'emails', value: added }] }, big).resource
      .emails as Array<Record<string, unknown>>;
    expect(out).toHaveLength((before.emails as unknown[]).length + 20_000); // case-insensitive duplicates merged
    expect(out.find((e) => e.value === 'e7@x.example')).toMatchObject({ display: 'seven' });
    const removed = applyUserPatch(
      { ...before, emails: out },
      {
        Operations: [
          { op: 'remove', path: 'emails', value: emails(19_999, 1).map((e) => ({ value: e.value.toUpperCase() })) },
        ],
      },
      big,
    ).resource.emails as Array<Record<string, unknown>>;
    expect(removed.map((e) => e.value)).toEqual([
      ...(before.emails as Array<{ value: string }>).map((e) => e.value),
      'E0@X.EXAMPLE',
    ]); // a merge writes the value as last sent
  });

  it('advertises the limits in /ServiceProviderConfig', () => {
    expect(serviceProviderConfig({ baseUrl: BASE, maxResults: 100, limits }).patch).toEqual({
      supported: true,
      maxOperations: 5,
      maxValuesPerAttribute: 3,
    });
  });
});

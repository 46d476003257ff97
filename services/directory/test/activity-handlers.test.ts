import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../kit/src/errors.js';
import type { TenantId } from '../../kit/src/store/store.js';
import { activityHandlers } from '../src/handlers/activity.handlers.js';
import type { ActivityEntry, ActivityRecord, ActivityRepository } from '../src/domain/ports.js';

/** Keeps what the handler records, so a test can see that a refused entry wrote nothing. */
function recordingRepository(): ActivityRepository & { rows: ActivityRecord[] } {
  const rows: ActivityRecord[] = [];
  const record = (tenant: TenantId, entry: ActivityEntry): ActivityRecord => {
    const row = { ...entry, _id: `a${rows.length + 1}`, tenantId: String(tenant), time: entry.time ?? new Date() };
    rows.push(row);
    return row;
  };
  return {
    rows,
    record: (tenant, entry) => Promise.resolve(record(tenant, entry)),
    recordAll: (tenant, entries) => Promise.resolve(entries.map((e) => record(tenant, e))),
    list: () => Promise.resolve([...rows].reverse()),
  };
}

const entry = (detailsJson: string) => ({
  id: '',
  tenantId: 'org1',
  time: new Date('2026-12-06T10:00:00Z'),
  actor: 'operator',
  action: 'user.update',
  resourceType: 'User',
  resourceId: 'u1',
  resourceName: 'ada@example.com',
  outcome: 'success',
  requestId: 'r1',
  detailsJson,
});

describe('recordActivity details', () => {
  it('stores a JSON object as the details', async () => {
    const repo = recordingRepository();
    await activityHandlers(repo, () => Promise.resolve(undefined)).recordActivity({ entry: entry('{"role":"Admin"}') });
    expect(repo.rows).toHaveLength(1);
    expect(repo.rows[0].details).toEqual({ role: 'Admin' });
  });

  it.each(['[1,2]', '"text"', '42', 'null'])(
    'refuses details_json %s (not an object) and records nothing',
    async (json) => {
      const repo = recordingRepository();
      const err = await activityHandlers(repo, () => Promise.resolve(undefined))
        .recordActivity({ entry: entry(json) })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'entry.details_json must be a JSON object' });
      expect(repo.rows).toEqual([]);
    },
  );

  it('refuses details_json that is not JSON', async () => {
    const repo = recordingRepository();
    await expect(
      activityHandlers(repo, () => Promise.resolve(undefined)).recordActivity({ entry: entry('{oops') }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'entry.details_json is not JSON' });
    expect(repo.rows).toEqual([]);
  });
});

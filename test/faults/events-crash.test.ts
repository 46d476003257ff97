/**
 * SIGKILL of the directory in the middle of a SCIM load (five processes as `npm start` runs them), then the
 * system started again on the same data directory: the organization's events feed and its store agree exactly.
 * Replaying the feed gives the users (with their active flag), the groups and every group's members that SCIM
 * reads back; the sequence is 1…n without a gap; every change the client saw acknowledged has its event; no
 * event names a change the store does not hold.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant, type ScimTenant } from '../support/tenant.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type FeedEvent = {
  id: string;
  type: string;
  sequence: number;
  data: { user?: { id: string; active: boolean }; team?: { id: string } };
};

/** What the client saw acknowledged, by kind. */
interface Acked {
  created: Set<string>;
  deactivated: Set<string>;
  deleted: Set<string>;
  groups: Set<string>;
  memberAdds: Array<{ group: string; user: string }>;
}

async function load(t: ScimTenant, acked: Acked, stop: () => boolean, w: number) {
  let n = 0;
  const mine: string[] = [];
  while (!stop()) {
    const i = n++;
    try {
      const step = i % 5;
      if (step === 0 || step === 1 || mine.length < 2) {
        const userName = `ev.${w}.${i}@x.example`;
        const r = await t.scim('POST', '/Users', {
          userName,
          name: { givenName: 'E', familyName: 'V' },
          emails: [{ value: userName }],
        });
        if (r.status === 201) {
          acked.created.add(r.json.id);
          mine.push(r.json.id);
        }
      } else if (step === 2) {
        const id = mine[mine.length - 1];
        const r = await t.scim('PATCH', `/Users/${id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', value: { active: false } }],
        });
        if (r.status === 200 || r.status === 204) acked.deactivated.add(id);
      } else if (step === 3) {
        const members = mine.slice(-2).map((value) => ({ value }));
        const r = await t.scim('POST', '/Groups', { schemas: [GROUP], displayName: `g.${w}.${i}`, members });
        if (r.status === 201) {
          acked.groups.add(r.json.id);
          for (const m of members) acked.memberAdds.push({ group: r.json.id, user: m.value });
        }
      } else {
        const id = mine.shift()!;
        const r = await t.scim('DELETE', `/Users/${id}`);
        if (r.status === 204) acked.deleted.add(id);
      }
    } catch {
      /* connection reset while the system goes down: not acknowledged */
    }
  }
}

describe('SIGKILL of the directory under a SCIM load: the events feed and the store agree', () => {
  const systems: RunningSystem[] = [];
  afterAll(async () => {
    for (const s of systems) await s.stop();
  });

  it('no acknowledged change without its event, no event without its change, no gap', async () => {
    const first = await startSystem({ START_TIMEOUT_MS: '55000' });
    systems.push(first);
    const t = await newScimTenant(first, 'Events Crash');
    const acked: Acked = {
      created: new Set(),
      deactivated: new Set(),
      deleted: new Set(),
      groups: new Set(),
      memberAdds: [],
    };
    let stop = false;
    const workers = Array.from({ length: 6 }, (_, w) => load(t, acked, () => stop, w));
    while (acked.created.size < 60 || acked.groups.size < 5 || acked.deleted.size < 5) await sleep(50);
    const directoryPid = first.childPids().find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/directory/');
      } catch {
        return false;
      }
    });
    expect(directoryPid).toBeDefined();
    process.kill(directoryPid!, 'SIGKILL');
    // the supervisor stops everything when one process dies (scripts/start.ts)
    if (first.supervisor.exitCode === null) await new Promise((r) => first.supervisor.once('exit', r));
    stop = true;
    await Promise.all(workers);

    const second = await startSystem({ ADMIN_TOKEN: first.adminToken, START_TIMEOUT_MS: '55000' }, first.dataDir);
    systems.push(second);
    const get = (path: string) =>
      fetch(`${second.url}${path}`, {
        headers: { authorization: `Bearer ${path.startsWith('/admin') ? second.adminToken : t.token}` },
      }).then((r) => r.json());
    const scimPath = new URL(t.baseUrl).pathname;

    // the feed, whole
    const feed: FeedEvent[] = [];
    for (let after = ''; ;) {
      const page = await get(
        `/admin/v1/orgs/${t.orgId}/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      );
      feed.push(...page.events);
      if (!page.events.length) break;
      after = page.nextCursor;
    }
    // the store, as SCIM reads it
    const users: Array<{ id: string; active: boolean }> = [];
    for (let start = 1; ; start += 500) {
      const page = await get(`${scimPath}/Users?startIndex=${start}&count=500&attributes=active`);
      users.push(...page.Resources);
      if (users.length >= page.totalResults || !page.Resources.length) break;
    }
    const groups: Array<{ id: string; members?: Array<{ value: string }> }> = [];
    for (let start = 1; ; start += 500) {
      const page = await get(`${scimPath}/Groups?startIndex=${start}&count=500&attributes=members`);
      groups.push(...page.Resources);
      if (groups.length >= page.totalResults || !page.Resources.length) break;
    }

    // the feed replayed
    const replayedUsers = new Map<string, boolean>();
    const replayedGroups = new Map<string, Set<string>>();
    const typesOf = new Map<string, Set<string>>();
    for (const e of feed) {
      const id = e.data.user && !e.type.startsWith('team.') ? e.data.user.id : e.data.team?.id;
      if (id) typesOf.set(id, (typesOf.get(id) ?? new Set()).add(e.type));
      if (e.type === 'user.deleted') replayedUsers.delete(e.data.user!.id);
      else if (e.type.startsWith('user.')) replayedUsers.set(e.data.user!.id, e.data.user!.active);
      else if (e.type === 'team.created') replayedGroups.set(e.data.team!.id, new Set());
      else if (e.type === 'team.deleted') replayedGroups.delete(e.data.team!.id);
      else if (e.type === 'team.member_added') replayedGroups.get(e.data.team!.id)?.add(e.data.user!.id);
      else if (e.type === 'team.member_removed') replayedGroups.get(e.data.team!.id)?.delete(e.data.user!.id);
    }
    // a deleted user leaves its groups with it (one unit, no member event): the store's view of members
    for (const members of replayedGroups.values())
      for (const u of members) if (!replayedUsers.has(u)) members.delete(u);

    console.log(
      `SIGKILL mid SCIM load: ${acked.created.size} creates, ${acked.deactivated.size} deactivations, ${acked.groups.size} groups, ${acked.deleted.size} deletes acknowledged; ${feed.length} events, ${users.length} users, ${groups.length} groups after restart`,
    );
    expect(feed.map((e) => e.sequence)).toEqual(feed.map((_, i) => i + 1));
    expect(new Map(users.map((u) => [u.id, u.active !== false]))).toEqual(replayedUsers);
    expect(new Map(groups.map((g) => [g.id, new Set((g.members ?? []).map((m) => m.value))]))).toEqual(replayedGroups);
    const missing = (ids: Iterable<string>, type: string) => [...ids].filter((id) => !typesOf.get(id)?.has(type));
    expect(missing(acked.created, 'user.created')).toEqual([]);
    expect(missing(acked.deactivated, 'user.deactivated')).toEqual([]);
    expect(missing(acked.deleted, 'user.deleted')).toEqual([]);
    expect(missing(acked.groups, 'team.created')).toEqual([]);
    const added = new Set(
      feed.filter((e) => e.type === 'team.member_added').map((e) => `${e.data.team!.id}/${e.data.user!.id}`),
    );
    expect(acked.memberAdds.filter((m) => !added.has(`${m.group}/${m.user}`))).toEqual([]);
  }, 150000);
});

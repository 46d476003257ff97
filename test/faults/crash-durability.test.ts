/**
 * SIGKILL of the directory under a create load (five processes as `npm start` runs them): every write the
 * client saw acknowledged (201) is there after the system is started again on the same data directory,
 * exactly once, and the store reopens.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant } from '../support/tenant.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL of the directory under load', () => {
  const systems: RunningSystem[] = [];
  afterAll(async () => {
    for (const s of systems) await s.stop();
  });

  it('loses no acknowledged write and duplicates none; the store reopens', async () => {
    const first = await startSystem({ START_TIMEOUT_MS: '55000' });
    systems.push(first);
    const t = await newScimTenant(first, 'Crash');
    const acked = new Map<string, string>(); // userName → id
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const userName = `crash.${n++}@x.example`;
        try {
          const r = await t.scim('POST', '/Users', {
            userName,
            name: { givenName: 'C', familyName: 'K' },
            emails: [{ value: userName }],
          });
          if (r.status === 201) acked.set(userName, r.json.id);
        } catch {
          /* connection reset while the system goes down: not acknowledged */
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    while (acked.size < 60) await sleep(50);
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
    expect(acked.size).toBeGreaterThanOrEqual(60);

    const second = await startSystem({ ADMIN_TOKEN: first.adminToken, START_TIMEOUT_MS: '55000' }, first.dataDir);
    systems.push(second);
    const scim = (path: string) =>
      fetch(`${second.url}${new URL(t.baseUrl).pathname}${path}`, {
        headers: { authorization: `Bearer ${t.token}` },
      }).then((r) => r.json());
    const all: Array<{ id: string; userName: string }> = [];
    for (let start = 1; ; start += 500) {
      const page = await scim(`/Users?startIndex=${start}&count=500&attributes=userName`);
      all.push(...page.Resources);
      if (all.length >= page.totalResults || !page.Resources.length) break;
    }
    const byName = new Map<string, string[]>();
    for (const u of all) byName.set(u.userName, [...(byName.get(u.userName) ?? []), u.id]);
    const lost = [...acked.keys()].filter((name) => !byName.has(name));
    const duplicated = [...byName.entries()].filter(([, ids]) => ids.length > 1);
    const changedId = [...acked.entries()].filter(([name, id]) => byName.has(name) && byName.get(name)![0] !== id);
    console.log(
      `SIGKILL of the directory: ${acked.size} acknowledged creates, ${all.length} users after restart, ${lost.length} lost, ${duplicated.length} duplicated`,
    );
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(changedId).toEqual([]);
    expect(new Set(all.map((u) => u.id)).size).toBe(all.length);
  }, 120000);
});

import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedDocumentStore } from '../../../kit/src/store/embedded-store.js';
import { tenantId } from '../../../kit/src/store/store.js';
import { openDirectoryStore } from '../../src/store/directory-store.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

describe('directory writes under SIGKILL', () => {
  it('keeps a group rename with its membership change, and a user delete with its memberships, all or none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'directory-crash-'));
    try {
      for (let round = 0; round < 4; round++) {
        const killAfter = 5 + Math.floor(Math.random() * 60);
        const child = spawn(
          process.execPath,
          [
            '--import',
            here('../../../kit/test/store/support/register-ts.mjs'),
            here('./support/directory-crash-writer.ts'),
            dir,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let lastAck = -1;
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.on('data', (d: Buffer) => {
          for (const m of d.toString().matchAll(/ack (\d+)/g)) lastAck = Number(m[1]);
          if (lastAck >= killAfter && !child.killed) setTimeout(() => child.kill('SIGKILL'), Math.random() * 3);
        });
        const [, signal] = await new Promise<[number | null, string | null]>((res) =>
          child.on('exit', (c, s) => res([c, s])),
        );
        expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });

        const docs = await EmbeddedDocumentStore.open(dir);
        const store = await openDirectoryStore(docs);
        const t = tenantId('t1');
        const [group] = await store.groups.find(t, {});
        const members = await store.memberships.members(t, group._id);
        const name = String(group.displayName);
        // the name and the members moved together: "g-<id>" has exactly member <id>, unless that user was deleted
        if (name !== 'g-start') {
          const k = name.slice(2);
          const userExists = (await store.users.get(t, k)) !== null;
          expect(members).toEqual(userExists ? [k] : []);
        }
        // no membership outlives its user; every group change has its activity entry
        for (const m of await store.memberships.members(t, group._id))
          expect(await store.users.get(t, m)).not.toBeNull();
        const patches = await store.activity.list(t, { action: 'group.patch', limit: 100000 });
        expect(patches.filter((a) => a.resourceId === group._id)).toHaveLength(group.meta.version - 1);
        const deletes = await store.activity.list(t, { action: 'user.delete', limit: 100000 });
        for (const d of deletes) expect(await store.users.get(t, d.resourceId)).toBeNull();
        await docs.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

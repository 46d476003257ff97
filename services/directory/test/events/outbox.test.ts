/** The outbox on the embedded store: gap-free per-organization sequences, both feeds, cursors, retention. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDocumentStore } from '../../../kit/src/store/open-store.js';
import { tenantId, type DocumentStore } from '../../../kit/src/store/store.js';
import { decodeCursor, encodeCursor } from '../../src/events/feed-cursor.js';
import { EVENTS_COLLECTION, openEventOutbox, type EventOutbox } from '../../src/events/outbox.js';
import type { EventDraft } from '../../src/events/event-types.js';

const t1 = tenantId('0000000000000000000000a1');
const t2 = tenantId('0000000000000000000000b2');
const draft = (id: string, type: EventDraft['type'] = 'user.updated'): EventDraft => ({
  type,
  resource: { type: 'user', id },
  data: { user: { id } },
});
const meta = { actor: 'connector:c1', requestId: 'req-1' };

describe('event outbox', () => {
  let dir: string;
  let store: DocumentStore;
  let outbox: EventOutbox;
  let clock = Date.now();
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    store = await openDocumentStore({ dataDir: dir });
    clock = Date.now();
    outbox = await openEventOutbox(store, { gapGraceMs: 5000, now: () => clock });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('numbers each organization 1, 2, 3 … without gaps or repeats under concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        outbox.append(
          i % 3 ? t1 : t2,
          meta,
          i % 5 ? [draft(`u${i}`)] : [draft(`u${i}`), draft(`u${i}`, 'user.deactivated')],
        ),
      ),
    );
    for (const t of [t1, t2]) {
      const events = await outbox.listOrg(t, 0, 1000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.every((e) => e.tenantId === t && e.actor === 'connector:c1' && e.requestId === 'req-1')).toBe(true);
    }
    expect((await outbox.listOrg(t1, 0, 1000)).length + (await outbox.listOrg(t2, 0, 1000)).length).toBe(72);
    // the events of one change keep their order
    const t2Events = await outbox.listOrg(t2, 0, 1000);
    const i = t2Events.findIndex((e) => e.type === 'user.deactivated');
    expect(t2Events[i - 1]).toMatchObject({ type: 'user.updated', resourceId: t2Events[i].resourceId });
  });

  it('stops before a missing number still in flight, and passes it once it is older than the grace period', async () => {
    await outbox.append(t1, meta, [draft('a')]);
    // a writer that took number 2 and has not inserted it yet
    const events = await store.collection(EVENTS_COLLECTION);
    const counters = await store.collection({ name: 'event_counters', indexes: [] });
    await counters.updateOne({ _id: t1 }, { $inc: { seq: 1 } });
    await outbox.append(t1, meta, [draft('c')]);
    expect((await outbox.listOrg(t1, 0, 10)).map((e) => e.seq)).toEqual([1]);
    expect(await events.countDocuments({ tenantId: t1 })).toBe(2);
    clock += 6000;
    expect((await outbox.listOrg(t1, 0, 10)).map((e) => e.seq)).toEqual([1, 3]);
  });

  it('serves the all-organizations feed in order, per organization in sequence order, settled events only', async () => {
    for (let i = 0; i < 10; i++) await outbox.append(i % 2 ? t1 : t2, meta, [draft(`u${i}`)]);
    expect(await outbox.listAll('', 100)).toEqual([]); // younger than the grace period
    clock += 6000;
    const all = await outbox.listAll('', 100);
    expect(all).toHaveLength(10);
    for (const t of [t1, t2]) expect(all.filter((e) => e.tenantId === t).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const first = await outbox.listAll('', 4);
    const rest = await outbox.listAll(first[3].feedKey, 100);
    expect([...first, ...rest].map((e) => e._id)).toEqual(all.map((e) => e._id));
  });

  it('cursors are opaque, bound to their feed, and refused when foreign or unreadable', () => {
    const c = encodeCursor({ kind: 'org', tenant: t1, seq: 7 });
    expect(c).not.toContain('7,');
    expect(decodeCursor(c, t1)).toEqual({ kind: 'org', tenant: t1, seq: 7 });
    expect(() => decodeCursor(c, t2)).toThrow(/another feed/);
    expect(() => decodeCursor(c, undefined)).toThrow(/another feed/);
    expect(() => decodeCursor('garbage!', t1)).toThrow(/not a cursor/);
    expect(decodeCursor('', t1)).toEqual({ kind: 'start' });
    const all = encodeCursor({ kind: 'all', key: 'k' });
    expect(() => decodeCursor(all, t1)).toThrow(/another feed/);
  });

  it('sweeps events older than the cutoff, and the feed resumes past them', async () => {
    await outbox.append(t1, meta, [draft('old1'), draft('old2')]);
    clock += 3_600_000;
    await outbox.append(t1, meta, [draft('new')]);
    expect(await outbox.sweep(new Date(clock - 60_000))).toBe(2);
    expect((await outbox.listOrg(t1, 0, 10)).map((e) => e.seq)).toEqual([3]);
    expect((await outbox.listOrg(t1, 1, 10)).map((e) => e.seq)).toEqual([3]);
  });
});

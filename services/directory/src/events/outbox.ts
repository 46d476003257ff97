/**
 * The outbox: change events with a per-organization, gap-free sequence, and the two feeds read from it.
 *
 * The write side is the `EventRepository` of the directory's repositories (`eventRepository` below, bound into
 * every unit by store/directory-store.ts): inside the unit of a change it takes the organization's next sequence
 * numbers from its counter document (`findOneAndUpdate` with `$inc`) and inserts the events, so the change, its
 * memberships, its activity entries, the counter and the events commit together or not at all (embedded store:
 * one journal record; MongoDB: one transaction). Two units of one organization both write its counter document,
 * so the second waits for (MongoDB: write conflict, retried) or re-runs after (embedded: stale read) the first:
 * an organization's sequence order is its commit order and no reader sees a number before the ones below it.
 * Listeners (metrics, the delivery worker) hear of events once their unit has committed.
 *
 * What is still guarded by `EVENTS_GAP_GRACE`: the all-organizations feed orders by a time taken inside the unit,
 * before its commit, and organizations share no document, so a unit of one organization may commit after a later
 * one of another — that feed only serves events older than the grace. The per-organization feed stops at a
 * missing number younger than the grace only on a standalone MongoDB server (no transactions: the counter and
 * the insert are two writes there, see docs/store.md); on the other stores it never sees one.
 */
import type { Collection, CollectionSpec, DocumentStore, TenantId } from '../../../kit/src/store/store.js';
import { TenantCollection } from '../../../kit/src/store/tenant-collection.js';
import type { EventRepository } from '../domain/ports.js';
import type { ChangeMeta, EventDraft, EventRecord } from './event-types.js';

export const EVENTS_COLLECTION: CollectionSpec = {
  name: 'events',
  indexes: [
    { name: 'tenant_seq', keys: { tenantId: 1, seq: 1 }, unique: true },
    { name: 'feed_key', keys: { feedKey: 1 }, unique: true },
    { name: 'tenant_feed_key', keys: { tenantId: 1, feedKey: 1 } },
  ],
};

/**
 * One counter document per organization: the last sequence number given out, the time it was given, and the
 * retention floor (numbers up to it were swept: the feed starts after it, not at a gap it would wait on).
 */
export type EventCounter = { _id: string; tenantId: string; seq: number; at: number; floor?: number };
export const EVENT_COUNTERS_COLLECTION: CollectionSpec = { name: 'event_counters', indexes: [] };

/** Time part of a feed key: milliseconds in fixed-width hex, so keys sort as strings. */
const timeKey = (ms: number) => Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
export const feedKeyOf = (at: number, tenant: string, seq: number) =>
  `${timeKey(at)}:${tenant}:${String(seq).padStart(15, '0')}`;

/**
 * An event's id: its organization and sequence number (fixed-width hex), so one organization's events are a
 * contiguous, ordered `_id` range — a feed page or a delivery batch is read by position, whatever the size of the
 * organization's history. Tenant ids are hex, so "." and "/" bound the range.
 */
export const eventIdOf = (tenant: string, seq: number) => `evt_${tenant}.${seq.toString(16).padStart(12, '0')}`;
const endOfTenant = (tenant: string) => `evt_${tenant}/`;

export interface FeedPage {
  events: EventRecord[];
}

export interface EventOutbox {
  /**
   * Events with no other write to join (tests, benchmarks): one unit of their own. A change's events are written
   * by the `events` repository inside the change's unit instead.
   */
  append(tenant: TenantId, meta: ChangeMeta, drafts: EventDraft[]): Promise<EventRecord[]>;
  /** Tells metrics and listeners of events whose unit has committed. */
  committed(events: EventRecord[]): void;
  /** Events of one organization after `afterSeq`, in sequence order, never past a write still in flight. */
  listOrg(tenant: TenantId, afterSeq: number, limit: number): Promise<EventRecord[]>;
  /** Events of every organization after the feed key, in feed-key order, settled ones only. */
  listAll(afterKey: string, limit: number): Promise<EventRecord[]>;
  get(tenant: TenantId, eventId: string): Promise<EventRecord | null>;
  /** An event of any organization, by id (manual redelivery to an all-organizations webhook). */
  byId(eventId: string): Promise<EventRecord | null>;
  /**
   * The sequence number of the organization's last event written before `since` (0 when none): a webhook
   * stream opened for an endpoint created at `since` starts after it, so events still in flight are not skipped.
   */
  lastSeqBefore(tenant: TenantId, since: Date): Promise<number>;
  /** Last sequence number given out per organization (organizations that have events). */
  heads(): Promise<EventCounter[]>;
  /** Deletes events older than the cutoff; returns how many. */
  sweep(cutoff: Date): Promise<number>;
  /** Called after every append (the delivery worker wakes up early). */
  onAppend(listener: (tenant: TenantId) => void): void;
}

export interface OutboxOptions {
  gapGraceMs: number;
  now?: () => number;
  onWritten?: (events: EventRecord[]) => void;
}

/**
 * The write side, over the tenant-scoped events and counters collections (plain or bound to a unit). `written`
 * receives the events once they are staged; the unit runner passes them on after the commit.
 */
export function eventRepository(
  events: TenantCollection<EventRecord>,
  counters: TenantCollection<EventCounter>,
  written: (events: EventRecord[]) => void,
  now: () => number = Date.now,
): EventRepository {
  return {
    async append(tenant, meta, drafts) {
      if (drafts.length === 0) return [];
      const counter = await counters.findOneAndUpdate(
        tenant,
        { _id: tenant },
        { $inc: { seq: drafts.length }, $max: { at: now() } },
        { upsert: true, returnDocument: 'after' },
      );
      if (!counter) throw new Error('event counter was not returned');
      // `at` never goes backwards for an organization, so its feed keys ascend with its sequence numbers
      const at = counter.at;
      const first = counter.seq - drafts.length + 1;
      const recs: EventRecord[] = drafts.map((d, i) => ({
        _id: eventIdOf(tenant, first + i),
        tenantId: tenant,
        seq: first + i,
        feedKey: feedKeyOf(at, tenant, first + i),
        type: d.type,
        time: new Date(at),
        actor: meta.actor,
        requestId: meta.requestId,
        resourceType: d.resource.type,
        resourceId: d.resource.id,
        data: d.data,
      }));
      if (recs.length === 1) await events.insertOne(tenant, recs[0]);
      else
        await events.bulkWrite(
          tenant,
          recs.map((document) => ({ insertOne: { document } })),
        );
      written(recs);
      return recs;
    },
  };
}

export async function openEventOutbox(store: DocumentStore, opts: OutboxOptions): Promise<EventOutbox> {
  const events: Collection<EventRecord> = await store.collection<EventRecord>(EVENTS_COLLECTION);
  const counters: Collection<EventCounter> = await store.collection<EventCounter>(EVENT_COUNTERS_COLLECTION);
  const now = opts.now ?? Date.now;
  const listeners: Array<(tenant: TenantId) => void> = [];

  /** Stops before a missing number younger than the grace period (its writer is still at work). */
  const contiguous = (rows: EventRecord[], after: number, seqOf: (r: EventRecord) => number): EventRecord[] => {
    const out: EventRecord[] = [];
    let expected = after + 1;
    const t = now();
    for (const r of rows) {
      if (seqOf(r) !== expected && t - r.time.getTime() < opts.gapGraceMs) break;
      out.push(r);
      expected = seqOf(r) + 1;
    }
    return out;
  };

  const committed = (recs: EventRecord[]) => {
    if (!recs.length) return;
    opts.onWritten?.(recs);
    for (const r of new Set(recs.map((e) => e.tenantId))) for (const l of listeners) l(r as TenantId);
  };

  return {
    async append(tenant, meta, drafts) {
      let staged: EventRecord[] = [];
      const recs = await store.unit((u) =>
        eventRepository(
          new TenantCollection(u.use(events)),
          new TenantCollection(u.use(counters)),
          (r) => (staged = r),
          now,
        ).append(tenant, meta, drafts),
      );
      committed(staged);
      return recs;
    },
    committed,
    async listOrg(tenant, afterSeq, limit) {
      const floor = (await counters.findOne({ _id: tenant, tenantId: tenant }))?.floor ?? 0;
      const after = Math.max(afterSeq, floor);
      const rows = await events.find(
        { tenantId: tenant, _id: { $gt: eventIdOf(tenant, after), $lt: endOfTenant(tenant) } },
        { sort: { _id: 1 }, limit },
      );
      return contiguous(rows, after, (r) => r.seq);
    },
    async listAll(afterKey, limit) {
      // Only events older than the grace period: a write still in flight cannot appear behind the cursor.
      const settled = `${timeKey(now() - opts.gapGraceMs)};`;
      return events.find({ feedKey: { $gt: afterKey, $lt: settled } }, { sort: { feedKey: 1 }, limit });
    },
    get: (tenant, eventId) => events.findOne({ _id: eventId, tenantId: tenant }),
    byId: (eventId) => events.findOne({ _id: eventId }),
    async lastSeqBefore(tenant, since) {
      const [last] = await events.find(
        { tenantId: tenant, feedKey: { $lt: timeKey(since.getTime()) } },
        { sort: { feedKey: -1 }, limit: 1, projection: { seq: 1 } },
      );
      return last?.seq ?? 0;
    },
    heads: () => counters.find({}, { sort: { _id: 1 } }),
    async sweep(cutoff) {
      const cut = timeKey(cutoff.getTime());
      // raise each organization's floor first: a crash before the delete only hides expired events early
      for (const c of await counters.find({})) {
        const [last] = await events.find(
          { tenantId: c.tenantId, feedKey: { $lt: cut } },
          { sort: { feedKey: -1 }, limit: 1, projection: { seq: 1 } },
        );
        if (last) await counters.updateOne({ _id: c._id, tenantId: c.tenantId }, { $max: { floor: last.seq } });
      }
      return events.deleteMany({ feedKey: { $lt: cut } });
    },
    onAppend(listener) {
      listeners.push(listener);
    },
  };
}

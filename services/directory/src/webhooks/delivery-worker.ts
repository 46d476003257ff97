/**
 * Delivers the outbox to webhook endpoints. Each endpoint × organization is one *stream*, delivered strictly in
 * sequence order (so in order per resource), one event at a time, by whichever replica holds the stream's lease
 * in the store; a failed event is retried on the configured schedule (exponential, ≥ 24 h by default) while the
 * stream waits, then abandoned (logged) so the stream moves on. An endpoint whose deliveries have all failed
 * for WEBHOOKS_DISABLE_AFTER is disabled, with an activity entry. At least once: a replica that loses its lease
 * mid-send (or dies before recording the answer) leaves the event to be sent again, with the same webhook-id.
 */
import { newId } from '../../../kit/src/ids.js';
import type { Logger } from '../../../kit/src/logger.js';
import type { TenantId } from '../../../kit/src/store/store.js';
import type { EventRecord } from '../events/event-types.js';
import type { EventOutbox } from '../events/outbox.js';
import type { EventsMetrics } from '../events/events-metrics.js';
import type { ActivityRepository } from '../domain/ports.js';
import type { Sender } from './sender.js';
import { signatureHeaders } from './signature.js';
import {
  wants,
  type DeliveryRecord,
  type EndpointRecord,
  type StreamRecord,
  type WebhookStore,
} from './webhook-store.js';

export interface DeliveryWorkerOptions {
  outbox: EventOutbox;
  webhooks: WebhookStore;
  activity: ActivityRepository;
  send: Sender;
  logger: Logger;
  metrics: EventsMetrics;
  retryScheduleMs: number[];
  disableAfterMs: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Streams worked on at once by this replica. */
  concurrency?: number;
  /** Distinguishes replicas in leases (tests run two workers in one process). */
  owner?: string;
  now?: () => number;
}

/** The body of a delivery: Standard Webhooks' {type, timestamp, data} and where the event sits in the feed. */
export function webhookBody(e: EventRecord): string {
  return JSON.stringify({
    id: e._id,
    type: e.type,
    timestamp: e.time.toISOString(),
    orgId: e.tenantId,
    sequence: e.seq,
    actor: e.actor,
    requestId: e.requestId,
    data: e.data,
  });
}

export class DeliveryWorker {
  private readonly owner: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** Streams this replica is working on (a lease admits its holder again: never twice at once here). */
  private readonly busy = new Set<string>();

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.owner = o.owner ?? `worker-${newId()}`;
    this.now = o.now ?? Date.now;
  }

  start() {
    this.stopped = false;
    this.o.outbox.onAppend(() => this.kick());
    this.schedule(0);
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Work soon (new events were written). */
  kick() {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(5);
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.o.logger.error('webhook delivery round failed', { err: (err as Error).message }))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.again ? 5 : this.o.pollIntervalMs);
          this.again = false;
        });
    }, ms);
    this.timer.unref?.();
  }

  /** One round: every due stream of every enabled endpoint, a few at a time. */
  async tick(): Promise<void> {
    const endpoints = await this.o.webhooks.endpoints.find({ enabled: true });
    if (!endpoints.length) {
      this.o.metrics.oldestUndelivered.set(0);
      return;
    }
    const heads = await this.o.outbox.heads();
    const due: Array<() => Promise<void>> = [];
    let oldest = 0;
    for (const ep of endpoints) {
      const streams = new Map((await this.o.webhooks.streams.find({ endpointId: ep._id })).map((s) => [s.tenantId, s]));
      for (const head of heads) {
        if (ep.orgId && ep.orgId !== head.tenantId) continue;
        const stream = streams.get(head.tenantId) ?? (await this.openStream(ep, head.tenantId as TenantId));
        if (stream.acked >= head.seq) continue;
        const next = await this.o.outbox.listOrg(head.tenantId as TenantId, stream.acked, 1);
        if (next[0]) oldest = Math.max(oldest, this.now() - next[0].time.getTime());
        if (stream.nextAttemptAt > this.now()) continue;
        if (stream.leaseOwner !== this.owner && stream.leaseUntil > this.now()) continue;
        due.push(() =>
          this.work(ep, stream).catch((err) =>
            this.o.logger.error('webhook stream failed', {
              webhookId: ep._id,
              tenant: stream.tenantId,
              err: (err as Error).message,
            }),
          ),
        );
      }
    }
    this.o.metrics.oldestUndelivered.set(oldest / 1000);
    await pool(due, this.o.concurrency ?? 8);
  }

  /** A new stream starts at the first event written after the endpoint was created. */
  private async openStream(ep: EndpointRecord, tenant: TenantId): Promise<StreamRecord> {
    const id = `${ep._id}:${tenant}`;
    const acked = await this.o.outbox.lastSeqBefore(tenant, ep.createdAt);
    const stream: StreamRecord = {
      _id: id,
      endpointId: ep._id,
      tenantId: tenant,
      acked,
      attempt: 0,
      nextAttemptAt: 0,
      leaseOwner: '',
      leaseUntil: 0,
    };
    try {
      await this.o.webhooks.streams.insertOne(stream);
      return stream;
    } catch {
      // another replica opened it first
      return (await this.o.webhooks.streams.findOne({ _id: id })) ?? stream;
    }
  }

  private async lease(stream: StreamRecord): Promise<StreamRecord | null> {
    const now = this.now();
    return this.o.webhooks.streams.findOneAndUpdate(
      { _id: stream._id, $or: [{ leaseUntil: { $lt: now } }, { leaseOwner: this.owner }] },
      { $set: { leaseOwner: this.owner, leaseUntil: now + this.o.leaseMs } },
      { returnDocument: 'after' },
    );
  }

  /** Moves the stream on while this replica still holds it; false when the lease was lost. */
  private async advance(stream: StreamRecord, set: Partial<StreamRecord>): Promise<StreamRecord | null> {
    const now = this.now();
    return this.o.webhooks.streams.findOneAndUpdate(
      { _id: stream._id, leaseOwner: this.owner, acked: stream.acked },
      { $set: { ...set, leaseUntil: now + this.o.leaseMs } },
      { returnDocument: 'after' },
    );
  }

  private async work(ep: EndpointRecord, initial: StreamRecord) {
    if (this.busy.has(initial._id)) return;
    this.busy.add(initial._id);
    let stream = await this.lease(initial).catch((err) => {
      this.busy.delete(initial._id);
      throw err;
    });
    if (!stream) return void this.busy.delete(initial._id);
    try {
      for (;;) {
        if (this.stopped) return;
        const batch = await this.o.outbox.listOrg(stream.tenantId as TenantId, stream.acked, 50);
        if (!batch.length) return;
        for (const e of batch) {
          if (!wants(ep, e.type)) {
            stream = await this.advance(stream, { acked: e.seq, attempt: 0 });
            if (!stream) return;
            continue;
          }
          const attempt = stream.attempt + 1;
          const d = await this.deliver(ep, e, attempt, false);
          if (d.outcome === 'succeeded') {
            this.o.metrics.deliveryLag.observe((this.now() - e.time.getTime()) / 1000);
            stream = await this.advance(stream, { acked: e.seq, attempt: 0, nextAttemptAt: 0 });
            if (ep.failingSince) ep = await this.o.webhooks.update(ep._id, { failingSince: null });
            if (!stream) return;
            continue;
          }
          const failingSince = ep.failingSince ?? new Date(this.now());
          if (!ep.failingSince) ep = await this.o.webhooks.update(ep._id, { failingSince });
          if (this.now() - failingSince.getTime() >= this.o.disableAfterMs) {
            await this.disable(ep, e, d);
            return;
          }
          if (attempt > this.o.retryScheduleMs.length) {
            // retries exhausted: the event stays in the feed and in the log; the stream moves on
            await this.o.webhooks.logDelivery({ ...stripLog(d), outcome: 'abandoned' });
            this.o.metrics.deliveries.inc({ outcome: 'abandoned' });
            stream = await this.advance(stream, { acked: e.seq, attempt: 0, nextAttemptAt: 0 });
            if (!stream) return;
            continue;
          }
          await this.advance(stream, { attempt, nextAttemptAt: this.now() + this.o.retryScheduleMs[attempt - 1] });
          return;
        }
      }
    } finally {
      this.busy.delete(initial._id);
      await this.o.webhooks.streams
        .updateOne({ _id: initial._id, leaseOwner: this.owner }, { $set: { leaseUntil: 0 } })
        .catch(() => undefined);
    }
  }

  private async disable(ep: EndpointRecord, e: EventRecord, d: DeliveryRecord) {
    const since = ep.failingSince ?? new Date(this.now());
    const reason = `every delivery failed since ${since.toISOString()} (last: ${d.error || `HTTP ${d.responseStatus}`})`;
    await this.o.webhooks.update(ep._id, { enabled: false, disabledReason: reason });
    await this.o.activity.record(e.tenantId as TenantId, {
      actor: 'system',
      action: 'webhook.disable',
      resourceType: 'webhook',
      resourceId: ep._id,
      resourceName: ep.url,
      outcome: 'failure',
      requestId: '',
      details: { reason, failingSince: since.toISOString() },
    });
    this.o.logger.warn('webhook endpoint disabled after failing for too long', { webhookId: ep._id, reason });
  }

  /** Signs and sends one event, logs the attempt. Used by the streams and by manual redelivery. */
  async deliver(ep: EndpointRecord, e: EventRecord, attempt: number, manual: boolean): Promise<DeliveryRecord> {
    const body = webhookBody(e);
    const headers = signatureHeaders(this.o.webhooks.secretOf(ep), e._id, Math.floor(this.now() / 1000), body);
    const r = await this.o.send(ep.url, headers, body);
    const outcome = r.ok ? 'succeeded' : r.refused ? 'refused' : 'failed';
    this.o.metrics.deliveries.inc({ outcome });
    this.o.metrics.deliveryDuration.observe({ outcome }, r.durationMs / 1000);
    return this.o.webhooks.logDelivery({
      endpointId: ep._id,
      eventId: e._id,
      eventType: e.type,
      tenantId: e.tenantId,
      seq: e.seq,
      attempt,
      outcome,
      responseStatus: r.status,
      error: r.error ?? '',
      durationMs: r.durationMs,
      manual,
    });
  }
}

function stripLog(d: DeliveryRecord): Omit<DeliveryRecord, '_id' | 'time'> {
  const { _id, time, ...rest } = d;
  void _id;
  void time;
  return rest;
}

async function pool(jobs: Array<() => Promise<void>>, size: number) {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, jobs.length) }, async () => {
      while (i < jobs.length) await jobs[i++]();
    }),
  );
}

/**
 * Webhook delivery on one embedded store with a receiver on loopback: two workers sharing the streams through
 * their leases, a receiver that is down for a while, retries exhausted, an endpoint failing for too long.
 * Signatures are checked with the standardwebhooks library. No timing is asserted: waits only bound failures.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../../kit/src/logger.js';
import { openDocumentStore } from '../../../kit/src/store/open-store.js';
import { tenantId, type DocumentStore } from '../../../kit/src/store/store.js';
import { eventsMetrics } from '../../src/events/events-metrics.js';
import type { EventDraft } from '../../src/events/event-types.js';
import { openEventOutbox, type EventOutbox } from '../../src/events/outbox.js';
import type { ActivityRepository } from '../../src/domain/ports.js';
import { openDirectoryStore } from '../../src/store/directory-store.js';
import { DeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { secretBox } from '../../src/webhooks/secret-box.js';
import { httpSender } from '../../src/webhooks/sender.js';
import { openWebhookStore, type WebhookStore } from '../../src/webhooks/webhook-store.js';

const t1 = tenantId('0000000000000000000000a1');
const t2 = tenantId('0000000000000000000000b2');
const meta = { actor: 'connector:c1', requestId: 'r' };
const draft = (id: string): EventDraft => ({
  type: 'user.updated',
  resource: { type: 'user', id },
  data: { user: { id } },
});

type Received = {
  id: string;
  status: number;
  body: { orgId: string; sequence: number; data: { user: { id: string } } };
};

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhook delivery', () => {
  let dir: string;
  let store: DocumentStore;
  let outbox: EventOutbox;
  let webhooks: WebhookStore;
  let activity: ActivityRepository;
  let server: Server;
  let url: string;
  let answer: (body: Received['body']) => number;
  let received: Received[];
  let secret: string;
  const workers: DeliveryWorker[] = [];
  const logger = createLogger('test', 'error');

  const worker = (
    owner: string,
    o: Partial<{ retryScheduleMs: number[]; disableAfterMs: number; leaseMs: number }> = {},
  ) => {
    const w = new DeliveryWorker({
      outbox,
      webhooks,
      activity,
      send: httpSender({ timeoutMs: 2000, allowPrivate: true }),
      logger,
      metrics: eventsMetrics(new Registry()),
      retryScheduleMs: o.retryScheduleMs ?? [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
      disableAfterMs: o.disableAfterMs ?? 86_400_000,
      leaseMs: o.leaseMs ?? 30_000,
      pollIntervalMs: 20,
      owner,
    });
    workers.push(w);
    return w;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'delivery-'));
    store = await openDocumentStore({ dataDir: dir });
    outbox = await openEventOutbox(store, { gapGraceMs: 2000 });
    webhooks = await openWebhookStore(store, secretBox(randomBytes(32)));
    activity = (await openDirectoryStore(store)).activity;
    received = [];
    answer = () => 204;
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        // the receiver verifies like a platform would, with the official library
        const body = new Webhook(secret).verify(raw, req.headers as Record<string, string>) as Received['body'];
        const status = answer(body);
        received.push({ id: String(req.headers['webhook-id']), status, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const delivered = () => received.filter((r) => r.status < 300);

  it('two workers on one store deliver every event once, in order per organization', async () => {
    ({ secret } = await webhooks.create({ url, events: ['*'], orgId: '', description: '' }));
    worker('replica-a').start();
    worker('replica-b').start();
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 120; i++) writes.push(outbox.append(i % 2 ? t1 : t2, meta, [draft(`u${i % 6}`)]));
    await Promise.all(writes);
    const endpointId = (await webhooks.list())[0]._id;
    const logged = async () =>
      (await webhooks.listDeliveries(endpointId, 500)).filter((d) => d.outcome === 'succeeded').length;
    // the receiver's count, then the log's (a worker records an answer just after the receiver has sent it)
    await until('120 deliveries', () => new Set(delivered().map((r) => r.id)).size === 120);
    await until('120 deliveries logged', async () => (await logged()) === 120);
    // more rounds of both workers: nothing is sent again
    for (const w of workers) await w.tick();
    await Promise.all(workers.map((w) => w.tick()));
    expect(received).toHaveLength(120);
    for (const t of [t1, t2])
      expect(received.filter((r) => r.body.orgId === t).map((r) => r.body.sequence)).toEqual(
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
    expect(await logged()).toBe(120);
  });

  it('a replica that dies after sending, before recording the answer: only that event is sent again, by the other', async () => {
    ({ secret } = await webhooks.create({ url, events: ['*'], orgId: '', description: '' }));
    const real = httpSender({ timeoutMs: 2000, allowPrivate: true });
    // replica A sends, then hangs forever (as if killed): its lease runs out and replica B takes the stream over
    const dying = new DeliveryWorker({
      outbox,
      webhooks,
      activity,
      send: async (u, h, b) => (await real(u, h, b), new Promise(() => undefined)),
      logger,
      metrics: eventsMetrics(new Registry()),
      retryScheduleMs: [20],
      disableAfterMs: 86_400_000,
      leaseMs: 300,
      pollIntervalMs: 20,
      owner: 'replica-a',
    });
    for (let i = 0; i < 5; i++) await outbox.append(t1, meta, [draft(`u${i}`)]);
    dying.start();
    await until('replica A sent the first event', () => received.length === 1);
    worker('replica-b').start();
    await until('all five delivered by B', () => new Set(received.map((r) => r.id)).size === 5);
    await workers[0].tick();
    expect(received.map((r) => r.body.sequence)).toEqual([1, 1, 2, 3, 4, 5]);
    expect(received[0].id).toBe(received[1].id);
  });

  it('a receiver down for a while gets everything, in order, once it is back', async () => {
    ({ secret } = await webhooks.create({ url, events: ['*'], orgId: t1, description: '' }));
    let down = true;
    answer = () => (down ? 503 : 200);
    worker('replica-a', { retryScheduleMs: Array(1000).fill(20) }).start();
    for (let i = 0; i < 10; i++) await outbox.append(t1, meta, [draft(`u${i % 3}`)]);
    await outbox.append(t2, meta, [draft('other-org')]); // not this endpoint's organization
    await until('several failed attempts', () => received.filter((r) => r.status === 503).length >= 5);
    // while it is down, only the first event is tried (the stream waits, keeping the order)
    expect(new Set(received.map((r) => r.body.sequence))).toEqual(new Set([1]));
    down = false;
    await until('all 10 delivered', () => delivered().length === 10);
    expect(delivered().map((r) => r.body.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(received.every((r) => r.body.orgId === t1)).toBe(true);
    // the retries carried the same webhook-id (receivers deduplicate on it)
    expect(new Set(received.filter((r) => r.body.sequence === 1).map((r) => r.id)).size).toBe(1);
  });

  it('after the last retry an event is abandoned (logged) and the stream moves on', async () => {
    ({ secret } = await webhooks.create({ url, events: ['*'], orgId: '', description: '' }));
    answer = (b) => (b.data.user.id === 'poison' ? 500 : 200);
    worker('replica-a', { retryScheduleMs: [10, 10] }).start();
    await outbox.append(t1, meta, [draft('a'), draft('poison'), draft('b')]);
    await until('a and b delivered', () => delivered().length === 2);
    expect(delivered().map((r) => r.body.data.user.id)).toEqual(['a', 'b']);
    expect(received.filter((r) => r.body.data.user.id === 'poison')).toHaveLength(3);
    const log = await webhooks.listDeliveries((await webhooks.list())[0]._id, 50);
    expect(log.filter((d) => d.outcome === 'abandoned').map((d) => d.seq)).toEqual([2]);
  });

  it('an endpoint failing for longer than WEBHOOKS_DISABLE_AFTER is disabled, with an activity entry', async () => {
    ({ secret } = await webhooks.create({ url, events: ['user.updated'], orgId: '', description: '' }));
    answer = () => 500;
    worker('replica-a', { retryScheduleMs: Array(1000).fill(20), disableAfterMs: 300 }).start();
    await outbox.append(t2, meta, [draft('a')]);
    await until(
      'endpoint disabled',
      async () =>
        !(await webhooks.list())[0].enabled && (await activity.list(t2, { action: 'webhook.', limit: 10 })).length > 0,
    );
    const [ep] = await webhooks.list();
    expect(ep.disabledReason).toMatch(/every delivery failed since .* HTTP 500|answered 500/);
    const entries = await activity.list(t2, { action: 'webhook.', limit: 10 });
    expect(entries).toEqual([
      expect.objectContaining({ action: 'webhook.disable', actor: 'system', resourceId: ep._id, outcome: 'failure' }),
    ]);
    const attempts = received.length;
    await workers[0].tick();
    expect(received.length).toBe(attempts);
  });
});

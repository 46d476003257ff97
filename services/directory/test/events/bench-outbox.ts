/**
 * Figures for the outbox and webhook delivery on the embedded store (not a test; no assertions):
 *   node --import ./services/kit/test/store/support/register-ts.mjs services/directory/test/events/bench-outbox.ts
 * Prints the cost of an append (one event; 100 events of one change), feed pages on 50k events, and deliveries
 * per second of one stream to a loopback receiver. CPU per operation (process.cpuUsage) is steadier than wall
 * time on a shared machine; both are printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger } from '../../../kit/src/logger.js';
import { EmbeddedDocumentStore } from '../../../kit/src/store/embedded-store.js';
import { tenantId, type TenantId } from '../../../kit/src/store/store.js';
import { eventsMetrics } from '../../src/events/events-metrics.js';
import type { EventDraft } from '../../src/events/event-types.js';
import { openEventOutbox } from '../../src/events/outbox.js';
import { openDirectoryStore } from '../../src/store/directory-store.js';
import { DeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { secretBox } from '../../src/webhooks/secret-box.js';
import { httpSender } from '../../src/webhooks/sender.js';
import { openWebhookStore } from '../../src/webhooks/webhook-store.js';

const TENANTS: TenantId[] = Array.from({ length: 50 }, (_, i) => tenantId(`t${String(i).padStart(23, '0')}`));
const draft = (i: number): EventDraft => ({
  type: 'user.updated',
  resource: { type: 'user', id: `u${i}` },
  data: { user: { id: `u${i}`, userName: `user${i}@example.com`, active: true, role: 'User' } },
});
const meta = { actor: 'connector:c', requestId: 'r' };

async function measure(label: string, n: number, unit: string, fn: (i: number) => Promise<unknown>) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${label.padEnd(52)} ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU/${unit}   ${(wall / n).toFixed(3)} ms wall/${unit}   (${n} ${unit}s)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
const store = await EmbeddedDocumentStore.open(dir);
const outbox = await openEventOutbox(store, { gapGraceMs: 0 });
await measure('append, one event per change', 5000, 'change', (i) => outbox.append(TENANTS[i % 50], meta, [draft(i)]));
await measure('append, 100 events in one change (group push)', 100, 'change', (i) =>
  outbox.append(
    TENANTS[i % 50],
    meta,
    Array.from({ length: 100 }, (_, j) => draft(i * 100 + j)),
  ),
);
for (let i = 0; i < 35; i++)
  await outbox.append(
    TENANTS[i % 50],
    meta,
    Array.from({ length: 1000 }, (_, j) => draft(j)),
  );
console.log('events in the store:', 5000 + 10000 + 35000);
await measure('org feed page of 100 (listOrg)', 500, 'page', (i) =>
  outbox.listOrg(TENANTS[i % 50], (i * 7) % 600, 100),
);
let key = '';
await measure('all-organizations feed page of 100 (listAll)', 500, 'page', async () => {
  const page = await outbox.listAll(key, 100);
  key = page.length ? page[page.length - 1].feedKey : '';
});

const N = 2000;
let received = 0;
let allIn: () => void = () => undefined;
const done = new Promise<void>((r) => (allIn = r));
const server = createServer((req, res) =>
  req.resume().on('end', () => (res.writeHead(204).end(), ++received === N && allIn())),
);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const webhooks = await openWebhookStore(store, secretBox(randomBytes(32)));
await webhooks.create({
  url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
  events: ['*'],
  orgId: TENANTS[0],
  description: '',
});
const worker = new DeliveryWorker({
  outbox,
  webhooks,
  activity: (await openDirectoryStore(store)).activity,
  send: httpSender({ timeoutMs: 5000, allowPrivate: true }),
  logger: createLogger('bench', 'error'),
  metrics: eventsMetrics(new Registry()),
  retryScheduleMs: [1000],
  disableAfterMs: 86_400_000,
  leaseMs: 60_000,
  pollIntervalMs: 50,
});
await outbox.append(
  TENANTS[0],
  meta,
  Array.from({ length: N }, (_, j) => draft(j)),
);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
worker.start();
await done;
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  `${'deliver one stream in order (sign, POST, log, ack)'.padEnd(52)} ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} ms CPU/event   ${(wall / N).toFixed(3)} ms wall/event   (${N} events)`,
);
await worker.stop();
console.log(`  (CPU includes the loopback receiver in the same process; ${received} deliveries)`);
server.close();
await store.close();
rmSync(dir, { recursive: true, force: true });

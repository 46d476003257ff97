import { join } from 'node:path';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { implement } from '../../kit/src/grpc-server.js';
import { serveCarried } from '../../kit/src/multiplexed.js';
import { MongoDocumentStore } from '../../kit/src/store/mongo-store.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { DirectoryServiceService } from '../../../proto/gen/directory/v1/directory.js';
import { DIRECTORY_CARRIED } from '../../kit/src/carried-methods.js';
import type { DirectoryConfig } from './config.js';
import { activityHandlers } from './handlers/activity.handlers.js';
import { orgHandlers } from './handlers/org.handlers.js';
import { scimHandlers, scimErrorToAppError } from './handlers/scim.handlers.js';
import { openDirectoryStore } from './store/directory-store.js';
import { ConnectorMemory } from './domain/connector-memory.js';
import { ScimService } from './domain/scim-service.js';
import { ScimRefusals } from './domain/scim-refusals.js';
import { platformHandlers } from './handlers/platform.handlers.js';
import { eventsHandlers } from './handlers/events.handlers.js';
import { ChangeEvents } from './events/change-events.js';
import { eventsMetrics } from './events/events-metrics.js';
import { openEventOutbox } from './events/outbox.js';
import { startRetentionSweeper } from './events/retention-sweeper.js';
import { DeliveryWorker } from './webhooks/delivery-worker.js';
import { localKey, noSecretBox, secretBox } from './webhooks/secret-box.js';
import { httpSender } from './webhooks/sender.js';
import { openWebhookStore } from './webhooks/webhook-store.js';

export async function buildDirectoryService({
  config,
  logger,
  metrics,
  inFlight,
}: BuildContext<DirectoryConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'directory') });
  if (docs instanceof MongoDocumentStore && !docs.supportsTransactions) {
    logger.warn(
      'MongoDB is a standalone server (no transactions): a change and its membership and activity writes are applied one by one, and a crash between them keeps the earlier ones; run a replica set (one member is enough) for all-or-none writes (docs/store.md)',
    );
  }
  // Events out (issue #15): the outbox's feeds, webhook endpoints and the delivery worker; the events themselves
  // are written by the directory's repositories in the unit of each change (events/outbox.ts)
  const evMetrics = eventsMetrics(metrics.registry);
  const outbox = await openEventOutbox(docs, {
    gapGraceMs: config.eventsGapGraceMs,
    onWritten: (e) => evMetrics.written(e),
  });
  const store = await openDirectoryStore(docs, { onEventsCommitted: (e) => outbox.committed(e) });
  const key =
    config.webhookSecretsKey ??
    (config.mongodbUri ? undefined : localKey(join(config.dataDir, 'directory', 'webhook-secrets.key')));
  const webhooks = await openWebhookStore(docs, key ? secretBox(key) : noSecretBox);
  const worker = new DeliveryWorker({
    outbox,
    webhooks,
    activity: store.activity,
    send: httpSender({ timeoutMs: config.webhooksTimeoutMs, allowPrivate: config.webhooksAllowPrivate }),
    logger,
    metrics: evMetrics,
    retryScheduleMs: config.webhooksRetryScheduleMs,
    disableAfterMs: config.webhooksDisableAfterMs,
    leaseMs: Math.max(config.webhooksLeaseMs, 2 * config.webhooksTimeoutMs),
    pollIntervalMs: config.webhooksPollIntervalMs,
  });
  worker.start();
  const sweeper = startRetentionSweeper({
    targets: { events: outbox, webhook_deliveries: { sweep: (c) => webhooks.sweepDeliveries(c) } },
    retentionMs: config.eventsRetentionMs,
    intervalMs: config.eventsSweepIntervalMs,
    logger,
  });

  // the connector check of every SCIM call from memory; with MongoDB other replicas' changes are re-read within a second
  const connectorMemory = new ConnectorMemory(store.connectors, config.mongodbUri ? 1000 : Number.POSITIVE_INFINITY);
  const org = orgHandlers(store.orgs, connectorMemory.forAdmin, store, (tenant, id) =>
    connectorMemory.forget(tenant, id),
  );
  const limits = {
    maxPatchOperations: config.scimPatchMaxOperations,
    maxValuesPerAttribute: config.scimMaxValuesPerAttribute,
  };
  const scim = new ScimService({
    store: { ...store, connectors: connectorMemory.forScim },
    defaultPageSize: config.scimDefaultPageSize,
    maxPageSize: config.scimMaxPageSize,
    limits,
  });
  const handlers = {
    ...org.handlers,
    ...activityHandlers(store.activity, org.requireOrg),
    ...scimHandlers(scim, {
      defaultPageSize: config.scimDefaultPageSize,
      maxPageSize: config.scimMaxPageSize,
      maxBulkOperations: config.scimBulkMaxOperations,
      refusals: new ScimRefusals(store.activity),
      limits,
    }),
    ...platformHandlers({ store, requireOrg: org.requireOrg }),
    ...eventsHandlers({
      outbox,
      events: new ChangeEvents(),
      webhooks,
      worker,
      store,
      requireOrg: org.requireOrg,
      allowPrivate: config.webhooksAllowPrivate,
    }),
  };
  const callOpts = { logger, metrics, inFlight, mapError: scimErrorToAppError };
  // the gateway's SCIM calls, one per SCIM request, over one stream per gateway (kit/src/multiplexed.ts)
  const carried = serveCarried(DirectoryServiceService, handlers, DIRECTORY_CARRIED, callOpts);
  return {
    registrations: [
      {
        definition: DirectoryServiceService,
        name: 'directory.v1.DirectoryService',
        implementation: implement(DirectoryServiceService, handlers, callOpts, { carry: carried.handler }),
      },
    ],
    closers: [() => worker.stop(), () => sweeper.stop(), () => docs.close()],
    drainers: [() => carried.drain()],
  };
}

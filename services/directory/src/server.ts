import { join } from 'node:path';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { implement } from '../../kit/src/grpc-server.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { DirectoryServiceService } from '../../../proto/gen/directory/v1/directory.js';
import type { DirectoryConfig } from './config.js';
import { activityHandlers } from './handlers/activity.handlers.js';
import { orgHandlers } from './handlers/org.handlers.js';
import { scimHandlers, scimErrorToAppError } from './handlers/scim.handlers.js';
import { openActivityStore } from './store/activity-store.js';
import { openConnectorStore } from './store/connector-store.js';
import { openMembershipStore } from './store/membership-store.js';
import { openOrgStore } from './store/org-store.js';
import { openResourceStores } from './store/resource-store.js';
import { ScimService } from './domain/scim-service.js';
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

export async function buildDirectoryService({ config, logger, metrics, inFlight }: BuildContext<DirectoryConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'directory') });
  const orgs = await openOrgStore(docs);
  const connectors = await openConnectorStore(docs);
  const activity = await openActivityStore(docs);
  const memberships = await openMembershipStore(docs);
  const resources = await openResourceStores(docs);
  // Events out (issue #15): the outbox, its write side, webhook endpoints and the delivery worker
  const evMetrics = eventsMetrics(metrics.registry);
  const outbox = await openEventOutbox(docs, { gapGraceMs: config.eventsGapGraceMs, onWritten: (e) => evMetrics.written(e) });
  const events = new ChangeEvents({ outbox, memberships, users: resources.users });
  const key = config.webhookSecretsKey ?? (config.mongodbUri ? undefined : localKey(join(config.dataDir, 'directory', 'webhook-secrets.key')));
  const webhooks = await openWebhookStore(docs, key ? secretBox(key) : noSecretBox);
  const worker = new DeliveryWorker({
    outbox,
    webhooks,
    activity,
    send: httpSender({ timeoutMs: config.webhooksTimeoutMs, allowPrivate: config.webhooksAllowPrivate }),
    logger,
    metrics: evMetrics,
    retryScheduleMs: config.webhooksRetryScheduleMs,
    disableAfterMs: config.webhooksDisableAfterMs,
    leaseMs: Math.max(config.webhooksLeaseMs, 2 * config.webhooksTimeoutMs),
    pollIntervalMs: config.webhooksPollIntervalMs,
  });
  worker.start();
  const sweeper = startRetentionSweeper({ targets: { events: outbox, webhook_deliveries: { sweep: (c) => webhooks.sweepDeliveries(c) } }, retentionMs: config.eventsRetentionMs, intervalMs: config.eventsSweepIntervalMs, logger });

  const org = orgHandlers(orgs, connectors, activity, events);
  const scim = new ScimService({ resources, memberships, connectors, activity, events, defaultPageSize: config.scimDefaultPageSize, maxPageSize: config.scimMaxPageSize });
  const handlers = {
    ...org.handlers,
    ...activityHandlers(activity, org.requireOrg),
    ...scimHandlers(scim, { maxPageSize: config.scimMaxPageSize }),
    ...platformHandlers({ orgs, resources, memberships, connectors, activity, events, requireOrg: org.requireOrg }),
    ...eventsHandlers({ outbox, events, webhooks, worker, connectors, requireOrg: org.requireOrg, allowPrivate: config.webhooksAllowPrivate }),
  };
  return {
    registrations: [
      { definition: DirectoryServiceService, name: 'directory.v1.DirectoryService', implementation: implement(DirectoryServiceService, handlers, { logger, metrics, inFlight, mapError: scimErrorToAppError }) },
    ],
    closers: [() => worker.stop(), () => sweeper.stop(), () => docs.close()],
  };
}

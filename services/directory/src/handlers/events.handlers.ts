/** gRPC handlers of the events feed, webhook endpoints and their delivery log (thin: request → stores → proto). */
import { AppError } from '../../../kit/src/errors.js';
import type { CallContext } from '../../../kit/src/grpc-server.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import type { Event, WebhookDelivery, WebhookEndpoint } from '../../../../proto/gen/directory/v1/directory.js';
import type { ChangeEvents } from '../events/change-events.js';
import type { EventRecord } from '../events/event-types.js';
import { decodeCursor, encodeCursor } from '../events/feed-cursor.js';
import type { EventOutbox } from '../events/outbox.js';
import type { DirectoryRepositories, UnitRunner } from '../domain/ports.js';
import type { DeliveryWorker } from '../webhooks/delivery-worker.js';
import { checkWebhookUrl } from '../webhooks/url-guard.js';
import { changeBy } from './change-by.js';
import {
  checkEventFilter,
  wants,
  type DeliveryRecord,
  type EndpointRecord,
  type WebhookStore,
} from '../webhooks/webhook-store.js';

export const eventToProto = (e: EventRecord): Event => ({
  id: e._id,
  orgId: e.tenantId,
  sequence: String(e.seq),
  type: e.type,
  time: e.time,
  actor: e.actor,
  requestId: e.requestId,
  dataJson: JSON.stringify(e.data),
});

const endpointToProto = (w: EndpointRecord): WebhookEndpoint => ({
  id: w._id,
  url: w.url,
  events: w.events,
  orgId: w.orgId,
  enabled: w.enabled,
  disabledReason: w.disabledReason,
  description: w.description,
  secretLast4: w.secretLast4,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
  failingSince: w.failingSince ?? undefined,
});

const deliveryToProto = (d: DeliveryRecord): WebhookDelivery => ({
  id: d._id,
  webhookId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  orgId: d.tenantId,
  sequence: String(d.seq),
  attempt: d.attempt,
  outcome: d.outcome,
  responseStatus: d.responseStatus,
  error: d.error,
  durationMs: d.durationMs,
  time: d.time,
  manual: d.manual,
});

export interface EventsHandlerDeps {
  outbox: EventOutbox;
  events: ChangeEvents;
  webhooks: WebhookStore;
  worker: DeliveryWorker;
  /** The event of a change made outside the directory is written in a unit that reads its connector. */
  store: UnitRunner;
  requireOrg: (tenant: string) => Promise<unknown>;
  allowPrivate: boolean;
}

const SSO_TYPES = ['connector.credentials_rotated', 'sso.configured', 'sso.disabled'] as const;

export function eventsHandlers({
  outbox,
  events,
  webhooks,
  worker,
  store,
  requireOrg,
  allowPrivate,
}: EventsHandlerDeps) {
  const description = (v: string | undefined) => {
    const d = (v ?? '').trim();
    if (d.length > 500) throw new AppError('INVALID_ARGUMENT', '"description" is longer than 500 characters');
    return d;
  };
  return {
    async listEvents(req: { orgId: string; after: string; limit: number }) {
      const limit = Math.min(Math.max(req.limit || 100, 1), 1000);
      if (req.orgId) {
        const tenant = requireTenant(req.orgId);
        await requireOrg(tenant);
        const cursor = decodeCursor(req.after, tenant);
        const rows = await outbox.listOrg(tenant, cursor.kind === 'org' ? cursor.seq : 0, limit);
        const last = rows.length ? rows[rows.length - 1].seq : cursor.kind === 'org' ? cursor.seq : 0;
        return { events: rows.map(eventToProto), nextCursor: encodeCursor({ kind: 'org', tenant, seq: last }) };
      }
      const cursor = decodeCursor(req.after, undefined);
      const after = cursor.kind === 'all' ? cursor.key : '';
      const rows = await outbox.listAll(after, limit);
      return {
        events: rows.map(eventToProto),
        nextCursor: encodeCursor({ kind: 'all', key: rows.length ? rows[rows.length - 1].feedKey : after }),
      };
    },
    async recordConnectorEvent(
      req: {
        tenantId: string;
        connectorId: string;
        type: string;
        actor: string;
        issuer: string;
        clientId: string;
        redirectUris: string[];
        credentialsIssuedAt?: Date | undefined;
      },
      call: CallContext,
    ) {
      const tenant = requireTenant(req.tenantId);
      if (!(SSO_TYPES as readonly string[]).includes(req.type))
        throw new AppError('INVALID_ARGUMENT', `type must be one of ${SSO_TYPES.join(', ')}`);
      const by = changeBy(req, call);
      const [e] = await store.unit(async (tx: DirectoryRepositories) => {
        const c = await tx.connectors.get(tenant, req.connectorId);
        if (!c)
          throw new AppError(
            'NOT_FOUND',
            `connector ${req.connectorId} does not exist in this organization`,
            'connector_not_found',
          );
        return req.type === 'connector.credentials_rotated'
          ? events.credentialsRotated(tx, tenant, by, c, req.credentialsIssuedAt)
          : events.sso(tx, tenant, by, req.type as 'sso.configured' | 'sso.disabled', c, {
              connectorId: c._id,
              issuer: req.issuer,
              clientId: req.clientId,
              redirectUris: req.redirectUris,
            });
      });
      return { event: eventToProto(e) };
    },
    async createWebhook(req: { url: string; events: string[]; orgId: string; description: string }) {
      const url = (await checkWebhookUrl(req.url?.trim() ?? '', allowPrivate)).toString();
      const filter = checkEventFilter(req.events);
      if (req.orgId) await requireOrg(requireTenant(req.orgId));
      const { endpoint, secret } = await webhooks.create({
        url,
        events: filter,
        orgId: req.orgId ?? '',
        description: description(req.description),
      });
      worker.kick();
      return { webhook: endpointToProto(endpoint), secret };
    },
    async listWebhooks(req: { orgId: string }) {
      return { webhooks: (await webhooks.list(req.orgId || undefined)).map(endpointToProto) };
    },
    async getWebhook(req: { webhookId: string }) {
      return { webhook: endpointToProto(await webhooks.get(req.webhookId)) };
    },
    async updateWebhook(req: {
      webhookId: string;
      url?: string | undefined;
      events: string[];
      hasEvents: boolean;
      enabled?: boolean | undefined;
      description?: string | undefined;
    }) {
      const current = await webhooks.get(req.webhookId);
      const set: Parameters<WebhookStore['update']>[1] = {};
      if (req.url !== undefined) set.url = (await checkWebhookUrl(req.url.trim(), allowPrivate)).toString();
      if (req.hasEvents) set.events = checkEventFilter(req.events);
      if (req.description !== undefined) set.description = description(req.description);
      if (req.enabled !== undefined && req.enabled !== current.enabled) {
        set.enabled = req.enabled;
        // turned on again: failures start counting afresh; turned off: say who did it
        set.disabledReason = req.enabled ? '' : 'disabled by operator';
        if (req.enabled) set.failingSince = null;
      }
      const updated = await webhooks.update(current._id, set);
      worker.kick();
      return { webhook: endpointToProto(updated) };
    },
    async deleteWebhook(req: { webhookId: string }) {
      await webhooks.delete(req.webhookId);
      return {};
    },
    async rotateWebhookSecret(req: { webhookId: string }) {
      const { endpoint, secret } = await webhooks.rotate(req.webhookId);
      return { webhook: endpointToProto(endpoint), secret };
    },
    async listWebhookDeliveries(req: { webhookId: string; limit: number; pageToken: string }) {
      await webhooks.get(req.webhookId);
      const limit = Math.min(Math.max(req.limit || 50, 1), 500);
      const rows = await webhooks.listDeliveries(req.webhookId, limit + 1, req.pageToken || undefined);
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      return { deliveries: page.map(deliveryToProto), nextPageToken: more ? page[page.length - 1]._id : '' };
    },
    async redeliverWebhookEvent(req: { webhookId: string; eventId: string }) {
      const ep = await webhooks.get(req.webhookId);
      const e = req.eventId ? await outbox.byId(req.eventId) : null;
      if (!e || (ep.orgId && e.tenantId !== ep.orgId))
        throw new AppError(
          'NOT_FOUND',
          `event ${req.eventId} does not exist for this webhook (or is past the retention period)`,
          'event_not_found',
        );
      if (!wants(ep, e.type))
        throw new AppError(
          'FAILED_PRECONDITION',
          `this webhook does not subscribe to ${e.type} events`,
          'event_not_subscribed',
        );
      const last = await webhooks.deliveries.find(
        { endpointId: ep._id, eventId: e._id },
        { sort: { _id: -1 }, limit: 1 },
      );
      const d = await worker.deliver(ep, e, (last[0]?.attempt ?? 0) + 1, true);
      return { delivery: deliveryToProto(d) };
    },
  };
}

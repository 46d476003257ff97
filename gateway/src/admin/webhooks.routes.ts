/**
 * Webhook endpoints of the admin API (docs/events.md): register (`POST /admin/v1/webhooks`, the `whsec_` secret in
 * that answer only), list, read, change, delete, rotate the secret, the delivery log and manual redelivery.
 * Mounted inside the admin router (its authentication and JSON handling apply).
 */
import { Router } from 'express';
import type { WebhookDelivery, WebhookEndpoint } from '../../../proto/gen/directory/v1/directory.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import type { RequestBackends } from '../backends.js';
import { HttpError } from '../http/errors.js';
import { adminRoute, jsonBody, limitParam, queryText } from './admin-route.js';

function webhookView(w: WebhookEndpoint) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    orgId: w.orgId || null,
    enabled: w.enabled,
    ...(w.disabledReason ? { disabledReason: w.disabledReason } : {}),
    description: w.description || undefined,
    secretLast4: w.secretLast4,
    failingSince: w.failingSince?.toISOString(),
    createdAt: w.createdAt?.toISOString(),
    updatedAt: w.updatedAt?.toISOString(),
  };
}

function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    orgId: d.orgId,
    sequence: Number(d.sequence),
    attempt: d.attempt,
    outcome: d.outcome,
    responseStatus: d.responseStatus || undefined,
    error: d.error || undefined,
    durationMs: d.durationMs,
    time: d.time?.toISOString(),
    manual: d.manual,
  };
}

const FIELDS = ['url', 'events', 'orgId', 'description', 'enabled'];

export function webhooksRouter(deps: { backends: Pick<RequestBackends, 'directory'>; logger: Logger }): Router {
  const router = Router();
  const route = adminRoute(deps.logger);
  const { directory } = deps.backends;

  const checked = (b: Record<string, unknown>, allowed: string[]) => {
    const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
    if (unknown.length)
      throw new HttpError(
        400,
        'invalid_request',
        `unknown fields: ${unknown.join(', ')} (accepted: ${allowed.join(', ')})`,
      );
    if (b.url !== undefined && (typeof b.url !== 'string' || !b.url))
      throw new HttpError(400, 'invalid_request', '"url" must be an https:// URL (string)');
    if (b.events !== undefined && (!Array.isArray(b.events) || b.events.some((e) => typeof e !== 'string')))
      throw new HttpError(400, 'invalid_request', '"events" must be an array of event types, or ["*"]');
    if (b.orgId !== undefined && b.orgId !== null && (typeof b.orgId !== 'string' || !b.orgId))
      throw new HttpError(
        400,
        'invalid_request',
        '"orgId" must be an organization id, or absent for every organization',
      );
    if (b.description !== undefined && typeof b.description !== 'string')
      throw new HttpError(400, 'invalid_request', '"description" must be a string');
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean')
      throw new HttpError(400, 'invalid_request', '"enabled" must be a boolean');
    return b;
  };

  router.post(
    '/webhooks',
    route('/webhooks', async (req, res, scope) => {
      const b = checked(jsonBody(req), ['url', 'events', 'orgId', 'description']);
      if (typeof b.url !== 'string')
        throw new HttpError(400, 'invalid_request', '"url" is required: the https:// URL that receives the events');
      if (!Array.isArray(b.events))
        throw new HttpError(400, 'invalid_request', '"events" is required: event types, or ["*"] for every type');
      const out = await directory.createWebhook(
        {
          url: b.url,
          events: b.events as string[],
          orgId: (b.orgId as string | undefined) ?? '',
          description: (b.description as string | undefined) ?? '',
        },
        scope,
      );
      res.status(201).json({ ...webhookView(out.webhook!), secret: out.secret });
    }),
  );
  router.get(
    '/webhooks',
    route('/webhooks', async (req, res, scope) => {
      const out = await directory.listWebhooks({ orgId: queryText(req, 'orgId') }, scope);
      res.json({ webhooks: out.webhooks.map(webhookView) });
    }),
  );
  router.get(
    '/webhooks/:id',
    route('/webhooks/:id', async (req, res, scope) => {
      res.json(webhookView((await directory.getWebhook({ webhookId: String(req.params.id) }, scope)).webhook!));
    }),
  );
  router.patch(
    '/webhooks/:id',
    route('/webhooks/:id', async (req, res, scope) => {
      const b = checked(
        jsonBody(req),
        FIELDS.filter((f) => f !== 'orgId'),
      );
      if (!Object.keys(b).length)
        throw new HttpError(
          400,
          'invalid_request',
          `send at least one of ${FIELDS.filter((f) => f !== 'orgId').join(', ')}`,
        );
      const out = await directory.updateWebhook(
        {
          webhookId: String(req.params.id),
          url: b.url as string | undefined,
          events: (b.events as string[] | undefined) ?? [],
          hasEvents: b.events !== undefined,
          enabled: b.enabled as boolean | undefined,
          description: b.description as string | undefined,
        },
        scope,
      );
      res.json(webhookView(out.webhook!));
    }),
  );
  router.delete(
    '/webhooks/:id',
    route('/webhooks/:id', async (req, res, scope) => {
      await directory.deleteWebhook({ webhookId: String(req.params.id) }, scope);
      res.status(204).end();
    }),
  );
  router.post(
    '/webhooks/:id/rotate-secret',
    route('/webhooks/:id/rotate-secret', async (req, res, scope) => {
      const out = await directory.rotateWebhookSecret({ webhookId: String(req.params.id) }, scope);
      res.json({
        ...webhookView(out.webhook!),
        secret: out.secret,
        notice: 'Deliveries are signed with the new secret from now on; the old one no longer verifies.',
      });
    }),
  );
  router.get(
    '/webhooks/:id/deliveries',
    route('/webhooks/:id/deliveries', async (req, res, scope) => {
      const out = await directory.listWebhookDeliveries(
        {
          webhookId: String(req.params.id),
          limit: limitParam(req, 50, 500),
          pageToken: queryText(req, 'pageToken'),
        },
        scope,
      );
      res.json({ deliveries: out.deliveries.map(deliveryView), nextPageToken: out.nextPageToken || undefined });
    }),
  );
  router.post(
    '/webhooks/:id/events/:eventId/redeliver',
    route('/webhooks/:id/events/:eventId/redeliver', async (req, res, scope) => {
      const out = await directory.redeliverWebhookEvent(
        {
          webhookId: String(req.params.id),
          eventId: String(req.params.eventId),
        },
        scope,
      );
      res.json(deliveryView(out.delivery!));
    }),
  );
  return router;
}

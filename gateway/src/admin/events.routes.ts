/**
 * The events feed of the admin API: `GET /admin/v1/orgs/{org}/events` and `GET /admin/v1/events` (every
 * organization). Ordered, resumable from the opaque `nextCursor` of the previous answer (docs/events.md).
 * Mounted inside the admin router (its authentication and JSON handling apply).
 */
import { Router, type Request } from 'express';
import type { Event } from '../../../proto/gen/directory/v1/directory.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import type { RequestBackends } from '../backends.js';
import type { RequestScope } from '../http/request-context.js';
import { adminRoute, limitParam, queryText } from './admin-route.js';

export function eventView(e: Event) {
  // the same shape as a webhook body (services/directory/src/webhooks/delivery-worker.ts, webhookBody)
  return {
    id: e.id,
    type: e.type,
    timestamp: e.time?.toISOString(),
    orgId: e.orgId,
    sequence: Number(e.sequence),
    actor: e.actor,
    requestId: e.requestId,
    data: e.dataJson ? (JSON.parse(e.dataJson) as unknown) : {},
  };
}

export function eventsRouter(deps: { backends: Pick<RequestBackends, 'directory'>; logger: Logger }): Router {
  const router = Router();
  const route = adminRoute(deps.logger);
  const page = async (req: Request, orgId: string, scope: RequestScope) => {
    const out = await deps.backends.directory.listEvents(
      {
        orgId,
        after: queryText(req, 'after'),
        limit: limitParam(req, 100, 1000),
      },
      scope,
    );
    return { events: out.events.map(eventView), nextCursor: out.nextCursor };
  };
  router.get(
    '/orgs/:org/events',
    route('/orgs/:org/events', async (req, res, scope) => {
      res.json(await page(req, String(req.params.org), scope));
    }),
  );
  router.get(
    '/events',
    route('/events', async (req, res, scope) => {
      res.json(await page(req, '', scope));
    }),
  );
  return router;
}

import { AppError } from '../../../kit/src/errors.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import type { ActivityEntry } from '../../../../proto/gen/directory/v1/directory.js';
import type { ActivityRecord, ActivityRepository } from '../domain/ports.js';

export const activityToProto = (a: ActivityRecord): ActivityEntry => ({
  id: a._id,
  tenantId: a.tenantId,
  time: a.time,
  actor: a.actor,
  action: a.action,
  resourceType: a.resourceType,
  resourceId: a.resourceId,
  resourceName: a.resourceName,
  outcome: a.outcome,
  requestId: a.requestId,
  detailsJson: a.details ? JSON.stringify(a.details) : '',
});

export function activityHandlers(activity: ActivityRepository, requireOrg: (tenant: string) => Promise<unknown>) {
  return {
    async recordActivity(req: { entry?: ActivityEntry }) {
      const e = req.entry;
      if (!e || !e.action) throw new AppError('INVALID_ARGUMENT', 'entry.action is required');
      await requireOrg(e.tenantId);
      let details: Record<string, unknown> | undefined;
      if (e.detailsJson) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(e.detailsJson);
        } catch {
          throw new AppError('INVALID_ARGUMENT', 'entry.details_json is not JSON');
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new AppError('INVALID_ARGUMENT', 'entry.details_json must be a JSON object');
        details = parsed as Record<string, unknown>;
      }
      const rec = await activity.record(requireTenant(e.tenantId), {
        time: e.time ?? new Date(),
        actor: e.actor || 'system',
        action: e.action,
        resourceType: e.resourceType,
        resourceId: e.resourceId,
        resourceName: e.resourceName,
        outcome: e.outcome === 'failure' ? 'failure' : 'success',
        requestId: e.requestId,
        ...(details ? { details } : {}),
      });
      return { id: rec._id };
    },
    async listActivity(req: {
      tenantId: string;
      action: string;
      since?: Date;
      until?: Date;
      limit: number;
      pageToken: string;
    }) {
      await requireOrg(req.tenantId);
      const limit = Math.min(Math.max(req.limit || 50, 1), 500);
      const rows = await activity.list(requireTenant(req.tenantId), {
        action: req.action || undefined,
        since: req.since,
        until: req.until,
        limit: limit + 1,
        before: req.pageToken || undefined,
      });
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      return { entries: page.map(activityToProto), nextPageToken: more ? page[page.length - 1]._id : '' };
    },
  };
}

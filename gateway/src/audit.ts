/** Records gateway-side events (entitlement and credential changes) in the organization's activity log. */
import { currentRequestId, type Logger } from '../../services/kit/src/logger.js';
import type { Backends } from './backends.js';

export interface AuditEvent {
  action: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  actor?: string;
  outcome?: 'success' | 'failure';
  details?: Record<string, unknown>;
}

export interface Auditor {
  record(tenant: string, event: AuditEvent): Promise<void>;
}

export function auditor(backends: Backends, logger: Logger): Auditor {
  return {
    async record(tenant, e) {
      try {
        await backends.directory.recordActivity({
          entry: {
            id: '',
            tenantId: tenant,
            time: new Date(),
            actor: e.actor ?? 'operator',
            action: e.action,
            resourceType: e.resourceType,
            resourceId: e.resourceId,
            resourceName: e.resourceName,
            outcome: e.outcome ?? 'success',
            requestId: currentRequestId() ?? '',
            detailsJson: e.details ? JSON.stringify(e.details) : '',
          },
        });
      } catch (err) {
        // The change itself succeeded; losing its audit line is logged loudly rather than failing the call.
        logger.error('could not record activity', { tenant, action: e.action, err: (err as Error).message });
      }
    },
  };
}

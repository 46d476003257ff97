/** Records gateway-side events (entitlement and credential changes) in the organization's activity log. */
import { requestLogger, type Logger } from '../../services/kit/src/logger.js';
import type { Backends, RequestCallOptions } from './backends.js';

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
  /** Writes the entry. `call`: the request the event belongs to; its id is recorded and the write carries it. */
  record(tenant: string, event: AuditEvent, call: RequestCallOptions): Promise<void>;
}

export function auditor(backends: Pick<Backends, 'directory'>, logger: Logger): Auditor {
  return {
    async record(tenant, e, call) {
      try {
        await backends.directory.recordActivity(
          {
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
              requestId: call.context.requestId,
              detailsJson: e.details ? JSON.stringify(e.details) : '',
            },
          },
          call,
        );
      } catch (err) {
        // The change itself succeeded; losing its audit line is logged loudly rather than failing the call.
        requestLogger(logger, call.context).error('could not record activity', {
          tenant,
          action: e.action,
          err: (err as Error).message,
        });
      }
    },
  };
}

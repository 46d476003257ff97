/** The directory service as the sign-in domain sees it (DirectoryPort), over gRPC. */
import { status } from '@grpc/grpc-js';
import { AppError } from '../../../kit/src/errors.js';
import { isServiceError, type PromiseClient } from '../../../kit/src/grpc-client.js';
import type { RequestScope } from '../../../kit/src/logger.js';
import type { DirectoryServiceService } from '../../../../proto/gen/directory/v1/directory.js';
import type { DirectoryPort } from '../domain/ports.js';
import { roleNameOf } from '../domain/roles.js';

/** The options of a directory call made for `scope`: its request id and trace travel with it. */
const forRequest = (scope: RequestScope) => ({ context: scope });

export function directoryPort(client: PromiseClient<typeof DirectoryServiceService>): DirectoryPort {
  return {
    async findLoginUser(scope, tenant, login) {
      const res = await client.findLoginUser({ tenantId: tenant, login }, forRequest(scope));
      const u = res.user;
      return {
        user: u && u.id ? { id: u.id, userName: u.userName, active: u.active, role: roleNameOf(u.role) } : undefined,
        existsInOtherTenant: res.existsInOtherTenant,
      };
    },
    async getUserStatus(scope, tenant, userId) {
      const res = await client.getUserStatus({ tenantId: tenant, userId }, forRequest(scope));
      return { exists: res.exists, active: res.active, role: roleNameOf(res.role) };
    },
    async getConnector(scope, tenant, connectorId) {
      try {
        const res = await client.getConnector({ tenantId: tenant, connectorId }, forRequest(scope));
        return res.connector ? { enabled: res.connector.enabled } : undefined;
      } catch (err) {
        if (isServiceError(err) && err.code === status.NOT_FOUND) return undefined;
        throw err;
      }
    },
    async recordActivity(scope, tenant, e) {
      try {
        await client.recordActivity(
          {
            entry: {
              id: '',
              tenantId: tenant,
              time: new Date(),
              actor: e.actor,
              action: e.action,
              resourceType: e.resourceType,
              resourceId: e.resourceId,
              resourceName: e.resourceName,
              outcome: e.outcome,
              requestId: scope.requestId,
              detailsJson: e.details ? JSON.stringify(e.details) : '',
            },
          },
          forRequest(scope),
        );
      } catch (err) {
        scope.log.error('could not record activity', { tenant, action: e.action, err: (err as Error).message });
      }
    },
  };
}

/** A peer that is down makes this service answer UNAVAILABLE (retryable), not INTERNAL. */
export function mapPeerError(err: unknown): AppError | undefined {
  if (!isServiceError(err)) return undefined;
  if (err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED)
    return new AppError('UNAVAILABLE', 'the directory service is unavailable; retry later', 'directory_unavailable');
  return undefined;
}

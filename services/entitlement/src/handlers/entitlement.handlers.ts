import type { Handlers } from '../../../kit/src/grpc-server.js';
import { requireTenant as tenantId } from '../../../kit/src/tenant.js';
import { EntitlementServiceService, type Entitlement } from '../../../../proto/gen/entitlement/v1/entitlement.js';
import { parseEntitlementName } from '../domain/entitlement.js';
import type { EntitlementRecord, EntitlementStore } from '../store/entitlement-store.js';

const toProto = (r: EntitlementRecord): Entitlement => ({
  tenantId: r.tenantId,
  name: r.name,
  enabled: r.enabled,
  updatedAt: r.updatedAt,
  updatedBy: r.updatedBy,
});

export function entitlementHandlers(store: EntitlementStore): Handlers<typeof EntitlementServiceService> {
  return {
    async grantEntitlement(req) {
      const { record, changed } = await store.set(
        tenantId(req.tenantId),
        parseEntitlementName(req.name),
        true,
        req.actor || 'operator',
      );
      return { entitlement: toProto(record), changed };
    },
    async revokeEntitlement(req) {
      const { record, changed } = await store.set(
        tenantId(req.tenantId),
        parseEntitlementName(req.name),
        false,
        req.actor || 'operator',
      );
      return { entitlement: toProto(record), changed };
    },
    async listEntitlements(req) {
      return { entitlements: (await store.list(tenantId(req.tenantId))).map(toProto) };
    },
    async checkEntitlement(req) {
      const record = await store.get(tenantId(req.tenantId), parseEntitlementName(req.name));
      return { enabled: record?.enabled ?? false };
    },
  };
}

import { AppError } from '../../../kit/src/errors.js';
import type { CallContext } from '../../../kit/src/grpc-server.js';
import { DuplicateKeyError, type TenantId } from '../../../kit/src/store/store.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import { ConnectorType, type Connector, type Org } from '../../../../proto/gen/directory/v1/directory.js';
import type { ConnectorKind, ConnectorRecord, ConnectorRepository, UnitRunner } from '../domain/ports.js';
import { ChangeEvents } from '../events/change-events.js';
import { changeBy } from './change-by.js';
import type { OrgRecord, OrgStore } from '../store/org-store.js';
import { connectorExists } from '../store/connector-store.js';

const KINDS: Record<number, ConnectorKind> = {
  [ConnectorType.CONNECTOR_TYPE_OKTA]: 'okta',
  [ConnectorType.CONNECTOR_TYPE_ENTRA]: 'entra',
  [ConnectorType.CONNECTOR_TYPE_GENERIC]: 'generic',
  [ConnectorType.CONNECTOR_TYPE_OKTA_SCIM11]: 'okta-scim11',
};
const TYPES: Record<ConnectorKind, ConnectorType> = {
  okta: ConnectorType.CONNECTOR_TYPE_OKTA,
  entra: ConnectorType.CONNECTOR_TYPE_ENTRA,
  generic: ConnectorType.CONNECTOR_TYPE_GENERIC,
  'okta-scim11': ConnectorType.CONNECTOR_TYPE_OKTA_SCIM11,
};

export const orgToProto = (o: OrgRecord): Org => ({
  id: o._id,
  name: o.name,
  companyId: o.companyId,
  createdAt: o.createdAt,
});
export const connectorToProto = (c: ConnectorRecord): Connector => ({
  id: c._id,
  tenantId: c.tenantId,
  type: TYPES[c.type],
  enabled: c.enabled,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/** Connector changes are written in one unit with their change events (events/change-events.ts). */
/**
 * `connectorChanged`: told after every unit that changed a connector (connector-memory.ts forgets what it
 * remembered of it, so this process's SCIM calls see the change at once).
 */
export function orgHandlers(
  orgs: OrgStore,
  connectors: ConnectorRepository,
  store: UnitRunner,
  connectorChanged: (tenant: TenantId, id: string) => void = () => {},
) {
  const events = new ChangeEvents();
  const requireOrg = async (tenantIdValue: string) => {
    const tenant = requireTenant(tenantIdValue);
    const org = await orgs.get(tenant);
    if (!org) throw new AppError('NOT_FOUND', `organization ${tenantIdValue} does not exist`, 'org_not_found');
    return { tenant, org };
  };
  const requireConnector = async (tenantIdValue: string, connectorId: string) => {
    const { tenant } = await requireOrg(tenantIdValue);
    const c = await connectors.get(tenant, connectorId);
    if (!c)
      throw new AppError(
        'NOT_FOUND',
        `connector ${connectorId} does not exist in this organization`,
        'connector_not_found',
      );
    return { tenant, connector: c };
  };

  return {
    requireOrg,
    handlers: {
      async createOrg(req: { name: string; actor: string }, call: CallContext) {
        const name = req.name?.trim();
        if (!name) throw new AppError('INVALID_ARGUMENT', 'name is required');
        const org = await orgs.create(name, async (o, tx) => {
          await tx.activity.record(requireTenant(o._id), {
            actor: req.actor || 'operator',
            action: 'org.create',
            resourceType: 'org',
            resourceId: o._id,
            resourceName: o.name,
            outcome: 'success',
            requestId: call.requestId,
          });
        });
        return { org: orgToProto(org) };
      },
      async getOrg(req: { tenantId: string }) {
        return { org: orgToProto((await requireOrg(req.tenantId)).org) };
      },
      async listOrgs(req: { limit: number; pageToken: string }) {
        const limit = Math.min(Math.max(req.limit || 100, 1), 500);
        const page = await orgs.list(limit + 1, req.pageToken || undefined);
        const more = page.length > limit;
        const items = more ? page.slice(0, limit) : page;
        return { orgs: items.map(orgToProto), nextPageToken: more ? items[items.length - 1]._id : '' };
      },
      async createConnector(req: { tenantId: string; type: ConnectorType; actor: string }, call: CallContext) {
        const { tenant } = await requireOrg(req.tenantId);
        const kind = Object.hasOwn(KINDS, req.type) ? KINDS[req.type] : undefined;
        if (!kind) throw new AppError('INVALID_ARGUMENT', 'type must be okta, entra, generic or okta-scim11');
        const created = await store
          .unit(async (tx) => {
            const c = await tx.connectors.create(tenant, kind);
            await events.connector(tx, tenant, changeBy(req, call), null, c);
            return c;
          })
          .catch((err: unknown) => {
            // a concurrent create found at commit (one connector per organization)
            if (err instanceof DuplicateKeyError) throw connectorExists();
            throw err;
          });
        return { connector: connectorToProto(created) };
      },
      async getConnector(req: { tenantId: string; connectorId: string }) {
        return { connector: connectorToProto((await requireConnector(req.tenantId, req.connectorId)).connector) };
      },
      async listConnectors(req: { tenantId: string }) {
        const { tenant } = await requireOrg(req.tenantId);
        return { connectors: (await connectors.list(tenant)).map(connectorToProto) };
      },
      async updateConnector(
        req: { tenantId: string; connectorId: string; enabled?: boolean | undefined; actor: string },
        call: CallContext,
      ) {
        const { tenant, connector } = await requireConnector(req.tenantId, req.connectorId);
        if (req.enabled === undefined || req.enabled === connector.enabled)
          return { connector: connectorToProto(connector) };
        const enabled = req.enabled;
        const updated = await store
          .unit(async (tx) => {
            const before = await tx.connectors.get(tenant, connector._id);
            const after = before && (await tx.connectors.setEnabled(tenant, connector._id, enabled));
            if (!before || !after) throw new AppError('NOT_FOUND', 'connector was deleted meanwhile');
            if (before.enabled !== after.enabled)
              await events.connector(tx, tenant, changeBy(req, call), before, after);
            return after;
          })
          .finally(() => connectorChanged(tenant, connector._id));
        return { connector: connectorToProto(updated) };
      },
      async deleteConnector(req: { tenantId: string; connectorId: string; actor: string }, call: CallContext) {
        const { tenant, connector } = await requireConnector(req.tenantId, req.connectorId);
        await store
          .unit(async (tx) => {
            const before = await tx.connectors.get(tenant, connector._id);
            if (before && (await tx.connectors.delete(tenant, connector._id)))
              await events.connector(tx, tenant, changeBy(req, call), before, null);
          })
          .finally(() => connectorChanged(tenant, connector._id));
        return {};
      },
    },
  };
}

/**
 * The changes an organization's setup allows, shared by the admin API (operator) and the Organization Setup
 * pages (the customer's admin): one implementation of each rule, the actor passed in and recorded. Each is
 * given the scope of the request it serves: its calls, audit entries and log lines carry the request's ids.
 */
import { ConnectorType, type Connector, type Org } from '../../proto/gen/directory/v1/directory.js';
import type { IssueCredentialsResponse } from '../../proto/gen/credentials/v1/credentials.js';
import { securityEvent } from '../../services/kit/src/logger.js';
import type { ConnectorEvents } from './admin/connector-events.js';
import type { Auditor } from './audit.js';
import type { RequestBackends } from './backends.js';
import { ENTERPRISE_TOOLKIT } from './entitlement-cache.js';
import { HttpError } from './http/errors.js';
import type { RequestScope } from './http/request-context.js';
import { redirectUrisOf } from './oidc/oidc.routes.js';

export interface OrgActionDeps {
  backends: Pick<RequestBackends, 'directory' | 'credentials' | 'entitlement' | 'identity'>;
  audit: Auditor;
  publicUrl: string;
  appRedirectUris: string[];
  /** The change events of changes made outside the directory (credentials, SSO), written after the change. */
  changeEvents?: ConnectorEvents;
}

/** Connector types by their API name. */
export const connectorTypes: Record<string, ConnectorType> = {
  okta: ConnectorType.CONNECTOR_TYPE_OKTA,
  entra: ConnectorType.CONNECTOR_TYPE_ENTRA,
  generic: ConnectorType.CONNECTOR_TYPE_GENERIC,
  'okta-scim11': ConnectorType.CONNECTOR_TYPE_OKTA_SCIM11,
};
export const typeName = (t: ConnectorType) =>
  Object.keys(connectorTypes).find((k) => connectorTypes[k] === t) ?? 'unknown';

export function orgActions(deps: OrgActionDeps) {
  const { backends, audit } = deps;

  async function requireToolkit(tenant: string, what: string, scope: RequestScope) {
    const { enabled } = await backends.entitlement.checkEntitlement(
      { tenantId: tenant, name: ENTERPRISE_TOOLKIT },
      scope,
    );
    if (!enabled)
      throw new HttpError(
        403,
        'entitlement_required',
        `${what} requires the Enterprise Toolkit option; enable it on the Billing page first`,
      );
  }

  return {
    requireToolkit,

    /** A connector with its first credentials; nothing half-written (no connector without credentials). */
    async createConnector(
      o: Org,
      type: string,
      actor: string,
      scope: RequestScope,
    ): Promise<{ connector: Connector; secrets: IssueCredentialsResponse }> {
      if (!Object.hasOwn(connectorTypes, type))
        throw new HttpError(400, 'invalid_request', `"type" must be one of ${Object.keys(connectorTypes).join(', ')}`);
      await requireToolkit(o.id, 'Adding an identity provider connector', scope);
      const connector = (
        await backends.directory.createConnector({ tenantId: o.id, type: connectorTypes[type], actor }, scope)
      ).connector!;
      let secrets: IssueCredentialsResponse;
      try {
        secrets = await backends.credentials.issueCredentials(
          { tenantId: o.id, connectorId: connector.id, companyId: o.companyId, actor },
          scope,
        );
      } catch (err) {
        await backends.directory
          .deleteConnector({ tenantId: o.id, connectorId: connector.id, actor }, scope)
          .catch((e) => scope.log.error('could not remove connector after failed credential issue', { err: e }));
        throw err;
      }
      await audit.record(
        o.id,
        { action: 'connector.create', resourceType: 'connector', resourceId: connector.id, resourceName: type, actor },
        scope,
      );
      await audit.record(
        o.id,
        {
          action: 'credentials.create',
          resourceType: 'connector',
          resourceId: connector.id,
          resourceName: type,
          actor,
        },
        scope,
      );
      return { connector, secrets };
    },

    /** New bearer token and passkey; the old ones stop working at once. */
    async rotateCredentials(
      o: Org,
      c: Connector,
      actor: string,
      scope: RequestScope,
    ): Promise<IssueCredentialsResponse> {
      const secrets = await backends.credentials.issueCredentials(
        { tenantId: c.tenantId, connectorId: c.id, companyId: o.companyId, actor },
        scope,
      );
      await audit.record(
        c.tenantId,
        {
          action: 'credentials.rotate',
          resourceType: 'connector',
          resourceId: c.id,
          resourceName: typeName(c.type),
          actor,
        },
        scope,
      );
      securityEvent(scope.log, 'credentials.rotated', { tenant: c.tenantId, connectorId: c.id, actor });
      await deps.changeEvents?.credentialsRotated(c.tenantId, c.id, secrets.summary?.issuedAt, scope);
      return secrets;
    },

    /** Provisioning on/off; turning it off ends the organization's sign-in sessions (as a disabled connector does). */
    async setProvisioning(c: Connector, enabled: boolean, actor: string, scope: RequestScope): Promise<Connector> {
      const updated = (
        await backends.directory.updateConnector({ tenantId: c.tenantId, connectorId: c.id, enabled, actor }, scope)
      ).connector!;
      if (enabled !== c.enabled) {
        await deps.changeEvents?.connectorSwitched(c.tenantId, c.id, enabled, scope);
        await audit.record(
          c.tenantId,
          {
            action: enabled ? 'connector.enable' : 'connector.disable',
            resourceType: 'connector',
            resourceId: c.id,
            resourceName: typeName(c.type),
            actor,
          },
          scope,
        );
        if (!enabled)
          await backends.identity
            .revokeSessions({ tenantId: c.tenantId, userId: '' }, scope)
            .catch((err) => scope.log.warn('could not end sessions of disabled connector', { err }));
      }
      return updated;
    },

    /** Issuer + client ID, checked against the issuer's discovery document by the identity service. */
    async configureSso(
      o: Org,
      c: Connector,
      input: { issuer: string; clientId: string },
      actor: string,
      scope: RequestScope,
    ) {
      await requireToolkit(o.id, 'Single sign-on', scope);
      const settings = (
        await backends.identity.configureOidc(
          {
            tenantId: o.id,
            connectorId: c.id,
            issuer: input.issuer,
            clientId: input.clientId,
            redirectUris: redirectUrisOf(deps.publicUrl, deps.appRedirectUris),
            actor,
          },
          scope,
        )
      ).settings!;
      await deps.changeEvents?.ssoConfigured(
        o.id,
        c.id,
        { issuer: settings.issuer, clientId: settings.clientId, redirectUris: settings.redirectUris },
        scope,
      );
      return settings;
    },

    async disableSso(o: Org, actor: string, scope: RequestScope): Promise<boolean> {
      const before = deps.changeEvents
        ? await backends.identity.getOidcSettings({ tenantId: o.id }, scope).then(
            (r) => r.settings,
            () => undefined,
          )
        : undefined;
      const { changed } = await backends.identity.disableOidc({ tenantId: o.id, actor }, scope);
      if (changed && before?.connectorId) await deps.changeEvents?.ssoDisabled(o.id, before.connectorId, scope);
      return changed;
    },
  };
}
export type OrgActions = ReturnType<typeof orgActions>;

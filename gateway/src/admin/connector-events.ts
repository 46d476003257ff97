/**
 * Events of changes made outside the directory — credentials rotated (credentials service), single sign-on
 * configured or turned off (identity service; SSO stops when its connector is disabled or deleted) — written to
 * the directory's outbox after the change. Like the activity log's gateway entries, a failure to write one is
 * logged loudly rather than failing a change that already happened.
 */
import type { Logger } from '../../../services/kit/src/logger.js';
import type { Backends } from '../backends.js';

export interface ConnectorEvents {
  credentialsRotated(tenantId: string, connectorId: string, issuedAt?: Date): Promise<void>;
  ssoConfigured(
    tenantId: string,
    connectorId: string,
    sso: { issuer: string; clientId: string; redirectUris: string[] },
  ): Promise<void>;
  /** Provisioning turned on or off (or the connector is about to be deleted): SSO follows when it is configured. */
  connectorSwitched(tenantId: string, connectorId: string, enabled: boolean): Promise<void>;
  /** Single sign-on turned off (admin API or Organization Setup). */
  ssoDisabled(tenantId: string, connectorId: string): Promise<void>;
}

export function connectorEvents(backends: Pick<Backends, 'directory' | 'identity'>, logger: Logger): ConnectorEvents {
  const record = async (req: {
    tenantId: string;
    connectorId: string;
    type: string;
    issuer?: string;
    clientId?: string;
    redirectUris?: string[];
    credentialsIssuedAt?: Date;
  }) => {
    try {
      await backends.directory.recordConnectorEvent({
        actor: 'operator',
        issuer: '',
        clientId: '',
        redirectUris: [],
        ...req,
        credentialsIssuedAt: req.credentialsIssuedAt,
      });
    } catch (err) {
      logger.error('could not write change event', {
        tenant: req.tenantId,
        type: req.type,
        err: (err as Error).message,
      });
    }
  };
  return {
    credentialsRotated: (tenantId, connectorId, issuedAt) =>
      record({ tenantId, connectorId, type: 'connector.credentials_rotated', credentialsIssuedAt: issuedAt }),
    ssoConfigured: (tenantId, connectorId, sso) => record({ tenantId, connectorId, type: 'sso.configured', ...sso }),
    ssoDisabled: (tenantId, connectorId) => record({ tenantId, connectorId, type: 'sso.disabled' }),
    async connectorSwitched(tenantId, connectorId, enabled) {
      const settings = await backends.identity.getOidcSettings({ tenantId }).then(
        (r) => r.settings,
        () => undefined,
      );
      if (!settings?.issuer || settings.connectorId !== connectorId) return;
      await record(
        enabled
          ? {
              tenantId,
              connectorId,
              type: 'sso.configured',
              issuer: settings.issuer,
              clientId: settings.clientId,
              redirectUris: settings.redirectUris,
            }
          : { tenantId, connectorId, type: 'sso.disabled' },
      );
    },
  };
}

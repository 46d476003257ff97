/**
 * Events of changes made outside the directory — credentials rotated (credentials service), single sign-on
 * configured or turned off (identity service; SSO stops when its connector is disabled or deleted) — written to
 * the directory's outbox after the change. Like the activity log's gateway entries, a failure to write one is
 * logged loudly rather than failing a change that already happened. Each is written for the request that made
 * the change (`call`: its id and trace travel with the write and are on the line of a failure).
 */
import { requestLogger, type Logger } from '../../../services/kit/src/logger.js';
import type { RequestBackends, RequestCallOptions } from '../backends.js';

export interface ConnectorEvents {
  credentialsRotated(
    tenantId: string,
    connectorId: string,
    issuedAt: Date | undefined,
    call: RequestCallOptions,
  ): Promise<void>;
  ssoConfigured(
    tenantId: string,
    connectorId: string,
    sso: { issuer: string; clientId: string; redirectUris: string[] },
    call: RequestCallOptions,
  ): Promise<void>;
  /** Provisioning turned on or off (or the connector is about to be deleted): SSO follows when it is configured. */
  connectorSwitched(tenantId: string, connectorId: string, enabled: boolean, call: RequestCallOptions): Promise<void>;
  /** Single sign-on turned off (admin API or Organization Setup). */
  ssoDisabled(tenantId: string, connectorId: string, call: RequestCallOptions): Promise<void>;
}

export function connectorEvents(
  backends: Pick<RequestBackends, 'directory' | 'identity'>,
  logger: Logger,
): ConnectorEvents {
  const record = async (
    req: {
      tenantId: string;
      connectorId: string;
      type: string;
      issuer?: string;
      clientId?: string;
      redirectUris?: string[];
      credentialsIssuedAt?: Date;
    },
    call: RequestCallOptions,
  ) => {
    try {
      await backends.directory.recordConnectorEvent(
        {
          actor: 'operator',
          issuer: '',
          clientId: '',
          redirectUris: [],
          ...req,
          credentialsIssuedAt: req.credentialsIssuedAt,
        },
        call,
      );
    } catch (err) {
      requestLogger(logger, call.context).error('could not write change event', {
        tenant: req.tenantId,
        type: req.type,
        err: (err as Error).message,
      });
    }
  };
  return {
    credentialsRotated: (tenantId, connectorId, issuedAt, call) =>
      record({ tenantId, connectorId, type: 'connector.credentials_rotated', credentialsIssuedAt: issuedAt }, call),
    ssoConfigured: (tenantId, connectorId, sso, call) =>
      record({ tenantId, connectorId, type: 'sso.configured', ...sso }, call),
    ssoDisabled: (tenantId, connectorId, call) => record({ tenantId, connectorId, type: 'sso.disabled' }, call),
    async connectorSwitched(tenantId, connectorId, enabled, call) {
      const settings = await backends.identity.getOidcSettings({ tenantId }, call).then(
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
        call,
      );
    },
  };
}

/**
 * `PUT /admin/v1/orgs/{org}/connectors/{id}/oidc` {"issuer","clientId"}: turns single sign-on on for the
 * organization. The identity service fetches the issuer's discovery document at once, so a wrong issuer (the
 * Okta custom-domain case) is reported here, naming both issuers, rather than at the first sign-in.
 * Mount behind the admin API's authentication and JSON body parser.
 */
import type { Request, Response } from 'express';
import { isServiceError, metadataValue } from '../../../services/kit/src/grpc-client.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import type { RequestBackends } from '../backends.js';
import { ENTERPRISE_TOOLKIT } from '../entitlement-cache.js';
import { describeError, HttpError, sendAdminError } from '../http/errors.js';
import { scopeOf } from '../http/request-context.js';
import { redirectUrisOf } from './oidc.routes.js';
import type { ConnectorEvents } from '../admin/connector-events.js';

export interface ConfigureOidcDeps {
  backends: Pick<RequestBackends, 'directory' | 'entitlement' | 'identity'>;
  publicUrl: string;
  appRedirectUris: string[];
  logger: Logger;
  /** Writes sso.configured to the outbox once the settings are saved (absent: no event). */
  changeEvents?: Pick<ConnectorEvents, 'ssoConfigured'>;
}

export function configureOidcHandler(deps: ConfigureOidcDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    res.locals.route = '/admin/v1/orgs/:org/connectors/:id/oidc';
    const scope = scopeOf(res);
    try {
      const body =
        req.body && typeof req.body === 'object' && !Array.isArray(req.body)
          ? (req.body as Record<string, unknown>)
          : {};
      const { issuer, clientId } = body;
      if (typeof issuer !== 'string' || !issuer.trim() || typeof clientId !== 'string' || !clientId.trim()) {
        throw new HttpError(
          400,
          'invalid_request',
          '"issuer" and "clientId" are required (strings): the issuer URL and the Client ID of the OIDC app in your identity provider',
        );
      }
      const org = (await deps.backends.directory.getOrg({ tenantId: String(req.params.org) }, scope)).org!;
      const { enabled } = await deps.backends.entitlement.checkEntitlement(
        {
          tenantId: org.id,
          name: ENTERPRISE_TOOLKIT,
        },
        scope,
      );
      if (!enabled)
        throw new HttpError(
          403,
          'entitlement_required',
          'Single sign-on requires the Enterprise Toolkit option; enable it on the Billing page first',
        );
      const connector = (
        await deps.backends.directory.getConnector({ tenantId: org.id, connectorId: String(req.params.id) }, scope)
      ).connector!;
      const { settings } = await deps.backends.identity.configureOidc(
        {
          tenantId: org.id,
          connectorId: connector.id,
          issuer,
          clientId,
          redirectUris: redirectUrisOf(deps.publicUrl, deps.appRedirectUris),
          actor: 'operator',
        },
        scope,
      );
      await deps.changeEvents?.ssoConfigured(
        org.id,
        connector.id,
        { issuer: settings!.issuer, clientId: settings!.clientId, redirectUris: settings!.redirectUris },
        scope,
      );
      res.json({
        issuer: settings!.issuer,
        clientId: settings!.clientId,
        redirectUris: settings!.redirectUris,
        enabled: true,
      });
    } catch (err) {
      const d = describeError(err, deps.logger, scope.context);
      const configured = isServiceError(err) ? metadataValue(err, 'configured-issuer') : undefined;
      if (configured && d.status < 500) {
        res.status(d.status).json({
          error: {
            code: d.code,
            message: d.message,
            configuredIssuer: configured,
            announcedIssuer: metadataValue(err as never, 'announced-issuer'),
          },
        });
        return;
      }
      sendAdminError(res, d);
    }
  };
}

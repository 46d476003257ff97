/** Who is calling this tenant's SCIM base URL: Bearer token or HTTP Basic (Company ID + Integration Passkey). */
import { status } from '@grpc/grpc-js';
import type { Request } from 'express';
import type { Counter } from 'prom-client';
import { CredentialScheme } from '../../../proto/gen/credentials/v1/credentials.js';
import { isServiceError } from '../../../services/kit/src/grpc-client.js';
import { securityEvent, type Logger } from '../../../services/kit/src/logger.js';
import type { Backends, RequestCallOptions } from '../backends.js';
import type { RequestScope } from '../http/request-context.js';
import { HttpError } from '../http/errors.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';

export const WWW_AUTHENTICATE = 'Bearer realm="SCIM", Basic realm="SCIM", charset="UTF-8"';

type Presented = { scheme: CredentialScheme; secret: string; username: string };

/**
 * `allowBare`: a header with no scheme at all is a bearer token (Okta's "SCIM 1.1 Header Auth" app sends
 * `Authorization: <token>`); only on the SCIM 1.1 base URL.
 */
export function parseAuthorization(
  header: string | undefined,
  o: { allowBare?: boolean } = {},
): Presented | { problem: string } {
  if (!header) return { problem: 'missing' };
  const bare = header.trim();
  if (o.allowBare && bare && !/\s/.test(bare))
    return { scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER, secret: bare, username: '' };
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer' && value)
    return { scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER, secret: value, username: '' };
  if (scheme === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return {
        scheme: CredentialScheme.CREDENTIAL_SCHEME_BASIC,
        username: decoded.slice(0, colon),
        secret: decoded.slice(colon + 1),
      };
  }
  return { problem: 'malformed' };
}

const unauthorized = (detail: string) =>
  new HttpError(401, 'unauthenticated', detail, undefined, { 'www-authenticate': WWW_AUTHENTICATE });

export interface ScimCaller {
  tenantId: string;
  connectorId: string;
}

export class ScimAuthenticator {
  constructor(
    private readonly backends: Backends,
    private readonly limiter: AuthFailureLimiter,
    private readonly failures: Counter<'reason'>,
    private readonly logger: Logger,
    private readonly onRepeatedFailures: (tenant: string, call: RequestCallOptions) => void,
  ) {}

  /** `scope`: the request's, for the credentials call, the security events and the activity entry this may make. */
  async authenticate(
    req: Request,
    tenant: string,
    o: { allowBareToken?: boolean; scope: RequestScope },
  ): Promise<ScimCaller> {
    // the client address (express resolves it through the trusted proxies) is only needed to count a failure
    const client = () => req.ip ?? 'unknown';
    const presented = parseAuthorization(req.get('authorization'), { allowBare: o.allowBareToken });
    if ('problem' in presented) {
      await this.failed(client(), tenant, presented.problem, o.scope);
      throw unauthorized(
        presented.problem === 'missing'
          ? 'authentication required: send the connector bearer token ("Authorization: Bearer …") or HTTP Basic with the Company ID and Integration Passkey'
          : 'the Authorization header is not a valid Bearer or Basic credential',
      );
    }
    try {
      const res = await this.backends.verifyCredential(
        { tenantId: tenant, scheme: presented.scheme, secret: presented.secret, username: presented.username },
        o.scope,
      );
      return { tenantId: res.tenantId, connectorId: res.connectorId };
    } catch (err) {
      if (isServiceError(err) && (err.code === status.UNAUTHENTICATED || err.code === status.INVALID_ARGUMENT)) {
        await this.failed(client(), tenant, 'invalid_credentials', o.scope);
        throw unauthorized(
          'the credential is not valid for this SCIM base URL (revoked, rotated or never issued); copy the current values from the connector settings',
        );
      }
      throw err;
    }
  }

  private async failed(client: string, tenant: string, reason: string, scope: RequestScope) {
    this.failures.inc({ reason });
    const log = scope.log;
    const r = await this.limiter.fail(client, tenant);
    // One line per failure until a limit trips, then one line per trip (per window), not one per request.
    if (!r.limited)
      securityEvent(log, 'auth.failure', { surface: 'scim', reason, tenant: tenant.slice(0, 64), client });
    if (r.clientLimitReached)
      securityEvent(log, 'rate_limit.tripped', {
        surface: 'scim',
        limit: 'auth_failures_per_client',
        tenant: tenant.slice(0, 64),
        client,
        reason,
      });
    if (r.tenantLimitReached) {
      securityEvent(log, 'rate_limit.tripped', {
        surface: 'scim',
        limit: 'auth_failures_per_tenant',
        tenant: tenant.slice(0, 64),
        reason,
      });
      this.onRepeatedFailures(tenant, scope);
    }
    if (r.limited) {
      const detail = r.counterUnavailable
        ? `authentication failed and failed attempts cannot be counted right now (rate-limit store unavailable); retry in ${r.retryAfterSeconds} seconds`
        : `too many failed authentication attempts; retry in ${r.retryAfterSeconds} seconds`;
      throw new HttpError(429, 'too_many_requests', detail, undefined, { 'retry-after': String(r.retryAfterSeconds) });
    }
  }
}

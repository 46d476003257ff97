import { AppError } from '../../../kit/src/errors.js';
import type { Handlers } from '../../../kit/src/grpc-server.js';
import { requireTenant } from '../../../kit/src/tenant.js';
import {
  CredentialScheme,
  CredentialsServiceService,
  type CredentialSummary,
} from '../../../../proto/gen/credentials/v1/credentials.js';
import type { Credentials } from '../domain/credentials.js';
import type { CredentialRecord } from '../store/credential-store.js';
import type { CredentialStore } from '../store/credential-store.js';

const summary = (r: CredentialRecord): CredentialSummary => ({
  connectorId: r.connectorId,
  bearerTokenLast4: r.bearerLast4,
  basicUsername: r.companyId,
  basicPasswordLast4: r.passkeyLast4,
  issuedAt: r.issuedAt,
  revoked: r.revoked,
});

export function credentialsHandlers(
  credentials: Credentials,
  store: CredentialStore,
): Handlers<typeof CredentialsServiceService> {
  return {
    async issueCredentials(req, ctx) {
      const issued = await credentials.issue(requireTenant(req.tenantId), req.connectorId, req.companyId, ctx.log);
      return {
        bearerToken: issued.bearerToken,
        basicUsername: issued.basicUsername,
        basicPassword: issued.basicPassword,
        summary: summary(issued.record),
        rotated: issued.rotated,
      };
    },
    async verifyCredential(req) {
      const tenant = requireTenant(req.tenantId);
      if (req.scheme === CredentialScheme.CREDENTIAL_SCHEME_BEARER) {
        const found = await credentials.verify(tenant, { scheme: 'bearer', secret: req.secret });
        return { tenantId: found.tenantId, connectorId: found.connectorId, generation: found.generation };
      }
      if (req.scheme === CredentialScheme.CREDENTIAL_SCHEME_BASIC) {
        const found = await credentials.verify(tenant, { scheme: 'basic', username: req.username, secret: req.secret });
        return { tenantId: found.tenantId, connectorId: found.connectorId, generation: found.generation };
      }
      throw new AppError('INVALID_ARGUMENT', 'scheme must be BEARER or BASIC');
    },
    async revokeCredentials(req, ctx) {
      return { revoked: await credentials.revoke(requireTenant(req.tenantId), req.connectorId, ctx.log) };
    },
    async describeCredentials(req) {
      const record = await store.get(requireTenant(req.tenantId), req.connectorId);
      if (!record) throw new AppError('NOT_FOUND', 'no credentials for this connector');
      return { summary: summary(record) };
    },
  };
}

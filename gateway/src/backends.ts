/** gRPC clients of the four services, and their health checkers for /readyz. */
import { connect, type PromiseClient } from '../../services/kit/src/grpc-client.js';
import type { GrpcTls } from '../../services/kit/src/grpc-tls.js';
import { healthChecker, type HealthChecker } from '../../services/kit/src/health.js';
import type { Metrics } from '../../services/kit/src/metrics.js';
import { MultiplexedClient, carriedBy } from '../../services/kit/src/multiplexed.js';
import { CredentialsServiceClient, CredentialsServiceService, type VerifyCredentialRequest, type VerifyCredentialResponse } from '../../proto/gen/credentials/v1/credentials.js';
import { DirectoryServiceClient, type DirectoryServiceService } from '../../proto/gen/directory/v1/directory.js';
import { EntitlementServiceClient, type EntitlementServiceService } from '../../proto/gen/entitlement/v1/entitlement.js';
import { IdentityServiceClient, type IdentityServiceService } from '../../proto/gen/identity/v1/identity.js';

export interface Backends {
  directory: PromiseClient<typeof DirectoryServiceService>;
  credentials: PromiseClient<typeof CredentialsServiceService>;
  /** credentials.VerifyCredential, carried by one long-lived stream (every SCIM request verifies). */
  verifyCredential(request: VerifyCredentialRequest): Promise<VerifyCredentialResponse>;
  entitlement: PromiseClient<typeof EntitlementServiceService>;
  identity: PromiseClient<typeof IdentityServiceService>;
  health: Record<'directory' | 'credentials' | 'entitlement' | 'identity', HealthChecker>;
  close(): void;
}

export function connectBackends(addr: { directory: string; credentials: string; entitlement: string; identity: string }, metrics: Metrics, tls?: GrpcTls): Backends {
  const credentials = connect(CredentialsServiceClient, addr.credentials, { metrics, tls });
  const verifier = new MultiplexedClient<VerifyCredentialRequest, VerifyCredentialResponse>(
    () => (credentials.raw as CredentialsServiceClient).verifyCredentialStream(),
    carriedBy(CredentialsServiceService.verifyCredential),
    { metrics },
  );
  const b = {
    directory: connect(DirectoryServiceClient, addr.directory, { metrics, tls }),
    credentials,
    verifyCredential: (request: VerifyCredentialRequest) => verifier.call(request),
    entitlement: connect(EntitlementServiceClient, addr.entitlement, { metrics, tls }),
    identity: connect(IdentityServiceClient, addr.identity, { metrics, tls }),
    health: {
      directory: healthChecker(addr.directory, tls),
      credentials: healthChecker(addr.credentials, tls),
      entitlement: healthChecker(addr.entitlement, tls),
      identity: healthChecker(addr.identity, tls),
    },
  };
  return {
    ...b,
    close() {
      verifier.close();
      for (const c of [b.directory, b.credentials, b.entitlement, b.identity]) c.close();
      for (const h of Object.values(b.health)) h.close();
    },
  };
}

/**
 * gRPC clients of the four services, and their health checkers for /readyz; and the view request handlers have
 * of them (RequestBackends), in which every call names the request it is made for.
 */
import { connect, type CallOptions, type PromiseClient } from '../../services/kit/src/grpc-client.js';
import type { RequestOf, ResponseOf, ServiceDef, UnaryKeys } from '../../services/kit/src/grpc-server.js';
import type { GrpcTls } from '../../services/kit/src/grpc-tls.js';
import { healthChecker, type HealthChecker } from '../../services/kit/src/health.js';
import type { Metrics } from '../../services/kit/src/metrics.js';
import { Carrier, carriedClient, serviceError } from '../../services/kit/src/multiplexed.js';
import { CREDENTIALS_CARRIED, DIRECTORY_CARRIED } from '../../services/kit/src/carried-methods.js';
import {
  CredentialsServiceClient,
  CredentialsServiceService,
  type VerifyCredentialRequest,
  type VerifyCredentialResponse,
} from '../../proto/gen/credentials/v1/credentials.js';
import { DirectoryServiceClient, DirectoryServiceService } from '../../proto/gen/directory/v1/directory.js';
import {
  EntitlementServiceClient,
  type EntitlementServiceService,
} from '../../proto/gen/entitlement/v1/entitlement.js';
import { IdentityServiceClient, type IdentityServiceService } from '../../proto/gen/identity/v1/identity.js';
import { status } from '@grpc/grpc-js';
import { Counter } from 'prom-client';
import type { Logger, RequestContext } from '../../services/kit/src/logger.js';
import { CredentialMemory } from './credential-memory.js';
import { RevocationWatch } from './revocation-watch.js';

export interface Backends {
  directory: PromiseClient<typeof DirectoryServiceService>;
  credentials: PromiseClient<typeof CredentialsServiceService>;
  /**
   * credentials.VerifyCredential answered from memory when this secret was verified before and memory is
   * trusted (credential-memory.ts); otherwise carried by one long-lived stream.
   */
  verifyCredential(request: VerifyCredentialRequest, options?: CallOptions): Promise<VerifyCredentialResponse>;
  entitlement: PromiseClient<typeof EntitlementServiceService>;
  identity: PromiseClient<typeof IdentityServiceService>;
  health: Record<'directory' | 'credentials' | 'entitlement' | 'identity', HealthChecker>;
  close(): void;
}

/**
 * The options of a call made on behalf of a request: the request's context is required, so its id and trace
 * travel with the call (`x-request-id`, `traceparent`). A request's RequestScope (http/request-context.ts) is one.
 */
export interface RequestCallOptions extends CallOptions {
  context: RequestContext;
}

/** A client's unary methods, each taking the options of the request it is made for. */
export type RequestClient<D extends ServiceDef> = {
  [K in UnaryKeys<D>]: (request: RequestOf<D[K]>, options: RequestCallOptions) => Promise<ResponseOf<D[K]>>;
};

/**
 * The backends as the gateway's request handlers use them: the same clients (a `Backends` is one, nothing is
 * wrapped), typed so that a call without the request's options does not compile. Background work (the service
 * monitor, the revocation watch) uses `Backends`.
 */
export interface RequestBackends {
  directory: RequestClient<typeof DirectoryServiceService>;
  credentials: RequestClient<typeof CredentialsServiceService>;
  entitlement: RequestClient<typeof EntitlementServiceService>;
  identity: RequestClient<typeof IdentityServiceService>;
}

export function connectBackends(
  addr: { directory: string; credentials: string; entitlement: string; identity: string },
  metrics: Metrics,
  tls?: GrpcTls,
  logger?: Logger,
): Backends {
  const credentials = connect(CredentialsServiceClient, addr.credentials, { metrics, tls });
  const verifier = new Carrier(() => (credentials.raw as CredentialsServiceClient).carry(), { metrics });
  const verify = carriedClient(credentials, CredentialsServiceService, verifier, CREDENTIALS_CARRIED).verifyCredential;
  const memory = new CredentialMemory();
  const watch = new RevocationWatch(() => (credentials.raw as CredentialsServiceClient).watchRevocations(), memory, {
    logger,
  });
  watch.start();
  const lookups = new Counter({
    name: 'credential_memory_requests_total',
    help: 'SCIM credential verifications by where they were answered (hit: memory; miss: the credentials service; untrusted: memory not synced or out of lease).',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  const [hit, miss, untrusted] = [lookups.labels('hit'), lookups.labels('miss'), lookups.labels('untrusted')];
  const verifyCredential = async (
    request: VerifyCredentialRequest,
    options?: CallOptions,
  ): Promise<VerifyCredentialResponse> => {
    const key = CredentialMemory.key(request.scheme, request.tenantId, request.username, request.secret);
    const known = memory.get(key);
    if (known) {
      hit.inc();
      return known;
    }
    (memory.trusted ? miss : untrusted).inc();
    const ticket = memory.ticket();
    const res = await verify(request, options);
    // a revocation pushed while this was being answered wins
    if (!memory.admit(key, res, ticket))
      throw serviceError(status.UNAUTHENTICATED, 'invalid credentials (revoked while verifying)');
    return res;
  };
  // the SCIM calls, one per SCIM request, over one stream; the admin API's calls stay unary
  const directory = connect(DirectoryServiceClient, addr.directory, { metrics, tls });
  const scimCarrier = new Carrier(() => (directory.raw as DirectoryServiceClient).carry(), { metrics });
  const b = {
    directory: carriedClient(directory, DirectoryServiceService, scimCarrier, DIRECTORY_CARRIED),
    credentials,
    verifyCredential,
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
      watch.close();
      verifier.close();
      scimCarrier.close();
      for (const c of [b.directory, b.credentials, b.entitlement, b.identity]) c.close();
      for (const h of Object.values(b.health)) h.close();
    },
  };
}

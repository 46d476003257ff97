import { ConfigError, commonFields, field, loadConfig, mongodbUriField, type Env } from '../../kit/src/config.js';

export function loadCredentialsConfig(env: Env) {
  const loaded = loadConfig(env, {
    ...commonFields,
    grpcPort: field.port('GRPC_PORT', 50053),
    // Plaintext gRPC health only (for kubelet probes, which cannot speak TLS); 0: none.
    grpcHealthPort: field.int('GRPC_HEALTH_PORT', 0, 0, 65535),
    metricsPort: field.port('METRICS_PORT', 9103),
    host: field.string('HOST', '0.0.0.0'),
    mongodbUri: mongodbUriField(),
    dataDir: field.string('DATA_DIR', './.data'),
    // gateways keep verified credentials in memory under a lease this service extends (revocation-hub.ts)
    revocationLeaseMs: field.int('REVOCATION_LEASE_MS', 1500, 200, 60000),
    revocationAckTimeoutMs: field.int('REVOCATION_ACK_TIMEOUT_MS', 1000, 50, 60000),
    revocationPeerPollMs: field.int('REVOCATION_PEER_POLL_MS', 200, 20, 10000),
  });
  // gateways ping every lease/4; with a shared store a pong waits for the next look at the rotation count
  const { revocationLeaseMs: lease, revocationPeerPollMs: poll } = loaded.config;
  if (poll * 2 > lease)
    throw new ConfigError([
      `REVOCATION_PEER_POLL_MS (${poll}) must be at most half of REVOCATION_LEASE_MS (${lease}), or leases run out between pongs`,
    ]);
  return loaded;
}
export type CredentialsConfig = ReturnType<typeof loadCredentialsConfig>['config'];

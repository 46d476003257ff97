import { join } from 'node:path';
import { Gauge } from 'prom-client';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { implement } from '../../kit/src/grpc-server.js';
import { serveCarried } from '../../kit/src/multiplexed.js';
import { CREDENTIALS_CARRIED } from '../../kit/src/carried-methods.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { CredentialsServiceService } from '../../../proto/gen/credentials/v1/credentials.js';
import type { CredentialsConfig } from './config.js';
import { Credentials } from './domain/credentials.js';
import { credentialsHandlers } from './handlers/credentials.handlers.js';
import { RevocationHub } from './handlers/revocation-hub.js';
import { openCredentialStore } from './store/credential-store.js';

export async function buildCredentialsService({
  config,
  logger,
  metrics,
  inFlight,
}: BuildContext<CredentialsConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'credentials') });
  const store = await openCredentialStore(docs);
  const watchers = new Gauge({
    name: 'credential_revocation_watchers',
    help: 'Gateways connected to the revocation stream of this process.',
    registers: [metrics.registry],
  });
  const hub = new RevocationHub(store, {
    leaseMs: config.revocationLeaseMs,
    ackTimeoutMs: config.revocationAckTimeoutMs,
    // the embedded store belongs to this one process; with MongoDB other replicas may rotate too
    peerPollMs: config.mongodbUri ? config.revocationPeerPollMs : 0,
    logger,
    watchers,
  });
  const credentials = new Credentials(store, hub);
  const handlers = credentialsHandlers(credentials, store);
  // the gateway verifies what is not in its memory: over one stream, each verification answered by the same handler
  const carried = serveCarried(CredentialsServiceService, handlers, CREDENTIALS_CARRIED, {
    logger,
    metrics,
    inFlight,
  });
  return {
    registrations: [
      {
        definition: CredentialsServiceService,
        name: 'credentials.v1.CredentialsService',
        implementation: implement(
          CredentialsServiceService,
          handlers,
          { logger, metrics, inFlight },
          { carry: carried.handler, watchRevocations: hub.handler },
        ),
      },
    ],
    closers: [() => docs.close()],
    drainers: [() => carried.drain(), () => hub.drain()],
  };
}

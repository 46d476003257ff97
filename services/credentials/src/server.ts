import { join } from 'node:path';
import { Counter } from 'prom-client';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { implement } from '../../kit/src/grpc-server.js';
import { carriedBy, serveMultiplexed } from '../../kit/src/multiplexed.js';
import { openKeyValueStore } from '../../kit/src/kv.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { CredentialsServiceService } from '../../../proto/gen/credentials/v1/credentials.js';
import type { CredentialsConfig } from './config.js';
import { CredentialCache } from './domain/credential-cache.js';
import { Credentials } from './domain/credentials.js';
import { credentialsHandlers } from './handlers/credentials.handlers.js';
import { openCredentialStore } from './store/credential-store.js';

export async function buildCredentialsService({ config, logger, metrics, inFlight }: BuildContext<CredentialsConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'credentials') });
  const store = await openCredentialStore(docs);
  const kv = openKeyValueStore(config.redisUrl, config, logger, metrics.registry);
  const requests = new Counter({ name: 'credential_cache_requests_total', help: 'Credential verification cache lookups by result (hit, miss, error).', labelNames: ['result'], registers: [metrics.registry] });
  const cache = new CredentialCache(kv, config.cacheTtlSeconds, logger, requests);
  const credentials = new Credentials(store, cache);
  const handlers = credentialsHandlers(credentials, store);
  // the gateway verifies on every SCIM request: over one stream, each verification answered by the same handler
  const verifyStream = serveMultiplexed(carriedBy(CredentialsServiceService.verifyCredential), handlers.verifyCredential, { logger, metrics, inFlight });
  return {
    registrations: [
      {
        definition: CredentialsServiceService,
        name: 'credentials.v1.CredentialsService',
        implementation: implement(CredentialsServiceService, handlers, { logger, metrics, inFlight }, { verifyCredentialStream: verifyStream.handler }),
      },
    ],
    closers: [() => cache.close(), () => kv.close(), () => docs.close()],
    drainers: [() => verifyStream.drain()],
  };
}

import { join } from 'node:path';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { connect, type PromiseClient } from '../../kit/src/grpc-client.js';
import { implement } from '../../kit/src/grpc-server.js';
import { openKeyValueStore, type KeyValueStore } from '../../kit/src/kv.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import type { DocumentStore } from '../../kit/src/store/store.js';
import { DirectoryServiceClient, type DirectoryServiceService } from '../../../proto/gen/directory/v1/directory.js';
import { IdentityServiceService } from '../../../proto/gen/identity/v1/identity.js';
import type { IdentityConfig } from './config.js';
import { SetupAccess } from './domain/setup-access.js';
import { SignIn } from './domain/sign-in.js';
import { identityHandlers } from './handlers/identity.handlers.js';
import { identityMetrics } from './metrics.js';
import { RelyingParty } from './oidc/relying-party.js';
import { directoryPort, mapPeerError } from './peers/directory-client.js';
import { kvLoginTransactionStore } from './store/login-transaction-store.js';
import { openOidcSettingsStore } from './store/oidc-settings-store.js';
import { kvSessionStore } from './store/session-store.js';
import { openSetupLinkStore } from './store/setup-link-store.js';
import { kvSetupSessionStore } from './store/setup-session-store.js';

/** Adapters a test may supply instead of the ones the configuration names (the caller then owns closing them). */
export interface IdentityAdapters {
  docs?: DocumentStore;
  kv?: KeyValueStore;
  directory?: PromiseClient<typeof DirectoryServiceService>;
}

export async function buildIdentityService(
  { config, logger, metrics, inFlight }: BuildContext<IdentityConfig>,
  adapters: IdentityAdapters = {},
): Promise<Built> {
  const closers: Built['closers'] = [];
  const docs =
    adapters.docs ??
    (await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'identity') }));
  if (!adapters.docs) closers.push(() => docs.close());
  const kv = adapters.kv ?? (await openKeyValueStore(config.redisUrl, config, logger, metrics.registry));
  if (!adapters.kv) closers.push(() => kv.close());
  const directoryClient =
    adapters.directory ?? connect(DirectoryServiceClient, config.directoryAddr, { metrics, tls: config.grpcTls });
  if (!adapters.directory) closers.push(() => directoryClient.close());

  const policy = { idleSeconds: config.sessionIdleSeconds, absoluteSeconds: config.sessionAbsoluteSeconds };
  const directory = directoryPort(directoryClient);
  const setupPolicy = {
    idleSeconds: config.setupSessionIdleSeconds,
    absoluteSeconds: config.setupSessionAbsoluteSeconds,
  };
  const setup = new SetupAccess({
    links: await openSetupLinkStore(docs),
    sessions: kvSetupSessionStore(kv, setupPolicy),
    directory,
    policy: setupPolicy,
  });
  const signIn = new SignIn({
    settings: await openOidcSettingsStore(docs),
    transactions: kvLoginTransactionStore(kv),
    sessions: kvSessionStore(kv, policy),
    directory,
    relyingParty: new RelyingParty({
      clockToleranceSeconds: config.clockToleranceSeconds,
      timeoutSeconds: config.idpTimeoutSeconds,
      discoveryTtlSeconds: config.discoveryTtlSeconds,
    }),
    policy,
    countLogin: identityMetrics(metrics.registry).countLogin,
  });
  return {
    registrations: [
      {
        definition: IdentityServiceService,
        name: 'identity.v1.IdentityService',
        implementation: implement(IdentityServiceService, identityHandlers(signIn, setup), {
          logger,
          metrics,
          inFlight,
          mapError: mapPeerError,
        }),
      },
    ],
    closers,
  };
}

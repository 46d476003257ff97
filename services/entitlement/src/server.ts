import { implement } from '../../kit/src/grpc-server.js';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { EntitlementServiceService } from '../../../proto/gen/entitlement/v1/entitlement.js';
import type { EntitlementConfig } from './config.js';
import { entitlementHandlers } from './handlers/entitlement.handlers.js';
import { openEntitlementStore } from './store/entitlement-store.js';
import { join } from 'node:path';

export async function buildEntitlementService({
  config,
  logger,
  metrics,
  inFlight,
}: BuildContext<EntitlementConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'entitlement') });
  const store = await openEntitlementStore(docs);
  return {
    registrations: [
      {
        definition: EntitlementServiceService,
        name: 'entitlement.v1.EntitlementService',
        implementation: implement(EntitlementServiceService, entitlementHandlers(store), { logger, metrics, inFlight }),
      },
    ],
    closers: [() => docs.close()],
  };
}

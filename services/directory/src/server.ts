import { join } from 'node:path';
import type { BuildContext, Built } from '../../kit/src/boot.js';
import { implement } from '../../kit/src/grpc-server.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { DirectoryServiceService } from '../../../proto/gen/directory/v1/directory.js';
import type { DirectoryConfig } from './config.js';
import { activityHandlers } from './handlers/activity.handlers.js';
import { orgHandlers } from './handlers/org.handlers.js';
import { scimHandlers, scimErrorToAppError } from './handlers/scim.handlers.js';
import { openActivityStore } from './store/activity-store.js';
import { openConnectorStore } from './store/connector-store.js';
import { openMembershipStore } from './store/membership-store.js';
import { openOrgStore } from './store/org-store.js';
import { openResourceStores } from './store/resource-store.js';
import { ConnectorMemory } from './domain/connector-memory.js';
import { ScimService } from './domain/scim-service.js';
import { platformHandlers } from './handlers/platform.handlers.js';

export async function buildDirectoryService({ config, logger, metrics, inFlight }: BuildContext<DirectoryConfig>): Promise<Built> {
  const docs = await openDocumentStore({ mongodbUri: config.mongodbUri, dataDir: join(config.dataDir, 'directory') });
  const orgs = await openOrgStore(docs);
  // the connector check of every SCIM call from memory; with MongoDB other replicas' changes are re-read within a second
  const connectorMemory = new ConnectorMemory(await openConnectorStore(docs), config.mongodbUri ? 1000 : Number.POSITIVE_INFINITY);
  const connectors = connectorMemory.forAdmin;
  const activity = await openActivityStore(docs);
  const memberships = await openMembershipStore(docs);
  const resources = await openResourceStores(docs);
  const org = orgHandlers(orgs, connectors, activity);
  const scim = new ScimService({ resources, memberships, connectors: connectorMemory.forScim, activity, defaultPageSize: config.scimDefaultPageSize, maxPageSize: config.scimMaxPageSize });
  const handlers = {
    ...org.handlers,
    ...activityHandlers(activity, org.requireOrg),
    ...scimHandlers(scim, { maxPageSize: config.scimMaxPageSize }),
    ...platformHandlers({ orgs, resources, memberships, connectors, activity, requireOrg: org.requireOrg }),
  };
  return {
    registrations: [
      { definition: DirectoryServiceService, name: 'directory.v1.DirectoryService', implementation: implement(DirectoryServiceService, handlers, { logger, metrics, inFlight, mapError: scimErrorToAppError }) },
    ],
    closers: [() => docs.close()],
  };
}

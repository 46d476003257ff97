/**
 * The gateway's sign-in routes on a real HTTP port, in front of the real identity service (its own gRPC server,
 * real redis-server) and a small real gRPC directory, with a real OpenID Provider as the customer's Okta.
 * Mounted the way app.ts mounts them: behind requestIds, /oidc, /api/v1, the portal at /, and the admin SSO route.
 */
import express from 'express';
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { connect } from '../../../../services/kit/src/grpc-client.js';
import { createLogger } from '../../../../services/kit/src/logger.js';
import { DirectoryServiceClient } from '../../../../proto/gen/directory/v1/directory.js';
import { IdentityServiceClient } from '../../../../proto/gen/identity/v1/identity.js';
import { startFakeOkta, type FakeOkta } from '../../../../services/identity/test/support/fake-okta.js';
import { startIdentityStack, type IdentityStack } from '../../../../services/identity/test/support/identity-stack.js';
import type { Backends } from '../../../src/backends.js';
import { requestIds } from '../../../src/http/request-context.js';
import { configureOidcHandler } from '../../../src/oidc/oidc-admin.js';
import { apiRouter, oidcRouter, portalRouter, type OidcRouterDeps } from '../../../src/oidc/oidc.routes.js';

export const APP_URI = 'com.example.platform:/oidc/callback';

export interface GatewayHarness {
  url: string;
  stack: IdentityStack;
  okta: FakeOkta;
  registry: Registry;
  entitled: Set<string>;
  backends: Pick<Backends, 'identity' | 'directory' | 'entitlement'>;
  /** Another gateway with the given extra router dependencies (e.g. resolveOrg), same backends. */
  variant(extra: Partial<OidcRouterDeps>): Promise<{ url: string; close(): Promise<void> }>;
  stop(): Promise<void>;
}

async function listen(app: express.Express, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

export async function startGatewayHarness(): Promise<GatewayHarness> {
  const stack = await startIdentityStack();
  const logger = createLogger('gateway-test', 'error');
  const entitled = new Set<string>();
  const backends = {
    identity: connect(IdentityServiceClient, stack.address),
    directory: connect(DirectoryServiceClient, stack.directory.address),
    entitlement: {
      checkEntitlement: async (req: { tenantId: string }) => ({ enabled: entitled.has(req.tenantId) }),
    } as unknown as Backends['entitlement'],
  };
  const registry = new Registry();

  // The port first: PUBLIC_URL (and so the callback registered at the provider) contains it.
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  const port = (holder.address() as { port: number }).port;
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const okta = await startFakeOkta({ redirectUris: [`${url}/oidc/callback`, APP_URI] });

  const build = (extra: Partial<OidcRouterDeps> = {}) => {
    const deps: OidcRouterDeps = { backends, publicUrl: url, appRedirectUris: [APP_URI], logger, registry, ...extra };
    const app = express();
    app.use(requestIds(logger));
    app.use('/oidc', oidcRouter(deps));
    app.use('/api/v1', apiRouter(deps));
    app.put(
      '/admin/v1/orgs/:org/connectors/:id/oidc',
      express.json(),
      configureOidcHandler({ backends, publicUrl: url, appRedirectUris: [APP_URI], logger }),
    );
    app.use('/', portalRouter(deps));
    app.use((req, res) =>
      res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } }),
    );
    return app;
  };
  const { server } = await listen(build(), port);
  return {
    url,
    stack,
    okta,
    registry,
    entitled,
    backends,
    async variant(extra) {
      const v = await listen(build(extra));
      return {
        url: `http://127.0.0.1:${v.port}`,
        close: () => new Promise<void>((resolve) => v.server.close(() => resolve())),
      };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      backends.identity.close();
      backends.directory.close();
      await okta.close();
      await stack.stop();
    },
  };
}

/**
 * A SCIM request whose client hangs up while it is being authenticated must not keep its tenant's concurrency
 * slot: the slot is taken after authentication, when the response may already be closed, and a slot never given
 * back would end in 429s for every later request of that tenant (seen under wrk, whose connections close at the
 * end of a run).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { createLogger } from '../../services/kit/src/logger.js';
import { requestIds } from '../src/http/request-context.js';
import { scimRouter, type ScimRouterDeps } from '../src/scim/scim.routes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the per-tenant SCIM concurrency cap', () => {
  let release: () => void = () => undefined;
  let authenticating = 0;
  const app = express();
  app.use(requestIds(createLogger('test', 'error')));
  app.use(
    '/scim/v2/:org',
    scimRouter({
      registry: new Registry(),
      maxConcurrentPerTenant: 1,
      backends: { directory: { getScimDiscovery: async () => ({ bodyJson: '{"ok":true}' }) } },
      auth: {
        authenticate: async () => {
          authenticating++;
          if (authenticating === 1) await new Promise<void>((r) => (release = r));
          return { tenantId: 'org1', connectorId: 'c1' };
        },
      },
      entitlements: { enabled: async () => true },
      publicUrl: 'https://id.example.com',
      maxBodyBytes: 1024,
      logger: createLogger('test', 'error'),
    } as unknown as ScimRouterDeps),
  );
  const server = app.listen(0, '127.0.0.1');
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('gives the slot back when the client hung up before it was taken', async () => {
    if (!server.listening) await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    // a client that asks, then hangs up while its credential is being verified
    const socket = connect(port, '127.0.0.1', () =>
      socket.write('GET /scim/v2/org1/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n'),
    );
    for (let i = 0; authenticating === 0 && i < 200; i++) await sleep(5);
    expect(authenticating).toBe(1);
    socket.destroy();
    await sleep(50); // the server has seen the hang-up
    release();
    await sleep(50);
    const res = await fetch(`http://127.0.0.1:${port}/scim/v2/org1/ServiceProviderConfig`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(res.status).toBe(200);
  });
});

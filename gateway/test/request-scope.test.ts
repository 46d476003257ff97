/**
 * Without AsyncLocalStorage, a request's id and trace reach the backends only when each call is given them: the
 * admin API, the sign-in API and the setup pages, mounted as app.ts mounts them (behind requestIds), in front of
 * backends that record every call with its options. Every call made for a request carries that request's context;
 * its audit entries record its id; the lines written while handling it carry its ids.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { createLogger } from '../../services/kit/src/logger.js';
import { adminRouter } from '../src/admin/admin.routes.js';
import { connectorEvents } from '../src/admin/connector-events.js';
import { auditor } from '../src/audit.js';
import type { Backends } from '../src/backends.js';
import { EntitlementCache } from '../src/entitlement-cache.js';
import { requestIds } from '../src/http/request-context.js';
import { apiRouter } from '../src/oidc/oidc.routes.js';
import { setupRouter } from '../src/setup/setup.routes.js';
import { serviceError } from '../../services/kit/src/multiplexed.js';
import { status } from '@grpc/grpc-js';

interface Recorded {
  call: string;
  request: Record<string, unknown>;
  options: unknown;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ADMIN_TOKEN = 'admin-token-for-the-scope-test';
const SETUP_SESSION = 'scimgw_setupses_scope';

/** Backends whose every method records its call; answers by "service.method", `{}` otherwise. */
function recordingBackends(answers: Record<string, (request: Record<string, unknown>) => unknown>) {
  const calls: Recorded[] = [];
  const service = (name: string) =>
    new Proxy(
      {},
      {
        get: (_t, method: string) => async (request: Record<string, unknown>, options: unknown) => {
          const call = `${name}.${method}`;
          calls.push({ call, request, options });
          const answer = answers[call];
          return answer ? answer(request) : {};
        },
      },
    );
  const backends = {
    directory: service('directory'),
    credentials: service('credentials'),
    entitlement: service('entitlement'),
    identity: service('identity'),
  } as unknown as Backends;
  return { backends, calls };
}

const org = { id: 'acme', name: 'Acme', companyId: 'ACME', createdAt: new Date() };
const connector = { id: 'c1', tenantId: 'acme', type: 1, enabled: true, createdAt: new Date(), updatedAt: new Date() };
const expires = new Date(Date.now() + 3600_000);

describe("a request's context on every backend call, audit entry and log line", () => {
  const lines: Array<Record<string, unknown>> = [];
  const { backends, calls } = recordingBackends({
    'directory.getOrg': () => ({ org }),
    'directory.getConnector': () => ({ connector }),
    'directory.listConnectors': () => ({ connectors: [connector] }),
    'entitlement.grantEntitlement': (r) => ({
      changed: true,
      entitlement: { name: r.name, enabled: true, updatedAt: new Date(), updatedBy: 'operator' },
    }),
    'entitlement.checkEntitlement': () => ({ enabled: true }),
    'identity.getOidcSettings': () => ({
      settings: { issuer: 'https://idp.example', clientId: 'client', connectorId: 'c1', redirectUris: [] },
    }),
    'identity.getSession': () => {
      throw serviceError(status.UNAUTHENTICATED, 'the session has ended');
    },
    'identity.getSetupSession': () => ({
      session: { tenantId: 'acme', actor: 'setup-link:l1', linkId: 'l1', createdAt: new Date(), expiresAt: expires },
    }),
  });
  let server: Server;
  let url = '';

  beforeAll(async () => {
    const logger = createLogger('gateway', 'info', {}, (l) => lines.push(JSON.parse(l)));
    const audit = auditor(backends, logger);
    const publicUrl = 'http://127.0.0.1';
    const app = express();
    app.use(requestIds(logger));
    app.use(
      '/admin/v1',
      adminRouter({
        backends,
        adminToken: ADMIN_TOKEN,
        publicUrl,
        appRedirectUris: [],
        entitlements: new EntitlementCache(
          async () => true,
          1000,
          new Counter({ name: 'c', help: 'c', labelNames: ['result'], registers: [new Registry()] }),
        ),
        audit,
        logger,
      }),
    );
    app.use('/api/v1', apiRouter({ backends, publicUrl, appRedirectUris: [], logger, registry: new Registry() }));
    app.use(
      '/setup',
      setupRouter({
        backends,
        publicUrl,
        appRedirectUris: [],
        audit,
        logger,
        changeEvents: connectorEvents(backends, logger),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** The calls made for one request (told apart by its id), after it answered. */
  async function made(requestId: string, path: string, init: RequestInit = {}) {
    calls.length = 0;
    lines.length = 0;
    const res = await fetch(`${url}${path}`, {
      ...init,
      headers: {
        'x-request-id': requestId,
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
        ...(init.headers as Record<string, string>),
      },
    });
    await res.arrayBuffer();
    expect(res.headers.get('x-request-id')).toBe(requestId);
    return { status: res.status, calls: [...calls], lines: [...lines] };
  }

  /** Call options carrying the request's context (the id sent, the trace continued with a span of the gateway). */
  const contextOf = (requestId: string) =>
    expect.objectContaining({
      context: {
        requestId,
        trace: { traceId: TRACE_ID, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), flags: '01' },
      },
    });

  it("an admin API request's id and trace reach the directory call that serves it", async () => {
    const r = await made('req-admin-get-0001', '/admin/v1/orgs/acme', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(200);
    expect(r.calls).toEqual([
      { call: 'directory.getOrg', request: { tenantId: 'acme' }, options: contextOf('req-admin-get-0001') },
    ]);
  });

  it('a change records its request id in the audit entry, written with the same context', async () => {
    const r = await made('req-grant-0002', '/admin/v1/orgs/acme/entitlements/enterprise-toolkit', {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(200);
    const audit = r.calls.find((c) => c.call === 'directory.recordActivity');
    expect(audit?.request.entry).toMatchObject({ action: 'entitlement.grant', requestId: 'req-grant-0002' });
    expect(r.calls.map((c) => c.call)).toEqual([
      'directory.getOrg',
      'entitlement.grantEntitlement',
      'directory.recordActivity',
    ]);
    for (const c of r.calls) expect(c.options).toEqual(contextOf('req-grant-0002'));
  });

  it('deleting a connector: every call (credentials, audit, change event, sessions) and the security event carry the request', async () => {
    const r = await made('req-delete-0003', '/admin/v1/orgs/acme/connectors/c1', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(204);
    expect(r.calls.map((c) => c.call)).toEqual([
      'directory.getOrg',
      'directory.getConnector',
      'credentials.revokeCredentials',
      'directory.recordActivity',
      'identity.getOidcSettings',
      'directory.recordConnectorEvent',
      'directory.deleteConnector',
      'directory.recordActivity',
      'identity.revokeSessions',
    ]);
    for (const c of r.calls) expect(c.options).toEqual(contextOf('req-delete-0003'));
    expect(r.calls.filter((c) => c.call === 'directory.recordActivity').map((c) => c.request.entry)).toEqual([
      expect.objectContaining({ action: 'credentials.revoke', requestId: 'req-delete-0003' }),
      expect.objectContaining({ action: 'connector.delete', requestId: 'req-delete-0003' }),
    ]);
    expect(r.lines).toContainEqual(
      expect.objectContaining({ type: 'connector.deleted', requestId: 'req-delete-0003', traceId: TRACE_ID }),
    );
  });

  it('a refused admin token is logged with the id of the request that presented it', async () => {
    const r = await made('req-refused-0004', '/admin/v1/orgs', { headers: { authorization: 'Bearer wrong' } });
    expect(r.status).toBe(401);
    expect(r.calls).toEqual([]);
    expect(r.lines).toEqual([
      expect.objectContaining({
        type: 'auth.failure',
        surface: 'admin',
        requestId: 'req-refused-0004',
        traceId: TRACE_ID,
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      }),
    ]);
  });

  it('the sign-in API: the session lookup carries the request, and the refusal it leads to is logged with its id', async () => {
    const r = await made('req-me-0005', '/api/v1/me', { headers: { authorization: 'Bearer scimgw_ses_ended' } });
    expect(r.status).toBe(401);
    expect(r.calls).toEqual([
      { call: 'identity.getSession', request: { sessionToken: 'scimgw_ses_ended' }, options: contextOf('req-me-0005') },
    ]);
    expect(r.lines).toEqual([
      expect.objectContaining({ type: 'auth.failure', surface: 'session', requestId: 'req-me-0005' }),
    ]);
  });

  it("a setup page: the session, the organization and everything on the page are read for the page's request", async () => {
    const r = await made('req-setup-0006', '/setup/', { headers: { cookie: `scimgw_setup=${SETUP_SESSION}` } });
    expect(r.status).toBe(200);
    expect(r.calls.map((c) => c.call)).toEqual(
      expect.arrayContaining([
        'identity.getSetupSession',
        'directory.getOrg',
        'entitlement.checkEntitlement',
        'directory.listConnectors',
        'credentials.describeCredentials',
        'identity.getOidcSettings',
      ]),
    );
    for (const c of r.calls) expect(c.options).toEqual(contextOf('req-setup-0006'));
  });
});

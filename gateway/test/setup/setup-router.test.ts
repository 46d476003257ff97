/** The setup router alone behind an https PUBLIC_URL with a path: cookie attributes and links keep the path. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { createLogger } from '../../../services/kit/src/logger.js';
import type { Backends } from '../../src/backends.js';
import { requestIds } from '../../src/http/request-context.js';
import { setupRouter } from '../../src/setup/setup.routes.js';

const session = {
  tenantId: 'acme',
  actor: 'setup-link:0123456789abcdef',
  linkId: '0123456789abcdef',
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + 3600_000),
};
const backends = {
  identity: {
    redeemSetupLink: async () => ({ sessionToken: 'scimgw_setupses_test', session }),
    getSetupSession: async () => ({ session }),
  },
  directory: {
    getOrg: async () => ({ org: { id: 'acme', name: 'Acme', companyId: 'ACME', createdAt: new Date() } }),
    listConnectors: async () => ({ connectors: [] }),
  },
  entitlement: { checkEntitlement: async () => ({ enabled: true }) },
  credentials: {},
} as unknown as Pick<Backends, 'directory' | 'credentials' | 'entitlement' | 'identity'>;

describe('setup router behind https://…/gw', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    const app = express();
    app.use(requestIds(createLogger('test', 'error')));
    app.use(
      '/gw/setup',
      setupRouter({
        backends,
        publicUrl: 'https://platform.example/gw',
        appRedirectUris: [],
        audit: { record: async () => undefined },
        logger: createLogger('test', 'error'),
      }),
    );
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/gw/setup`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('the setup cookie is Secure, HttpOnly, SameSite=Lax and scoped to the path of PUBLIC_URL', async () => {
    const res = await fetch(`${url}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://platform.example/gw/setup');
    const cookie = res.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^scimgw_setup=scimgw_setupses_test;/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\/gw\/setup/);
  });

  it('links, forms and assets keep the path of PUBLIC_URL', async () => {
    const res = await fetch(`${url}/`, { headers: { cookie: 'scimgw_setup=scimgw_setupses_test' } });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('href="/gw/setup/assets/setup.css');
    expect(body).toContain('action="/gw/setup/connectors"');
    expect(body).toContain('href="/gw/setup/users"');
    expect(body).not.toMatch(/ (href|action|src)="\/setup/);
  });
});

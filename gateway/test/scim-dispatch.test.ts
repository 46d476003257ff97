/**
 * The SCIM base URL picks its endpoint from the method and the path segments (no route table): what each method
 * and path reach, what they answer when they reach nothing, and that the request's id and trace go with the
 * directory call. The directory here records the calls it gets; the e2e suites drive the real one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ResourceType } from '../../proto/gen/directory/v1/directory.js';
import { createLogger, type RequestContext } from '../../services/kit/src/logger.js';
import { requestIds } from '../src/http/request-context.js';
import { scimRouter, type ScimRouterDeps } from '../src/scim/scim.routes.js';

interface Seen {
  method: string;
  request: Record<string, unknown>;
  context?: RequestContext;
}

describe('SCIM dispatch', () => {
  const seen: Seen[] = [];
  const record =
    (method: string, answer: unknown) =>
    async (request: Record<string, unknown>, options?: { context?: RequestContext }) => {
      seen.push({ method, request, context: options?.context });
      return answer;
    };
  const resource = { id: 'u1', version: '3', resourceJson: '{"id":"u1"}' };
  const list = { totalResults: 0, startIndex: 1, resourcesJson: [] };
  const directory = {
    getScimDiscovery: record('getScimDiscovery', { bodyJson: '{"discovery":true}' }),
    listResources: record('listResources', list),
    searchAllResources: record('searchAllResources', list),
    getResource: record('getResource', { resource }),
    createResource: record('createResource', { resource }),
    replaceResource: record('replaceResource', { resource }),
    patchResource: record('patchResource', { resource }),
    deleteResource: record('deleteResource', {}),
    processBulk: record('processBulk', { bodyJson: '{"bulk":true}' }),
  };
  const deps = (dialect: 'v1' | 'v2') =>
    ({
      registry: new Registry(),
      dialect,
      backends: { directory },
      auth: {
        authenticate: async (req: express.Request) => {
          if (req.get('authorization') !== 'Bearer good') throw Object.assign(new Error('no'), { code: 16 });
          return { tenantId: 'org1', connectorId: 'c1' };
        },
      },
      entitlements: { enabled: async () => true },
      publicUrl: 'https://id.example.com/',
      maxBodyBytes: 1024,
      logger: createLogger('test', 'error'),
    }) as unknown as ScimRouterDeps;
  const app = express();
  app.use(requestIds(createLogger('test', 'error')));
  app.use('/scim/v2/:org', scimRouter(deps('v2')));
  app.use('/scim/v1/:org', scimRouter(deps('v1')));
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const ask = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    seen.length = 0;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: 'Bearer good', 'content-type': 'application/scim+json', ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, calls: seen.map((s) => s.method), seen: [...seen] };
  };

  it.each([
    ['GET', '/scim/v2/org1/Users', 'listResources'],
    ['GET', '/scim/v2/org1/Users/', 'listResources'],
    ['GET', '/scim/v2/org1/serviceproviderconfig', 'getScimDiscovery'],
    ['GET', '/scim/v2/org1/ResourceTypes/User', 'getScimDiscovery'],
    ['GET', '/scim/v1/org1/ServiceProviderConfigs', 'getScimDiscovery'],
    ['POST', '/scim/v2/org1/Users', 'createResource'],
    ['POST', '/scim/v2/org1/Groups/.search', 'listResources'],
    ['POST', '/scim/v2/org1/.search', 'searchAllResources'],
    ['POST', '/scim/v2/org1/Bulk', 'processBulk'],
    ['GET', '/scim/v2/org1/Users/u1', 'getResource'],
    ['PUT', '/scim/v2/org1/Users/u1', 'replaceResource'],
    ['PATCH', '/scim/v2/org1/Groups/g1', 'patchResource'],
    ['DELETE', '/scim/v2/org1/Users/u1', 'deleteResource'],
  ])('%s %s reaches %s', async (method, path, call) => {
    const r = await ask(method, path, ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined);
    expect(r.calls).toEqual([call]);
    expect(r.status).toBeLessThan(300);
  });

  it('decodes path segments as route parameters are, and refuses malformed percent-encoding', async () => {
    const r = await ask('GET', '/scim/v2/org1/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser');
    expect(r.seen[0].request).toMatchObject({
      endpoint: 'Schemas',
      id: 'urn:ietf:params:scim:schemas:core:2.0:User',
    });
    const got = await ask('GET', '/scim/v2/org1/Users/a%20b');
    expect(got.seen[0].request).toMatchObject({ type: ResourceType.RESOURCE_TYPE_USER, id: 'a b' });
    const bad = await ask('GET', '/scim/v2/org1/Users/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ status: '400', detail: expect.stringContaining('percent-encoding') });
    expect(bad.calls).toEqual([]);
  });

  it('HEAD is GET without a body', async () => {
    const r = await ask('HEAD', '/scim/v2/org1/Users/u1');
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.calls).toEqual(['getResource']);
  });

  it('answers what reaches nothing in SCIM form, after authentication', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['PUT', '/scim/v2/org1/Bulk', 405, 'a bulk request is a POST'],
      ['GET', '/scim/v2/org1/Me', 501, '/Me is not supported'],
      ['POST', '/scim/v1/org1/Bulk', 501, 'Bulk is offered on the SCIM 2.0 base URL'],
      ['POST', '/scim/v2/org1/Users/u1', 404, 'no SCIM endpoint POST /Users/u1'],
      ['GET', '/scim/v2/org1/Users/u1/x', 404, 'no SCIM endpoint'],
      ['GET', '/scim/v2/org1/Widgets', 404, 'unknown SCIM endpoint /Widgets'],
      ['GET', '/scim/v2/org1/ServiceProviderConfigs', 404, 'https://id.example.com/scim/v1/org1'],
      ['GET', '/scim/v1/org1/ResourceTypes', 404, 'https://id.example.com/scim/v2/org1'],
    ];
    for (const [method, path, status, text] of cases) {
      const r = await ask(method, path, method === 'GET' ? undefined : '{}');
      expect({ path, status: r.status }).toEqual({ path, status });
      expect(r.text).toContain(text);
      expect(r.calls).toEqual([]);
    }
    const put = await ask('PUT', '/scim/v2/org1/Bulk', '{}');
    expect(put.headers.get('allow')).toBe('POST');
    // SCIM 1.1 errors have their own shape
    const v1 = await ask('GET', '/scim/v1/org1/Me');
    expect(JSON.parse(v1.text)).toMatchObject({ Errors: [{ code: '501' }] });
    // an unauthenticated client learns nothing about the endpoints
    const anon = await ask('GET', '/scim/v2/org1/Widgets', undefined, { authorization: 'Bearer bad' });
    expect(anon.status).toBeGreaterThanOrEqual(400);
    expect(anon.text).not.toContain('Widgets');
  });

  it("sends the request's id and trace with the directory call", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await ask('GET', '/scim/v2/org1/Users?filter=userName%20eq%20%22a%22', undefined, {
      'x-request-id': 'req-dispatch-0001',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(r.headers.get('x-request-id')).toBe('req-dispatch-0001');
    expect(r.seen[0].context).toMatchObject({ requestId: 'req-dispatch-0001', trace: { traceId } });
    expect(JSON.parse(String(r.seen[0].request.paramsJson))).toEqual({ filter: 'userName eq "a"' });
  });
});

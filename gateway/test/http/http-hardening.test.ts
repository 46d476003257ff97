/** The gateway's listener and edge headers, on a real HTTP port: limits on slow and numerous clients, HSTS. */
import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenHttp } from '../../src/http/http-server.js';
import { Registry } from 'prom-client';
import { createLogger } from '../../../services/kit/src/logger.js';
import { httpMetrics, requestIds, scopeOf } from '../../src/http/request-context.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))),
  );
});

/** Serves `app` on a free loopback port with the gateway's HTTP limits; its base URL. */
async function serve(app: express.Express, limits: Partial<Parameters<typeof listenHttp>[3]> = {}) {
  const server = await listenHttp(app, 0, '127.0.0.1', {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxConnections: 10,
    ...limits,
  });
  servers.push(server);
  const port = (server.address() as { port: number }).port;
  return { server, port, base: `http://127.0.0.1:${port}` };
}

async function start(limits: Partial<Parameters<typeof listenHttp>[3]> = {}, hstsMaxAgeSeconds = 0) {
  const app = express();
  app.use(requestIds(createLogger('gateway', 'error'), { hstsMaxAgeSeconds }));
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.post('/echo', express.json(), (req, res) => void res.json(req.body));
  const { server, port } = await serve(app, { maxConnections: 100, ...limits });
  return { server, port };
}

/** A raw connection; resolves with what the server sent once it closes the connection. */
function openRaw(port: number, first?: string) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let answer = '';
  socket.on('data', (d) => (answer += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
  const connected = new Promise<void>((resolve) =>
    socket.on('connect', () => (first && socket.write(first), resolve())),
  );
  return { socket, closed, connected };
}

describe('gateway HTTP listener', () => {
  it('closes a client whose request body trickles in beyond the request timeout, answering 408', async () => {
    const { port } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const c = openRaw(
      port,
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"',
    );
    await c.connected;
    const trickle = setInterval(() => c.socket.writable && c.socket.write('x'), 100);
    const answer = await c.closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a client that never finishes its headers (slowloris)', async () => {
    const { port } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const c = openRaw(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n');
    await c.connected;
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it('keeps at most HTTP_MAX_CONNECTIONS connections open: the next one is closed at once, the open ones keep working', async () => {
    const { port } = await start({ maxConnections: 2 });
    const a = openRaw(port);
    const b = openRaw(port);
    await Promise.all([a.connected, b.connected]);
    await new Promise((r) => setTimeout(r, 50)); // let the server accept both
    const third = openRaw(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await third.closed).toBe('');
    const served = new Promise<string>((resolve) => a.socket.once('data', (d) => resolve(d.toString())));
    a.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await served).toMatch(/^HTTP\/1\.1 200/);
  });

  it('sends nosniff and no-store on every answer, and HSTS only when PUBLIC_URL is https', async () => {
    const plain = await start();
    const r1 = await fetch(`http://127.0.0.1:${plain.port}/ok`);
    const r404 = await fetch(`http://127.0.0.1:${plain.port}/missing`);
    for (const r of [r1, r404]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('strict-transport-security')).toBeNull();
    }
    const secure = await start({}, 31_536_000);
    expect((await fetch(`http://127.0.0.1:${secure.port}/ok`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000',
    );
  });

  it('continues an incoming W3C traceparent and starts one otherwise', async () => {
    const app = express();
    app.use(requestIds(createLogger('gateway', 'error')));
    app.get('/trace', (_req, res) => void res.json({ traceId: scopeOf(res).context.trace?.traceId }));
    const { base } = await serve(app);
    const url = `${base}/trace`;
    const continued = await (
      await fetch(url, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
    ).json();
    expect(continued.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of [
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]) {
      const started = await (await fetch(url, { headers: { traceparent: bad } })).json();
      expect(started.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(started.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    }
  });

  it("a handler's scope carries the request's id and trace: as call options, and on the lines of its logger", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('gateway', 'info', {}, (l) => lines.push(JSON.parse(l)));
    const app = express();
    app.use(requestIds(logger));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    app.get('/work/:n', async (req, res) => {
      const scope = scopeOf(res);
      // the first request waits until the second has written: lines are told apart by their scope, not by timing
      if (req.params.n === '1') await held;
      scope.log.info('working', { n: req.params.n });
      if (req.params.n === '2') release();
      res.json({ context: scope.context });
    });
    const { base } = await serve(app);
    const [first, second] = await Promise.all([
      fetch(`${base}/work/1`, {
        headers: {
          'x-request-id': 'req-first-0001',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
      }).then((r) => r.json()),
      fetch(`${base}/work/2`, { headers: { 'x-request-id': 'req-second-0002' } }).then((r) => r.json()),
    ]);
    expect(first.context).toEqual({
      requestId: 'req-first-0001',
      trace: {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        flags: '01',
      },
    });
    expect(first.context.trace.spanId).not.toBe('00f067aa0ba902b7');
    expect(second.context.requestId).toBe('req-second-0002');
    expect(lines.map((l) => [l.n, l.requestId, l.traceId, l.spanId])).toEqual([
      ['2', 'req-second-0002', second.context.trace.traceId, second.context.trace.spanId],
      ['1', 'req-first-0001', '4bf92f3577b34da6a3ce929d0e0e4736', first.context.trace.spanId],
    ]);
  });

  it('a route mounted without requestIds fails loudly rather than calling backends without the request', async () => {
    const app = express();
    app.get('/bare', (_req, res) => {
      try {
        scopeOf(res);
        res.json({ scoped: true });
      } catch (err) {
        res.status(500).json({ error: (err as Error).message });
      }
    });
    const { base } = await serve(app);
    const res = await fetch(`${base}/bare`);
    expect(res.status).toBe(500);
    expect((await res.json()).error).toMatch(/requestIds\(\) is not mounted/);
  });

  it('access log: one line per request; with sampling, failures are always written and a share of successes', async () => {
    const run = async (sampleRate: number) => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = createLogger('gateway', 'info', {}, (l) => lines.push(JSON.parse(l)));
      const app = express();
      app.use(requestIds(logger));
      app.use(httpMetrics(new Registry(), { logger, sampleRate }));
      app.get('/ok/:id', (_req, res) => void res.json({ ok: true }));
      app.get('/fail', (_req, res) => void res.status(401).json({}));
      const { base } = await serve(app);
      for (let i = 0; i < 40; i++)
        await (await fetch(`${base}/ok/${i}?secret=s3cr3t`, { headers: { authorization: 'Bearer tok-zzz' } })).text();
      for (let i = 0; i < 5; i++) await (await fetch(`${base}/fail`)).text();
      return lines.filter((l) => l.msg === 'request');
    };
    const all = await run(1);
    expect(all).toHaveLength(45);
    expect(all[0]).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/ok/:id',
      status: 200,
      ms: expect.any(Number),
      requestId: expect.any(String),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(JSON.stringify(all)).not.toMatch(/s3cr3t|tok-zzz/);
    const none = await run(0);
    expect(none.map((l) => l.status)).toEqual([401, 401, 401, 401, 401]);
    const some = (await run(0.5)).filter((l) => l.status === 200).length;
    expect(some).toBeGreaterThan(0);
    expect(some).toBeLessThan(40);
  });
});

/**
 * The call's context is explicit: the handler gets the request id, the trace and a logger carrying both in its
 * CallContext, nothing is kept in AsyncLocalStorage, and a client passes the context on in its call options.
 * A real grpc-js server and client on loopback.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { makeGenericClientConstructor, Server, ServerCredentials } from '@grpc/grpc-js';
import { connect } from '../src/grpc-client.js';
import { handleCall, implement, type CallContext } from '../src/grpc-server.js';
import { createLogger, requestLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { jsonUnary } from './support/json-methods.js';

const def = { work: jsonUnary('/test.v1.Ctx/Work'), relay: jsonUnary('/test.v1.Ctx/Relay') };
const CtxClient = makeGenericClientConstructor(def, 'Ctx');
type Seen = { requestId: string; traceId?: string; spanId?: string };
type Client = {
  work(req: { text: string }, opts?: { context?: { requestId: string; trace?: CallContext['trace'] } }): Promise<Seen>;
  relay(req: { text: string }, opts?: { context?: { requestId: string; trace?: CallContext['trace'] } }): Promise<Seen>;
  close(): void;
};

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };
type Line = Record<string, unknown>;

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function start() {
  const lines: string[] = [];
  const logger = createLogger('svc', 'info', {}, (l) => lines.push(l));
  const peer: { to?: Client } = {};
  const handlers = {
    async work(req: unknown, ctx: CallContext): Promise<Seen> {
      await new Promise((r) => setImmediate(r));
      ctx.log.info('inside the handler', { text: (req as { text: string }).text });
      return {
        requestId: ctx.requestId,
        traceId: ctx.trace?.traceId,
        spanId: ctx.trace?.spanId,
      };
    },
    // a call made while serving a call: the context travels because the handler passes it on
    async relay(req: unknown, ctx: CallContext): Promise<Seen> {
      return peer.to!.work(req as { text: string }, { context: ctx });
    },
  };
  const server = new Server();
  server.addService(def, implement(def, handlers, { logger, metrics: createMetrics('test') }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = connect(CtxClient as never, `127.0.0.1:${port}`) as unknown as Client;
  peer.to = connect(CtxClient as never, `127.0.0.1:${port}`) as unknown as Client;
  stops.push(() => {
    client.close();
    peer.to?.close();
    server.forceShutdown();
  });
  const parsed = () => lines.map((l) => JSON.parse(l) as Line);
  return { client, parsed };
}

describe('the call context (no AsyncLocalStorage)', () => {
  it("hands the handler the caller's request id and trace, and a logger whose lines carry them", async () => {
    const { client, parsed } = await start();
    const seen = await client.work({ text: 'a' }, { context: { requestId: 'req-ctx-0001', trace: TRACE } });
    expect(seen).toMatchObject({ requestId: 'req-ctx-0001', traceId: TRACE.traceId });
    // the call is a span of its own in the caller's trace
    expect(seen.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(seen.spanId).not.toBe(TRACE.spanId);
    const line = parsed().find((l) => l.msg === 'inside the handler');
    expect(line).toMatchObject({
      service: 'svc',
      text: 'a',
      requestId: 'req-ctx-0001',
      traceId: TRACE.traceId,
      spanId: seen.spanId,
    });
  });

  it('gives a call without context a request id of its own, on its lines, and no trace', async () => {
    const { client, parsed } = await start();
    const seen = await client.work({ text: 'b' });
    expect(seen.requestId).toMatch(/\S{8,}/);
    expect(seen.traceId).toBeUndefined();
    const line = parsed().find((l) => l.msg === 'inside the handler');
    expect(line?.requestId).toBe(seen.requestId);
    expect(line?.traceId).toBeUndefined();
  });

  it('carries the request id and trace on to a call made while serving, when the handler passes its context', async () => {
    const { client, parsed } = await start();
    const seen = await client.relay({ text: 'c' }, { context: { requestId: 'req-ctx-0002', trace: TRACE } });
    expect(seen).toMatchObject({ requestId: 'req-ctx-0002', traceId: TRACE.traceId });
    expect(parsed().find((l) => l.msg === 'inside the handler')).toMatchObject({
      requestId: 'req-ctx-0002',
      traceId: TRACE.traceId,
    });
  });

  it("handleCall logs an unexpected error through the call's logger, with its ids", async () => {
    const lines: string[] = [];
    const logger = createLogger('svc', 'info', {}, (l) => lines.push(l));
    const log = requestLogger(logger, { requestId: 'req-ctx-0003', trace: TRACE });
    const out = await handleCall(
      { grpc_service: 'test.v1.Ctx', grpc_method: 'Work' },
      { requestId: 'req-ctx-0003', trace: TRACE, log },
      () => Promise.reject(new Error('boom')),
      { logger, metrics: createMetrics('test') },
    );
    expect(out.ok).toBe(false);
    const [line] = lines.map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(1);
    expect(line).toMatchObject({
      level: 'error',
      msg: 'unhandled error',
      method: 'Work',
      requestId: 'req-ctx-0003',
      traceId: TRACE.traceId,
    });
  });
});

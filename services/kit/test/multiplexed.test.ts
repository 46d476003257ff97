/** Unary methods carried over one stream (Carry): real grpc-js server and client on loopback. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  credentials,
  status,
  type Client,
  type ClientDuplexStream,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import { DirectoryServiceService } from '../../../proto/gen/directory/v1/directory.js';
import { AppError } from '../src/errors.js';
import type { CallContext } from '../src/grpc-server.js';
import { connect, type CallOptions } from '../src/grpc-client.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { Carrier, carriedClient, serveCarried, type CarriedAnswer, type CarriedCall } from '../src/multiplexed.js';
import { jsonUnary } from './support/json-methods.js';

type Ask = { text: string; delayMs?: number; fail?: 'denied' | 'crash' | 'never'; probeMs?: number; bigMb?: number };
type Reply = { text: string; requestId: string; ended?: boolean };

// Carry's messages as the services' protos declare them
const def = {
  ask: jsonUnary('/test.v1.Echo/Ask'),
  write: jsonUnary('/test.v1.Echo/Write'),
  carry: { ...DirectoryServiceService.carry, path: '/test.v1.Echo/Carry' },
};
const CARRIED = { ask: 'read', write: 'write' } as const;
const EchoClient = makeGenericClientConstructor(def, 'Echo');
type EchoStub = Client & { carry(): ClientDuplexStream<CarriedCall, CarriedAnswer> };
type Echo = {
  ask(req: Ask, opts?: CallOptions): Promise<Reply>;
  write(req: Ask, opts?: CallOptions): Promise<Reply>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines: string[] = [];
const logger = createLogger('test', 'debug', {}, (l) => lines.push(l));

async function handle(req: Ask, ctx: CallContext): Promise<Reply> {
  if (req.probeMs) {
    await sleep(req.probeMs);
    probes.push({ text: req.text, ended: ctx.signal?.aborted });
    return { text: req.text, requestId: ctx.requestId, ended: ctx.signal?.aborted };
  }
  if (req.delayMs) await sleep(req.delayMs);
  if (req.bigMb) return { text: 'x'.repeat(req.bigMb * 1024 * 1024), requestId: ctx.requestId };
  if (req.fail === 'denied') throw new AppError('UNAUTHENTICATED', `no entry for ${req.text}`, 'denied');
  if (req.fail === 'crash') throw new Error('boom');
  if (req.fail === 'never') await new Promise(() => undefined);
  return { text: req.text.toUpperCase(), requestId: ctx.requestId };
}
const handlers = { ask: handle, write: handle };
const probes: Array<{ text: string; ended: boolean | undefined }> = [];

const started: Array<{ server: Server; client: Client }> = [];
afterEach(() => {
  for (const { server, client } of started.splice(0)) {
    client.close();
    server.forceShutdown();
  }
});

async function start(
  streamHandler?: (call: ServerDuplexStream<CarriedCall, CarriedAnswer>) => void,
  carrierOpts: { rotateMs?: number } = {},
  serverOpts: Record<string, number> = {},
) {
  const metrics = createMetrics('test');
  const inFlight = { count: 0 };
  const served = serveCarried(def, handlers, CARRIED, { logger, metrics, inFlight });
  const server = new Server(serverOpts);
  let streams = 0;
  server.addService(def, {
    ask: () => undefined,
    write: () => undefined,
    carry: (call: ServerDuplexStream<CarriedCall, CarriedAnswer>) => {
      streams++;
      (streamHandler ?? served.handler)(call);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  // the client as the gateway makes it (grpc-client.ts: its message size limit)
  const client = connect(EchoClient as never, `127.0.0.1:${port}`).raw as unknown as EchoStub;
  started.push({ server, client });
  const carrier = new Carrier(() => client.carry(), { metrics, defaultDeadlineMs: 2000, ...carrierOpts });
  const echo = carriedClient({} as Echo, def, carrier, CARRIED);
  return { echo, carrier, served, metrics, inFlight, streams: () => streams };
}

describe('unary methods carried over one stream', () => {
  it('answers concurrent calls of several methods each with its own answer, whatever order they finish in, over one stream', async () => {
    const { echo, carrier, metrics, streams } = await start();
    const asks = Array.from({ length: 50 }, (_, i) => ({ text: `q${i}`, delayMs: (50 - i) % 7 }));
    const replies = await Promise.all(asks.map((q, i) => (i % 2 ? echo.ask(q) : echo.write(q))));
    expect(replies.map((r) => r.text)).toEqual(asks.map((q) => q.text.toUpperCase()));
    expect(streams()).toBe(1);
    expect(carrier.inFlight).toBe(0);
    // counted under the unary methods' names, as unary calls are
    const counted = await metrics.registry.getSingleMetricAsString('grpc_server_handled_total');
    expect(counted).toMatch(/grpc_method="Ask"[^\n]*grpc_code="OK"[^\n]* 25/);
    expect(counted).toMatch(/grpc_method="Write"[^\n]*grpc_code="OK"[^\n]* 25/);
    const sent = await metrics.registry.getSingleMetricAsString('grpc_client_handled_total');
    expect(sent).toMatch(/grpc_method="Ask"[^\n]* 25/);
  });

  it('carries the request id and the trace to the handler and its log lines', async () => {
    const { echo } = await start();
    const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };
    const reply = await echo.ask({ text: 'hello' }, { context: { requestId: 'trace-0123456789', trace } });
    expect(reply.requestId).toBe('trace-0123456789');
    expect(
      lines.some(
        (l) =>
          (JSON.parse(l) as { requestId?: string }).requestId === 'trace-0123456789' && l.includes('"stream":true'),
      ),
    ).toBe(true);
    const traced = lines.find((l) => l.includes('trace-0123456789') && l.includes(trace.traceId));
    expect(traced).toBeDefined();
  });

  it("carries each call's deadline: the handler sees its call end when the caller's deadline passes", async () => {
    const { echo } = await start();
    const [short, long] = await Promise.all([
      echo.ask({ text: 'short', probeMs: 300 }, { deadlineMs: 100 }).catch((e: { code: number }) => e),
      echo.ask({ text: 'long', probeMs: 300 }, { deadlineMs: 5000 }),
    ]);
    expect(short).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(long.ended).toBe(false);
    // the short call's handler went on after the caller left, and saw its call had ended
    for (let i = 0; probes.length < 2 && i < 100; i++) await sleep(10);
    expect(probes).toEqual(
      expect.arrayContaining([
        { text: 'short', ended: true },
        { text: 'long', ended: false },
      ]),
    );
  });

  it('fails a call as the unary method would: status, message and metadata, and the stream goes on', async () => {
    const { echo, streams } = await start();
    const denied = await echo.ask({ text: 'mallory', fail: 'denied' }).catch((e) => e);
    expect(denied).toMatchObject({ code: status.UNAUTHENTICATED, details: 'no entry for mallory' });
    expect(denied.metadata.get('error-reason')).toEqual(['denied']);
    const crashed = await echo.write({ text: 'x', fail: 'crash' }).catch((e) => e);
    expect(crashed.code).toBe(status.INTERNAL);
    expect(crashed.details).not.toContain('boom');
    expect(crashed.metadata.get('error-id')[0]).toMatch(/^[0-9a-f]{28}$/);
    expect((await echo.ask({ text: 'ok' })).text).toBe('OK');
    expect(streams()).toBe(1);
  });

  it('carries a large answer (a 100,000-member group renders to ~20 MB) while small calls go on', async () => {
    const { echo, streams } = await start();
    const [big, ...small] = await Promise.all([
      echo.write({ text: 'big', bigMb: 24 }),
      ...Array.from({ length: 20 }, (_, i) => echo.ask({ text: `s${i}` })),
    ]);
    expect(big.text.length).toBe(24 * 1024 * 1024);
    expect(small.map((r) => r.text)).toEqual(Array.from({ length: 20 }, (_, i) => `S${i}`));
    expect(streams()).toBe(1);
  }, 30000);

  it('answers a method it does not carry UNIMPLEMENTED', async () => {
    const { carrier } = await start();
    const other = { ...def.ask, path: '/test.v1.Echo/Other' };
    await expect(carrier.call(other, { text: 'x' }, true)).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
  });

  it('drops a stream on which nothing was answered for a whole deadline, and keeps one that answers others', async () => {
    const { echo, streams } = await start();
    const slow = await echo.ask({ text: 'slow', fail: 'never' }, { deadlineMs: 100 }).catch((e) => e);
    expect(slow.code).toBe(status.DEADLINE_EXCEEDED);
    expect((await echo.ask({ text: 'next' })).text).toBe('NEXT');
    expect(streams()).toBe(2);
    // a slow call among answered ones: the stream is alive
    const [late] = await Promise.all([
      echo.ask({ text: 'slow', fail: 'never' }, { deadlineMs: 150 }).catch((e) => e),
      (async () => {
        for (let i = 0; i < 10; i++) await echo.ask({ text: `busy${i}`, delayMs: 20 });
      })(),
    ]);
    expect(late.code).toBe(status.DEADLINE_EXCEEDED);
    expect((await echo.ask({ text: 'after' })).text).toBe('AFTER');
    expect(streams()).toBe(2);
  });

  it('when a stream breaks before answering, sends a read again on a new stream and fails a write UNAVAILABLE', async () => {
    let first = true;
    const metrics = createMetrics('test');
    const served = serveCarried(def, handlers, CARRIED, { logger, metrics });
    const taken: string[] = [];
    const { echo, streams } = await start((call) => {
      if (!first) return served.handler(call);
      first = false;
      // takes both calls, says nothing, ends
      call.on('data', (q: CarriedCall) => {
        taken.push(q.method);
        if (taken.length === 2) call.end();
      });
    });
    const [read, write] = await Promise.all([
      echo.ask({ text: 'again' }),
      echo.write({ text: 'once' }).catch((e) => e),
    ]);
    expect(read.text).toBe('AGAIN');
    expect(write.code).toBe(status.UNAVAILABLE);
    expect(write.details).toMatch(/may or may not have been applied/);
    expect(taken.sort()).toEqual(['Ask', 'Write']);
    expect(streams()).toBe(2);
  });

  it('when draining answers what it has, then ends; later calls are not run and fail UNAVAILABLE instead of hanging', async () => {
    const { echo, served, inFlight: handling } = await start();
    const inFlight = echo.write({ text: 'slow', delayMs: 150 });
    // drain once the server is answering it (a fixed sleep raced with a loaded machine)
    for (let i = 0; handling.count === 0 && i < 500; i++) await sleep(5);
    expect(handling.count).toBe(1);
    served.drain();
    expect((await inFlight).text).toBe('SLOW');
    await sleep(50);
    expect(served.open).toBe(0);
    const later = await echo.ask({ text: 'late' }).catch((e) => e);
    expect(later.code).toBe(status.UNAVAILABLE);
    expect(handling.count).toBe(0);
  });

  it('moves new calls to a new stream once the current one is old, and the old one ends once it has answered', async () => {
    const { echo, served, streams } = await start(undefined, { rotateMs: 40 });
    const replies: Reply[] = [];
    for (let round = 0; round < 5; round++) {
      replies.push(...(await Promise.all([0, 1, 2].map((i) => echo.write({ text: `r${round}.${i}`, delayMs: 15 })))));
      await sleep(15);
    }
    expect(replies.map((r) => r.text)).toEqual(
      [0, 1, 2, 3, 4].flatMap((round) => [0, 1, 2].map((i) => `R${round}.${i}`)),
    );
    expect(streams()).toBeGreaterThan(1);
    await sleep(50);
    expect(served.open).toBeLessThanOrEqual(1);
  });

  it('loses no write while the server keeps closing connections by age (streams move before the grace ends)', async () => {
    // every connection is closed 50 ms after it opened and cut 150 ms later: a stream kept longer loses its calls
    const { echo, inFlight } = await start(
      undefined,
      { rotateMs: 40 },
      { 'grpc.max_connection_age_ms': 50, 'grpc.max_connection_age_grace_ms': 150 },
    );
    const failures: unknown[] = [];
    let ok = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 100; i++) {
        try {
          await echo.write({ text: `w${w}.${i}`, delayMs: i % 3 });
          ok++;
        } catch (err) {
          failures.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    expect(failures).toEqual([]);
    expect(ok).toBe(800);
    expect(inFlight.count).toBe(0);
  }, 60000);

  it('fails fast with UNAVAILABLE when the server cannot be reached', async () => {
    const client = new EchoClient('127.0.0.1:1', credentials.createInsecure()) as unknown as EchoStub;
    const echo = carriedClient(
      {} as Echo,
      def,
      new Carrier(() => client.carry(), { defaultDeadlineMs: 5000 }),
      CARRIED,
    );
    const t0 = Date.now();
    const err = await echo.ask({ text: 'x' }).catch((e) => e);
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(Date.now() - t0).toBeLessThan(5000);
    client.close();
  });

  it('rejects calls still unanswered when closed', async () => {
    const { echo, carrier } = await start();
    const pending = echo.ask({ text: 'x', fail: 'never' });
    carrier.close();
    await expect(pending).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(echo.ask({ text: 'y' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});

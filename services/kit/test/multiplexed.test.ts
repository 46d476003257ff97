/** A unary method carried over one stream: real grpc-js server and client on loopback. */
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
import { AppError } from '../src/errors.js';
import { createLogger, requestContext } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { carriedBy, MultiplexedClient, serveMultiplexed, type Answer, type Question } from '../src/multiplexed.js';

type Ask = { text: string; delayMs?: number; fail?: 'denied' | 'crash' | 'never' };
type Reply = { text: string; requestId: string };

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()),
};
const def = {
  ask: {
    path: '/test.v1.Echo/Ask',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
  askStream: {
    path: '/test.v1.Echo/AskStream',
    requestStream: true,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} as const;
const EchoClient = makeGenericClientConstructor(def, 'Echo');
type EchoStub = Client & { askStream(): ClientDuplexStream<Question<Ask>, Answer<Reply>> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines: string[] = [];
const logger = createLogger('test', 'debug', {}, (l) => lines.push(l));

async function handle(req: Ask, ctx: { requestId: string }): Promise<Reply> {
  if (req.delayMs) await sleep(req.delayMs);
  if (req.fail === 'denied') throw new AppError('UNAUTHENTICATED', `no entry for ${req.text}`, 'denied');
  if (req.fail === 'crash') throw new Error('boom');
  if (req.fail === 'never') await new Promise(() => undefined);
  return { text: req.text.toUpperCase(), requestId: ctx.requestId };
}

const started: Array<{ server: Server; client: Client }> = [];
afterEach(() => {
  for (const { server, client } of started.splice(0)) {
    client.close();
    server.forceShutdown();
  }
});

async function start(streamHandler?: (call: ServerDuplexStream<Question<Ask>, Answer<Reply>>) => void) {
  const metrics = createMetrics('test');
  const inFlight = { count: 0 };
  const served = serveMultiplexed(carriedBy(def.ask), handle, { logger, metrics, inFlight });
  const server = new Server();
  let streams = 0;
  server.addService(def, {
    ask: () => undefined,
    askStream: (call: ServerDuplexStream<Question<Ask>, Answer<Reply>>) => {
      streams++;
      (streamHandler ?? served.handler)(call);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const client = new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as EchoStub;
  started.push({ server, client });
  const asker = new MultiplexedClient<Ask, Reply>(() => client.askStream(), carriedBy(def.ask), {
    metrics,
    defaultDeadlineMs: 2000,
  });
  return { asker, served, metrics, inFlight, streams: () => streams };
}

describe('a unary method over one stream', () => {
  it('answers concurrent questions each with its own answer, whatever order they finish in, over one stream', async () => {
    const { asker, metrics, streams } = await start();
    const questions = Array.from({ length: 50 }, (_, i) => ({ text: `q${i}`, delayMs: (50 - i) % 7 }));
    const replies = await Promise.all(questions.map((q) => asker.call(q)));
    expect(replies.map((r) => r.text)).toEqual(questions.map((q) => q.text.toUpperCase()));
    expect(streams()).toBe(1);
    expect(asker.inFlight).toBe(0);
    const counted = await metrics.registry.getSingleMetricAsString('grpc_server_handled_total');
    expect(counted).toContain('grpc_method="Ask"');
    expect(counted).toMatch(/grpc_code="OK"[^\n]* 50/);
  });

  it('carries the request id to the handler and its log lines', async () => {
    const { asker } = await start();
    const reply = await requestContext.run({ requestId: 'trace-0123456789' }, () => asker.call({ text: 'hello' }));
    expect(reply.requestId).toBe('trace-0123456789');
    expect(lines.some((l) => JSON.parse(l).requestId === 'trace-0123456789' && l.includes('"stream":true'))).toBe(true);
  });

  it('fails a question as the unary method would: status, message and metadata, and the stream goes on', async () => {
    const { asker, streams } = await start();
    const denied = await asker.call({ text: 'mallory', fail: 'denied' }).catch((e) => e);
    expect(denied).toMatchObject({ code: status.UNAUTHENTICATED, details: 'no entry for mallory' });
    expect(denied.metadata.get('error-reason')).toEqual(['denied']);
    const crashed = await asker.call({ text: 'x', fail: 'crash' }).catch((e) => e);
    expect(crashed.code).toBe(status.INTERNAL);
    expect(crashed.details).not.toContain('boom');
    expect(crashed.metadata.get('error-id')[0]).toMatch(/^[0-9a-f]{28}$/);
    expect((await asker.call({ text: 'ok' })).text).toBe('OK');
    expect(streams()).toBe(1);
  });

  it('applies a deadline per question and drops the stream it was asked on', async () => {
    const { asker, streams } = await start();
    const slow = await asker.call({ text: 'slow', fail: 'never' }, { deadlineMs: 100 }).catch((e) => e);
    expect(slow.code).toBe(status.DEADLINE_EXCEEDED);
    expect((await asker.call({ text: 'next' })).text).toBe('NEXT');
    expect(streams()).toBe(2);
  });

  it('asks again on a new stream when a stream ends before answering', async () => {
    let first = true;
    const metrics = createMetrics('test');
    const served = serveMultiplexed(carriedBy(def.ask), handle, { logger, metrics });
    const { asker, streams } = await start((call) => {
      if (!first) return served.handler(call);
      first = false;
      call.on('data', () => call.end()); // takes the question, says nothing, ends
    });
    expect((await asker.call({ text: 'again' })).text).toBe('AGAIN');
    expect(streams()).toBe(2);
  });

  it('when draining answers what it has, then ends; later questions fail UNAVAILABLE instead of hanging', async () => {
    const { asker, served, inFlight: handling } = await start();
    const inFlight = asker.call({ text: 'slow', delayMs: 150 });
    // drain once the server is answering it (a fixed sleep raced with a loaded machine)
    for (let i = 0; handling.count === 0 && i < 500; i++) await sleep(5);
    expect(handling.count).toBe(1);
    served.drain();
    expect((await inFlight).text).toBe('SLOW');
    await sleep(50);
    expect(served.open).toBe(0);
    const later = await asker.call({ text: 'late' }).catch((e) => e);
    expect(later.code).toBe(status.UNAVAILABLE);
  });

  it('fails fast with UNAVAILABLE when the server cannot be reached', async () => {
    const client = new EchoClient('127.0.0.1:1', credentials.createInsecure()) as unknown as EchoStub;
    const asker = new MultiplexedClient<Ask, Reply>(() => client.askStream(), carriedBy(def.ask), {
      defaultDeadlineMs: 5000,
    });
    const t0 = Date.now();
    const err = await asker.call({ text: 'x' }).catch((e) => e);
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(Date.now() - t0).toBeLessThan(5000);
    client.close();
  });

  it('rejects questions still unanswered when closed', async () => {
    const { asker } = await start();
    const pending = asker.call({ text: 'x', fail: 'never' });
    asker.close();
    await expect(pending).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(asker.call({ text: 'y' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});

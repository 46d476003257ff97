/** Work stops when the caller has gone: a real grpc-js server and client on loopback. */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  credentials,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { AppError, stopIfCallEnded, type CallEnd } from '../src/errors.js';
import { implement } from '../src/grpc-server.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()),
};
const def = {
  work: {
    path: '/test.v1.Slow/Work',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} as const;
const SlowClient = makeGenericClientConstructor(def, 'Slow');
type Stub = Client & {
  work(req: unknown, opts: { deadline: number }, cb: (err: ServiceError | null, res?: unknown) => void): void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: Array<{ server: Server; client: Client }> = [];
afterEach(() => {
  for (const { server, client } of started.splice(0)) {
    client.close();
    server.forceShutdown();
  }
});

describe('unary calls carry their end (deadline passed or cancelled) to the handler', () => {
  it('is aborted when the deadline passes, so the handler stops before its write', async () => {
    const steps: string[] = [];
    const server = new Server();
    server.addService(
      def,
      implement(
        def as never,
        {
          async work(_req: unknown, ctx: { signal?: CallEnd }) {
            for (let i = 0; i < 50; i++) {
              stopIfCallEnded(ctx.signal);
              steps.push(`step ${i}`);
              await sleep(20);
            }
            steps.push('write');
            return {};
          },
        } as never,
        { logger: createLogger('test', 'error', {}, () => {}), metrics: createMetrics('test') },
      ),
    );
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    const client = new SlowClient(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Stub;
    started.push({ server, client });
    const err = await new Promise<ServiceError | null>((res) =>
      client.work({}, { deadline: Date.now() + 150 }, (e) => res(e)),
    );
    expect(err?.code).toBe(status.DEADLINE_EXCEEDED);
    await sleep(100); // the handler reaches its next step and stops
    expect(steps).not.toContain('write');
    expect(steps.length).toBeLessThan(50);
  });

  it('stopIfCallEnded throws a DEADLINE_EXCEEDED AppError only once aborted', () => {
    const c = new AbortController();
    expect(() => stopIfCallEnded(c.signal)).not.toThrow();
    expect(() => stopIfCallEnded(undefined)).not.toThrow();
    c.abort();
    expect(() => stopIfCallEnded(c.signal)).toThrow(AppError);
  });
});

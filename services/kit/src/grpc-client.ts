/**
 * Promise-based gRPC clients: the current request id travels in metadata, every call has a deadline, and
 * outcomes are counted. Errors keep their gRPC status so callers can map them once.
 */
import { ChannelCredentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, type GrpcTls } from './grpc-tls.js';
import type { RequestContext } from './logger.js';
import { formatTraceparent, newSpanId } from './trace-context.js';
import type { Metrics } from './metrics.js';
import type { RequestOf, ResponseOf, ServiceDef, UnaryKeys } from './grpc-server.js';

/**
 * Options of one call: its deadline (the client's default when absent) and the request it is made for, whose
 * id and trace travel with it (`x-request-id`, `traceparent`); absent for work no request started.
 */
export interface CallOptions {
  deadlineMs?: number;
  context?: RequestContext;
}

/** Unary methods as promises; streaming methods are used through `raw` (see multiplexed.ts). */
export type PromiseClient<D extends ServiceDef> = {
  [K in UnaryKeys<D>]: (request: RequestOf<D[K]>, options?: CallOptions) => Promise<ResponseOf<D[K]>>;
} & { readonly raw: Client; close(): void };

/** A unary method of a grpc-js client, as `makeGenericClientConstructor` builds it. */
type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, res: unknown) => void,
) => void;
type ClientCtor = new (address: string, creds: ChannelCredentials, options?: object) => Client;

export interface ConnectOptions {
  metrics?: Metrics;
  defaultDeadlineMs?: number;
  /** TLS with a client certificate (grpc-tls.ts); plaintext when absent. */
  tls?: GrpcTls;
}

export function connect<D extends ServiceDef>(
  Ctor: ClientCtor & { service: D },
  address: string,
  opts: ConnectOptions = {},
): PromiseClient<D> {
  // Transparent retries stay on (grpc-js's default): a call started on a connection the server is closing by age
  // (`grpc.max_connection_age_ms`, service-runtime.ts) never reached the server and is sent again on a new one;
  // without them such calls failed with UNAVAILABLE, a 503 at the gateway every few minutes under load
  // (test/grpc-client.test.ts). No retry policy is configured, so a call the server has seen is never repeated.
  // The request id and the outcome counter are handled here rather than in an interceptor: one less layer of
  // objects on every call of the SCIM hot path.
  // Large answers are legitimate: a group of 100,000 members renders to ~20 MB.
  const channel = channelCredentials(opts.tls);
  const raw = new Ctor(address, channel.credentials, {
    ...channel.options,
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
  });
  const out: Record<string, unknown> = { raw, close: () => raw.close() };
  for (const key of Object.keys(Ctor.service)) {
    if (Ctor.service[key].requestStream || Ctor.service[key].responseStream) continue;
    const method = (raw as unknown as Record<string, UnaryMethod>)[key].bind(raw);
    const [, grpcService, grpcMethod] = Ctor.service[key].path.split('/');
    const counted = (code: number) =>
      opts.metrics?.grpcClientHandled.inc({
        grpc_service: grpcService,
        grpc_method: grpcMethod,
        grpc_code: status[code],
      });
    out[key] = (request: unknown, callOpts?: CallOptions) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (callOpts?.deadlineMs ?? opts.defaultDeadlineMs ?? 10_000);
        const metadata = new Metadata();
        const ctx = callOpts?.context;
        if (ctx) {
          metadata.set('x-request-id', ctx.requestId);
          // W3C trace context: the caller's trace, a span id for this call.
          if (ctx.trace) metadata.set('traceparent', formatTraceparent({ ...ctx.trace, spanId: newSpanId() }));
        }
        method(request, metadata, { deadline }, (err: ServiceError | null, res: unknown) => {
          counted(err ? err.code : status.OK);
          if (err) reject(err);
          else resolve(res);
        });
      });
  }
  return out as PromiseClient<D>;
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as ServiceError).code === 'number' && 'metadata' in err;
}

export function metadataValue(err: ServiceError, key: string): string | undefined {
  const v = err.metadata?.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/**
 * Promise-based gRPC clients: the current request id travels in metadata, every call has a deadline, and
 * outcomes are counted. Errors keep their gRPC status so callers can map them once.
 */
import { ChannelCredentials, InterceptingCall, Metadata, credentials, status, type Client, type Interceptor, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { currentRequestId } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RequestOf, ResponseOf, ServiceDef } from './grpc-server.js';

export type PromiseClient<D extends ServiceDef> = {
  [K in keyof D]: (request: RequestOf<D[K]>, options?: { deadlineMs?: number }) => Promise<ResponseOf<D[K]>>;
} & { readonly raw: Client; close(): void };

type ClientCtor = new (address: string, creds: ChannelCredentials, options?: object) => Client;

export interface ConnectOptions {
  metrics?: Metrics;
  defaultDeadlineMs?: number;
}

function requestIdInterceptor(metrics: Metrics | undefined): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        const id = currentRequestId();
        if (id) metadata.set('x-request-id', id);
        const [, grpcService, grpcMethod] = (options.method_definition.path ?? '').split('/');
        next(metadata, {
          onReceiveMetadata: (md: Metadata) => listener.onReceiveMetadata(md),
          onReceiveMessage: (msg: unknown) => listener.onReceiveMessage(msg),
          onReceiveStatus: (st: StatusObject) => {
            metrics?.grpcClientHandled.inc({ grpc_service: grpcService, grpc_method: grpcMethod, grpc_code: status[st.code] });
            listener.onReceiveStatus(st);
          },
        });
      },
    });
}

export function connect<D extends ServiceDef>(Ctor: ClientCtor & { service: D }, address: string, opts: ConnectOptions = {}): PromiseClient<D> {
  // No transparent retries: callers handle UNAVAILABLE themselves, and retry buffering copies every message.
  const raw = new Ctor(address, credentials.createInsecure(), { interceptors: [requestIdInterceptor(opts.metrics)], 'grpc.enable_retries': 0 });
  const out: Record<string, unknown> = { raw, close: () => raw.close() };
  for (const key of Object.keys(Ctor.service)) {
    const method = (raw as unknown as Record<string, Function>)[key].bind(raw);
    out[key] = (request: unknown, callOpts?: { deadlineMs?: number }) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (callOpts?.deadlineMs ?? opts.defaultDeadlineMs ?? 10_000);
        method(request, new Metadata(), { deadline }, (err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
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

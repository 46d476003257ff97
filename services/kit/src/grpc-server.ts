/**
 * Turns async handlers into a grpc-js service: request id and trace from metadata into the call's context and
 * logger (CallContext, passed to the handler; no AsyncLocalStorage), metrics, typed errors mapped to status
 * codes in one place, unexpected errors reduced to INTERNAL + error id.
 */
import {
  Metadata,
  status,
  type Server,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { AppError, appErrorMetadata, grpcStatusOf, type CallEnd } from './errors.js';
import { newId } from './ids.js';
import { requestLogger, type Logger, type RequestScope } from './logger.js';
import { childrenBy, type Metrics } from './metrics.js';
import { continueTrace, parseTraceparent, type TraceContext } from './trace-context.js';

export interface MethodDef {
  path: string;
  requestStream?: boolean;
  responseStream?: boolean;
  requestDeserialize: (b: Buffer) => unknown;
  // `never`: any one-argument serializer fits; ResponseOf reads the concrete definition's argument type.
  responseSerialize: (v: never) => Buffer;
}
export type ServiceDef = Record<string, MethodDef>;
export type UnaryKeys<D extends ServiceDef> = {
  [K in keyof D]: D[K] extends { requestStream: true } | { responseStream: true } ? never : K;
}[keyof D];
type StreamKeys<D extends ServiceDef> = Exclude<keyof D, UnaryKeys<D>>;
/** Streaming methods are written against grpc-js directly (see multiplexed.ts). */
export type StreamHandlers<D extends ServiceDef> = { [K in StreamKeys<D>]: (call: never) => void };
export type RequestOf<M extends MethodDef> = ReturnType<M['requestDeserialize']>;
export type ResponseOf<M extends MethodDef> = Parameters<M['responseSerialize']>[0];

/**
 * What a handler knows of its call. Nothing about the call is kept implicitly (no AsyncLocalStorage): what the
 * handler records, logs or calls on its behalf takes the request id, trace and logger from here, passed down.
 */
export interface CallContext extends RequestScope {
  /** The caller's W3C trace continued for this call, when it sent one. */
  trace?: TraceContext;
  metadata: Metadata;
  /** Aborted when the caller has gone: its deadline passed or it cancelled the call (errors.ts: stopIfCallEnded). */
  signal?: CallEnd;
}

/** The end of a unary call: its deadline passed or the client cancelled. Read when asked, no timer per call. */
function callEnd(call: ServerUnaryCall<unknown, unknown>): CallEnd {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  const until = Number.isFinite(at) ? at : Number.POSITIVE_INFINITY;
  return {
    get aborted() {
      return call.cancelled || Date.now() >= until;
    },
  };
}

export type Handlers<D extends ServiceDef> = {
  [K in UnaryKeys<D>]: (request: RequestOf<D[K]>, ctx: CallContext) => Promise<ResponseOf<D[K]>>;
};

/** Maps a domain error of a service to an AppError; return undefined for "not mine". */
export type ErrorMapper = (err: unknown) => AppError | undefined;

export interface ImplementOptions {
  logger: Logger;
  metrics: Metrics;
  mapError?: ErrorMapper;
  /** Counts calls in flight, for graceful shutdown logs. */
  inFlight?: { count: number };
}

export function toServiceError(
  err: unknown,
  opts: Pick<ImplementOptions, 'logger' | 'mapError'>,
  method: string,
): Partial<ServiceError> {
  const app = err instanceof AppError ? err : opts.mapError?.(err);
  if (app) return { code: grpcStatusOf[app.code], details: app.message, metadata: appErrorMetadata(app) };
  const errorId = newId();
  opts.logger.error('unhandled error', { method, errorId, err });
  const metadata = new Metadata();
  metadata.set('error-id', errorId);
  return { code: status.INTERNAL, details: `internal error (error id ${errorId})`, metadata };
}

export type CallOutcome<R> = { ok: true; value: R } | { ok: false; error: Partial<ServiceError> & { code: number } };

/**
 * One call's bookkeeping, for unary calls and for questions carried by a stream alike: handling time and outcome
 * metrics, the in-flight count, and errors mapped to a status (never thrown), logged through the call's logger.
 */
/** The server metrics' children of each method and outcome, made once per Metrics (no label object per call). */
const serverChildren = new WeakMap<
  Metrics,
  {
    handled: (service: string, method: string, code: string) => { inc(): void };
    handling: (service: string, method: string) => { startTimer(): () => void };
  }
>();
function childrenOf(metrics: Metrics) {
  const known = serverChildren.get(metrics);
  if (known) return known;
  const made = {
    handled: childrenBy((service, method, code) => metrics.grpcServerHandled.labels(service, method, code)),
    handling: childrenBy((service, method) => metrics.grpcServerHandling.labels(service, method)),
  };
  serverChildren.set(metrics, made);
  return made;
}

export function handleCall<R>(
  labels: { grpc_service: string; grpc_method: string },
  call: RequestScope,
  run: () => Promise<R>,
  opts: ImplementOptions,
  logFields: Record<string, unknown> = {},
): Promise<CallOutcome<R>> {
  const { log } = call;
  const children = childrenOf(opts.metrics);
  const end = children.handling(labels.grpc_service, labels.grpc_method).startTimer();
  const started = log.enabled('debug') ? process.hrtime.bigint() : 0n;
  const counted = (code: number) => {
    children.handled(labels.grpc_service, labels.grpc_method, status[code]).inc();
    end();
    if (opts.inFlight) opts.inFlight.count--;
    if (log.enabled('debug'))
      log.debug('call handled', {
        method: labels.grpc_method,
        ...logFields,
        grpcCode: status[code],
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
  };
  if (opts.inFlight) opts.inFlight.count++;
  return run().then(
    (value): CallOutcome<R> => {
      counted(status.OK);
      return { ok: true, value };
    },
    (err: unknown): CallOutcome<R> => {
      const se = toServiceError(err, { logger: log, mapError: opts.mapError }, labels.grpc_method);
      const code = se.code ?? status.INTERNAL;
      counted(code);
      return { ok: false, error: { ...se, code } };
    },
  );
}

export function implement<D extends ServiceDef>(
  definition: D,
  handlers: Handlers<D>,
  opts: ImplementOptions,
  streams?: StreamHandlers<D>,
): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const key of Object.keys(definition)) {
    const [, serviceName, methodName] = definition[key].path.split('/');
    if (definition[key].requestStream || definition[key].responseStream) {
      const stream = (streams as Record<string, ((call: never) => void) | undefined> | undefined)?.[key];
      if (!stream) throw new Error(`no handler for the streaming method ${methodName}`);
      impl[key] = stream as never;
      continue;
    }
    const handler = (handlers as Record<string, (request: never, ctx: CallContext) => Promise<unknown>>)[key];
    const labels = { grpc_service: serviceName, grpc_method: methodName };
    impl[key] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const requestId = String(call.metadata.get('x-request-id')[0] ?? '') || newId();
      const parent = parseTraceparent(String(call.metadata.get('traceparent')[0] ?? ''));
      const trace = parent ? continueTrace(parent) : undefined;
      const log = requestLogger(opts.logger, { requestId, trace });
      void handleCall(
        labels,
        { requestId, trace, log },
        () => handler(call.request as never, { requestId, trace, log, metadata: call.metadata, signal: callEnd(call) }),
        opts,
      ).then((out) => {
        if (out.ok) callback(null, out.value);
        else callback(out.error);
      });
    };
  }
  return impl;
}

export type { Server };

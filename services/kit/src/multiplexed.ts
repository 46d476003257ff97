/**
 * Unary methods carried over one long-lived bidirectional stream (`Carry` in a service's proto), for the calls
 * made on every request: the gateway's SCIM calls to the directory and its credential verifications. A carried
 * call costs client and server a fraction of a unary gRPC call: no HTTP/2 stream, headers or trailers per call,
 * and none of the per-stream objects grpc-js and Node's http2 make (Node 20 binds two AsyncResources per stream).
 *
 * Each call carries an id its answer repeats, the method's name, the encoded request, the caller's request id
 * and traceparent, and its deadline; each answer carries the encoded response or the status code, message and
 * metadata the unary method would have failed with. Semantics stay those of the unary method: every call is run
 * by the same handler as the unary call, with the same CallContext (the deadline becomes `signal`), counted
 * under the unary method's name; nothing is cached here.
 *
 * The server answers calls concurrently and, when draining for shutdown, answers what it has, ends the stream
 * with OK and answers later calls UNAVAILABLE without running them; the client sends those again on a new
 * stream. When a stream breaks with calls unanswered, the client sends again only the methods declared
 * repeatable (reads); the others fail UNAVAILABLE, as a unary call in flight on a broken connection does. A
 * stream on which nothing at all was answered for a whole deadline is taken for dead and dropped.
 */
import { Metadata, status, type ClientDuplexStream, type ServerDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { AppError, type CallEnd } from './errors.js';
import { handleCall, type CallContext, type ImplementOptions, type MethodDef, type ServiceDef } from './grpc-server.js';
import { newId } from './ids.js';
import { requestLogger } from './logger.js';
import type { Carriage } from './carried-methods.js';
import type { CallOptions } from './grpc-client.js';
import { childrenBy, type Metrics } from './metrics.js';
import { continueTrace, formatTraceparent, newSpanId, parseTraceparent } from './trace-context.js';

/** `CarryRequest` of a service's proto (every service that offers Carry declares the same fields). */
export interface CarriedCall {
  id: number;
  method: string;
  request: Buffer;
  requestId: string;
  traceparent: string;
  deadlineMs: number;
}

/** `CarryResponse` of a service's proto. */
export interface CarriedAnswer {
  id: number;
  response: Buffer;
  code: number;
  message: string;
  metadata: { [key: string]: string };
}

function metadataRecord(md: Metadata | undefined): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(md?.getMap() ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

const names = new WeakMap<MethodDef, { service: string; method: string }>();
/** The method's name as carried and counted: "/pkg.Service/Method" → service and method. */
function namesOf(def: MethodDef): { service: string; method: string } {
  let n = names.get(def);
  if (!n) {
    const [, service, method] = def.path.split('/');
    names.set(def, (n = { service, method }));
  }
  return n;
}

/** A unary handler, as `implement` takes them (grpc-server.ts). */
type UnaryHandler = (request: never, ctx: CallContext) => Promise<unknown>;

export interface CarriedServer {
  /** The bidi handler to register for the service's Carry method. */
  handler: (call: ServerDuplexStream<CarriedCall, CarriedAnswer>) => void;
  /** Ends every open stream once its calls are answered; later calls are answered UNAVAILABLE. */
  drain(): void;
  /** Streams open now. */
  readonly open: number;
}

interface ServerStream {
  call: ServerDuplexStream<CarriedCall, CarriedAnswer>;
  pending: number;
  closing: boolean;
  ended: boolean;
}

/** The end of a carried call: its deadline passed or its stream was cancelled. No timer per call. */
function carriedEnd(st: ServerStream, deadlineMs: number): CallEnd {
  const at = deadlineMs > 0 ? Date.now() + deadlineMs : Number.POSITIVE_INFINITY;
  return {
    get aborted() {
      return st.ended || st.call.cancelled || Date.now() >= at;
    },
  };
}

/**
 * Serves the named unary methods of `definition` over its Carry stream, each by its unary handler (the same
 * function `implement` registers for the unary method).
 */
export function serveCarried<D extends ServiceDef>(
  definition: D,
  handlers: { [K in keyof D]?: unknown },
  carried: { readonly [K in keyof D & string]?: Carriage },
  opts: ImplementOptions,
): CarriedServer {
  const methods = new Map<
    string,
    { def: MethodDef; run: UnaryHandler; labels: { grpc_service: string; grpc_method: string } }
  >();
  for (const key of Object.keys(carried)) {
    const def = definition[key];
    const run = handlers[key];
    if (typeof run !== 'function' || def.requestStream || def.responseStream)
      throw new Error(`${key} is not a unary method with a handler: it cannot be carried`);
    const { service, method } = namesOf(def);
    methods.set(method, { def, run: run as UnaryHandler, labels: { grpc_service: service, grpc_method: method } });
  }
  const streams = new Set<ServerStream>();
  let draining = false;

  const finish = (st: ServerStream) => {
    if (st.ended) return;
    st.ended = true;
    streams.delete(st);
    if (!st.call.cancelled) st.call.end();
  };
  const write = (st: ServerStream, answer: CarriedAnswer) => {
    if (!st.ended && !st.call.cancelled) st.call.write(answer);
  };
  const EMPTY = Buffer.alloc(0);
  const failure = (id: number, code: number, message: string, metadata?: Metadata): CarriedAnswer => ({
    id,
    response: EMPTY,
    code,
    message,
    metadata: metadataRecord(metadata),
  });

  const answer = (st: ServerStream, q: CarriedCall) => {
    const m = methods.get(q.method);
    if (!m) {
      write(st, failure(q.id, status.UNIMPLEMENTED, `the method "${q.method}" is not carried by this stream`));
      return;
    }
    st.pending++;
    const requestId = q.requestId || newId();
    const parent = q.traceparent ? parseTraceparent(q.traceparent) : undefined;
    const trace = parent ? continueTrace(parent) : undefined;
    const log = requestLogger(opts.logger, { requestId, trace });
    const run = () => {
      let request: unknown;
      try {
        request = m.def.requestDeserialize(q.request);
      } catch {
        return Promise.reject(new AppError('INVALID_ARGUMENT', `the ${q.method} request could not be decoded`));
      }
      return m.run(request as never, {
        requestId,
        trace,
        log,
        metadata: st.call.metadata,
        signal: carriedEnd(st, q.deadlineMs),
      });
    };
    void handleCall(m.labels, { requestId, trace, log }, run, opts, { stream: true }).then((out) => {
      if (out.ok) {
        let response: Buffer;
        try {
          response = m.def.responseSerialize(out.value as never);
        } catch {
          write(st, failure(q.id, status.INTERNAL, `the ${q.method} response could not be encoded`));
          return done(st);
        }
        write(st, { id: q.id, response, code: status.OK, message: '', metadata: {} });
      } else write(st, failure(q.id, out.error.code, out.error.details ?? '', out.error.metadata));
      done(st);
    });
  };
  const done = (st: ServerStream) => {
    st.pending--;
    if (st.closing && st.pending === 0) finish(st);
  };

  return {
    handler(call) {
      const st: ServerStream = { call, pending: 0, closing: draining, ended: false };
      streams.add(st);
      call.on('data', (q: CarriedCall) => {
        if (st.closing) {
          write(st, failure(q.id, status.UNAVAILABLE, 'the server is shutting down; ask again on a new stream'));
          return;
        }
        answer(st, q);
      });
      // the client has no more calls
      call.on('end', () => {
        st.closing = true;
        if (st.pending === 0) finish(st);
      });
      call.on('error', () => undefined);
      call.on('cancelled', () => {
        st.ended = true;
        streams.delete(st);
      });
      if (draining) finish(st);
    },
    drain() {
      draining = true;
      for (const st of [...streams]) {
        st.closing = true;
        if (st.pending === 0) finish(st);
      }
    },
    get open() {
      return streams.size;
    },
  };
}

export interface CarrierOptions {
  /** Per call (default 10 s), as for unary calls. */
  defaultDeadlineMs?: number;
  metrics?: Metrics;
  /** Sends of one call at most (the first and one more after its stream ended or the server drained). */
  maxAttempts?: number;
  /**
   * New calls go on a new stream once the current one is this old (default 20 s); the old one is half-closed and
   * ends once its calls are answered. The services close each connection at an age (`grpc.max_connection_age`)
   * after a grace (30 s): a stream kept longer would be cut there with calls in flight, while a new stream goes
   * on the new connection.
   */
  rotateMs?: number;
}

interface Pending {
  method: string;
  request: Buffer;
  repeatable: boolean;
  requestId: string;
  traceparent: string;
  deadlineAt: number;
  /** When it was last written to a stream. */
  sentAt: number;
  attempts: number;
  stream: ClientStream | null;
  timer: NodeJS.Timeout;
  /** The service the method belongs to, for the outcome counter. */
  service: string;
  resolve: (res: Buffer) => void;
  reject: (err: ServiceError) => void;
}

type Duplex = ClientDuplexStream<CarriedCall, CarriedAnswer>;
interface ClientStream {
  duplex: Duplex;
  openedAt: number;
  /** No longer given new calls; ended once it owes none. */
  retired: boolean;
  /** Calls sent on it and not answered. */
  owed: number;
  /** Its status came: over. */
  over: boolean;
  /** When it last answered anything (or was opened). */
  heardAt: number;
}

/** A rejection shaped like grpc-js's, so callers map errors the same way for both transports. */
export function serviceError(code: number, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

/** The client end of one Carry stream (opened on first use and again after it ended). */
export class Carrier {
  private stream: ClientStream | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly handled?: (service: string, method: string, code: string) => { inc(): void };

  constructor(
    private readonly openStream: () => Duplex,
    private readonly opts: CarrierOptions = {},
  ) {
    const counter = opts.metrics?.grpcClientHandled;
    if (counter) this.handled = childrenBy((service, method, code) => counter.labels(service, method, code));
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * One call of `def`'s unary method; resolves with its response, rejects like grpc-js. `repeatable`: the method
   * may be sent again when its stream broke before answering (it changes nothing).
   */
  call<Req, Res>(
    def: MethodDef & { requestSerialize: (v: never) => Buffer; responseDeserialize: (b: Buffer) => Res },
    request: Req,
    repeatable: boolean,
    callOpts?: CallOptions,
  ): Promise<Res> {
    return this.send(def, def.requestSerialize(request as never), repeatable, callOpts).then(def.responseDeserialize);
  }

  private send(
    def: MethodDef,
    request: Buffer,
    repeatable: boolean,
    callOpts: CallOptions | undefined,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.closed) return reject(serviceError(status.UNAVAILABLE, 'the client is closed'));
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
      const deadlineMs = callOpts?.deadlineMs ?? this.opts.defaultDeadlineMs ?? 10_000;
      const { service, method } = namesOf(def);
      const ctx = callOpts?.context;
      const p: Pending = {
        method,
        request,
        repeatable,
        requestId: ctx?.requestId ?? '',
        // W3C trace context: the caller's trace, a span id for this call
        traceparent: ctx?.trace ? formatTraceparent({ ...ctx.trace, spanId: newSpanId() }) : '',
        deadlineAt: Date.now() + deadlineMs,
        sentAt: 0,
        attempts: 0,
        stream: null,
        timer: setTimeout(() => this.expire(id), deadlineMs),
        service,
        resolve,
        reject,
      };
      this.pending.set(id, p);
      this.write(id, p);
    });
  }

  /** Ends the stream; calls still unanswered are rejected UNAVAILABLE. */
  close(): void {
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    for (const [id, p] of this.pending) this.settle(id, p, serviceError(status.UNAVAILABLE, 'the client was closed'));
    if (s) s.duplex.cancel();
  }

  private write(id: number, p: Pending) {
    p.attempts++;
    const current = this.stream;
    if (current && Date.now() - current.openedAt >= (this.opts.rotateMs ?? 20_000)) {
      // retired: no new calls; it is half-closed once it owes no answer (never with calls still travelling to the
      // server, whose end-of-stream must not overtake them)
      this.stream = null;
      current.retired = true;
      this.endIfIdle(current);
    }
    const s = this.stream ?? this.open();
    if (p.stream) this.release(p.stream);
    p.stream = s;
    s.owed++;
    p.sentAt = Date.now();
    s.duplex.write({
      id,
      method: p.method,
      request: p.request,
      requestId: p.requestId,
      traceparent: p.traceparent,
      deadlineMs: Math.max(1, p.deadlineAt - Date.now()),
    });
  }

  private open(): ClientStream {
    const now = Date.now();
    const s: ClientStream = {
      duplex: this.openStream(),
      openedAt: now,
      heardAt: now,
      retired: false,
      owed: 0,
      over: false,
    };
    this.stream = s;
    s.duplex.on('data', (a: CarriedAnswer) => {
      s.heardAt = Date.now();
      const p = this.pending.get(a.id);
      if (!p || p.stream !== s) return; // answered late after a deadline, or asked again elsewhere
      if (a.code === (status.OK as number)) this.settle(a.id, p, null, a.response);
      else if (a.code === (status.UNAVAILABLE as number) && p.attempts < (this.opts.maxAttempts ?? 2) && !this.closed) {
        // the server is draining and did not run it: ask again on a new stream
        if (this.stream === s) this.stream = null;
        this.write(a.id, p);
      } else {
        const md = new Metadata();
        for (const [k, v] of Object.entries(a.metadata ?? {})) md.set(k, v);
        this.settle(a.id, p, serviceError(a.code || status.UNKNOWN, a.message || 'no answer', md));
      }
    });
    s.duplex.on('error', () => undefined); // reported by 'status'
    s.duplex.on('status', (st: { code: status; details: string }) => this.ended(s, st));
    return s;
  }

  /** The stream is over: calls it still owed are sent again on a new one when repeatable, or fail. */
  private ended(s: ClientStream, st: { code: status; details: string }) {
    s.over = true;
    if (this.stream === s) this.stream = null;
    for (const [id, p] of this.pending) {
      if (p.stream !== s) continue;
      if (p.repeatable && !this.closed && p.attempts < (this.opts.maxAttempts ?? 2)) this.write(id, p);
      else
        this.settle(
          id,
          p,
          serviceError(
            st.code === status.OK ? status.UNAVAILABLE : st.code,
            p.repeatable
              ? st.details || 'the stream ended before answering'
              : `the connection ended before the answer came; the ${p.method} call may or may not have been applied${st.details ? ` (${st.details})` : ''}`,
          ),
        );
    }
  }

  private expire(id: number) {
    const p = this.pending.get(id);
    if (!p) return;
    const s = p.stream;
    this.settle(id, p, serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    // nothing at all heard on that stream for the whole deadline: a dead connection, do not trust it again
    if (s && this.stream === s && s.heardAt <= p.sentAt) {
      this.stream = null;
      s.duplex.cancel();
    }
  }

  /** A call no longer waits on `s` (answered, failed, or sent again elsewhere). */
  private release(s: ClientStream) {
    s.owed--;
    this.endIfIdle(s);
  }

  private endIfIdle(s: ClientStream) {
    if (s.retired && s.owed === 0 && !s.over) {
      s.over = true;
      s.duplex.end();
    }
  }

  private settle(id: number, p: Pending, err: ServiceError | null, res?: Buffer) {
    this.pending.delete(id);
    if (p.stream) this.release(p.stream);
    p.stream = null;
    clearTimeout(p.timer);
    this.handled?.(p.service, p.method, status[err ? err.code : status.OK]).inc();
    if (err) p.reject(err);
    else p.resolve(res as Buffer);
  }
}

/** A method definition as ts-proto generates it for grpc-js: both directions' codecs. */
type ClientMethodDef = MethodDef & {
  requestSerialize: (v: never) => Buffer;
  responseDeserialize: (b: Buffer) => unknown;
};

/**
 * `client` with the methods named in `carried` sent over `carrier` (one stream) instead of one unary call each;
 * same signatures, same answers and errors.
 */
export function carriedClient<D extends ServiceDef, C extends { [K: string]: unknown }>(
  client: C,
  definition: D,
  carrier: Carrier,
  carried: { readonly [K in keyof D & string]?: Carriage },
): C {
  const out: { [K: string]: unknown } = { ...client };
  for (const [key, carriage] of Object.entries(carried) as Array<[keyof D & string, Carriage]>) {
    const def = definition[key] as unknown as ClientMethodDef;
    out[key] = (request: never, callOpts?: CallOptions) => carrier.call(def, request, carriage === 'read', callOpts);
  }
  return out as C;
}

/**
 * A unary method carried over one long-lived bidirectional stream, for a call made on every request (the
 * gateway verifies a SCIM credential per request): a stream message costs client and server about a tenth of
 * a unary gRPC call (no HTTP/2 stream, headers or trailers per call). Each question carries an id its answer
 * repeats, the caller's request id, and the request; each answer carries the response or the status code,
 * message and metadata the unary method would have failed with. Semantics stay those of the unary method:
 * every question is answered by the server's handler, nothing is cached here.
 *
 * The server side answers questions concurrently and, when draining for shutdown, answers what it has, ends
 * the stream with OK and answers later questions UNAVAILABLE. The client side resends unanswered questions
 * once on a new stream when a stream ends (the method must be safe to repeat), applies a deadline per question,
 * and drops a stream on which a question timed out (a dead connection).
 */
import { Metadata, status, type ClientDuplexStream, type ServerDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { AppError } from './errors.js';
import { handleCall, type CallContext, type ImplementOptions } from './grpc-server.js';
import { newId } from './ids.js';
import { currentRequestId } from './logger.js';
import type { Metrics } from './metrics.js';

export interface Question<Req> {
  id: number;
  request: Req | undefined;
  requestId: string;
}

export interface Answer<Res> {
  id: number;
  response: Res | undefined;
  errorCode: status;
  errorMessage: string;
  errorMetadata: { [key: string]: string };
}

/** Whose unary method a stream carries: questions are counted and logged under it (`grpc_method`). */
export interface CarriedMethod {
  /** e.g. "credentials.v1.CredentialsService" */
  service: string;
  /** e.g. "VerifyCredential" */
  method: string;
}

/** The service and method names of a generated method definition ("/pkg.Service/Method"). */
export function carriedBy(def: { path: string }): CarriedMethod {
  const [, service, method] = def.path.split('/');
  return { service, method };
}

function metadataRecord(md: Metadata | undefined): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(md?.getMap() ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

export interface MultiplexedServer<Req, Res> {
  /** The bidi handler to register for the stream method. */
  handler: (call: ServerDuplexStream<Question<Req>, Answer<Res>>) => void;
  /** Ends every open stream once its questions are answered; later questions are answered UNAVAILABLE. */
  drain(): void;
  /** Streams open now. */
  readonly open: number;
}

interface ServerStream {
  call: ServerDuplexStream<Question<never>, Answer<never>>;
  pending: number;
  closing: boolean;
  ended: boolean;
}

export function serveMultiplexed<Req, Res>(
  carried: CarriedMethod,
  handle: (request: Req, ctx: CallContext) => Promise<Res>,
  opts: ImplementOptions,
): MultiplexedServer<Req, Res> {
  const streams = new Set<ServerStream>();
  let draining = false;
  const labels = { grpc_service: carried.service, grpc_method: carried.method };

  const finish = (st: ServerStream) => {
    if (st.ended) return;
    st.ended = true;
    streams.delete(st);
    if (!st.call.cancelled) st.call.end();
  };
  const write = (st: ServerStream, answer: Answer<Res>) => {
    if (!st.ended && !st.call.cancelled) st.call.write(answer as never);
  };
  const failure = (id: number, code: number, message: string, metadata?: Metadata): Answer<Res> => ({
    id,
    response: undefined,
    errorCode: code,
    errorMessage: message,
    errorMetadata: metadataRecord(metadata),
  });

  const answer = (st: ServerStream, q: Question<Req>) => {
    st.pending++;
    const requestId = q.requestId || newId();
    const run = () =>
      q.request === undefined
        ? Promise.reject(new AppError('INVALID_ARGUMENT', 'a question must carry its request'))
        : handle(q.request, { requestId, metadata: st.call.metadata });
    void handleCall(labels, requestId, run, opts, { stream: true }).then((out) => {
      write(
        st,
        out.ok
          ? { id: q.id, response: out.value, errorCode: status.OK, errorMessage: '', errorMetadata: {} }
          : failure(q.id, out.error.code, out.error.details ?? '', out.error.metadata),
      );
      st.pending--;
      if (st.closing && st.pending === 0) finish(st);
    });
  };

  return {
    handler(call) {
      const st: ServerStream = { call: call, pending: 0, closing: draining, ended: false };
      streams.add(st);
      call.on('data', (q: Question<Req>) => {
        if (st.closing) {
          write(st, failure(q.id, status.UNAVAILABLE, 'the server is shutting down; ask again on a new stream'));
          return;
        }
        answer(st, q);
      });
      // the client has no more questions
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

export interface MultiplexedClientOptions {
  /** Per question (default 10 s), as for unary calls. */
  defaultDeadlineMs?: number;
  metrics?: Metrics;
  /** Sends of one question at most (the first and one resend after its stream ended). */
  maxAttempts?: number;
}

interface Pending<Req, Res> {
  request: Req;
  requestId: string;
  attempts: number;
  stream: ClientDuplexStream<Question<Req>, Answer<Res>> | null;
  timer: NodeJS.Timeout;
  resolve: (res: Res) => void;
  reject: (err: ServiceError) => void;
}

/** A rejection shaped like grpc-js's, so callers map errors the same way for both transports. */
export function serviceError(code: number, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

export class MultiplexedClient<Req, Res> {
  private stream: ClientDuplexStream<Question<Req>, Answer<Res>> | null = null;
  private readonly pending = new Map<number, Pending<Req, Res>>();
  private nextId = 1;
  private closed = false;
  private readonly labels: { grpc_service: string; grpc_method: string };

  constructor(
    private readonly openStream: () => ClientDuplexStream<Question<Req>, Answer<Res>>,
    carried: CarriedMethod,
    private readonly opts: MultiplexedClientOptions = {},
  ) {
    this.labels = { grpc_service: carried.service, grpc_method: carried.method };
  }

  /** Questions sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  call(request: Req, callOpts?: { deadlineMs?: number }): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (this.closed) return reject(serviceError(status.UNAVAILABLE, 'the client is closed'));
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
      const deadlineMs = callOpts?.deadlineMs ?? this.opts.defaultDeadlineMs ?? 10_000;
      const timer = setTimeout(() => this.expire(id), deadlineMs);
      const p: Pending<Req, Res> = {
        request,
        requestId: currentRequestId() ?? '',
        attempts: 0,
        stream: null,
        timer,
        resolve,
        reject,
      };
      this.pending.set(id, p);
      this.send(id, p);
    });
  }

  /** Ends the stream; questions still unanswered are rejected UNAVAILABLE. */
  close(): void {
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    for (const [id, p] of this.pending) this.settle(id, p, serviceError(status.UNAVAILABLE, 'the client was closed'));
    if (s) s.cancel();
  }

  private send(id: number, p: Pending<Req, Res>) {
    p.attempts++;
    const s = this.stream ?? this.open();
    p.stream = s;
    s.write({ id, request: p.request, requestId: p.requestId });
  }

  private open(): ClientDuplexStream<Question<Req>, Answer<Res>> {
    const s = this.openStream();
    this.stream = s;
    s.on('data', (a: Answer<Res>) => {
      const p = this.pending.get(a.id);
      if (!p || p.stream !== s) return; // answered late after a deadline, or asked again elsewhere
      if (a.errorCode === status.OK && a.response !== undefined) this.settle(a.id, p, null, a.response);
      else if (a.errorCode === status.UNAVAILABLE && p.attempts < (this.opts.maxAttempts ?? 2) && !this.closed) {
        // the server is draining: ask again on a new stream
        if (this.stream === s) this.stream = null;
        this.send(a.id, p);
      } else {
        const md = new Metadata();
        for (const [k, v] of Object.entries(a.errorMetadata ?? {})) md.set(k, v);
        this.settle(a.id, p, serviceError(a.errorCode || status.UNKNOWN, a.errorMessage || 'no answer', md));
      }
    });
    s.on('error', () => undefined); // reported by 'status'
    s.on('status', (st: { code: status; details: string }) => this.ended(s, st));
    return s;
  }

  /** The stream is over: questions it still owed are asked again on a new one, or fail. */
  private ended(s: ClientDuplexStream<Question<Req>, Answer<Res>>, st: { code: status; details: string }) {
    if (this.stream === s) this.stream = null;
    for (const [id, p] of this.pending) {
      if (p.stream !== s) continue;
      if (!this.closed && p.attempts < (this.opts.maxAttempts ?? 2)) this.send(id, p);
      else
        this.settle(
          id,
          p,
          serviceError(
            st.code === status.OK ? status.UNAVAILABLE : st.code,
            st.details || 'the stream ended before answering',
          ),
        );
    }
  }

  private expire(id: number) {
    const p = this.pending.get(id);
    if (!p) return;
    const s = p.stream;
    this.settle(id, p, serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    // a question with no answer in time: do not trust that stream with the next ones
    if (s && this.stream === s) {
      this.stream = null;
      s.cancel();
    }
  }

  private settle(id: number, p: Pending<Req, Res>, err: ServiceError | null, res?: Res) {
    this.pending.delete(id);
    clearTimeout(p.timer);
    this.opts.metrics?.grpcClientHandled.inc({ ...this.labels, grpc_code: status[err ? err.code : status.OK] });
    if (err) p.reject(err);
    else p.resolve(res as Res);
  }
}

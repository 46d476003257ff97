/**
 * Structured JSON logs on pino, one object per line on stdout. A request's lines carry its request id and W3C
 * trace id: they are written through its own logger (`requestLogger`), passed down with the request explicitly —
 * no async context (on Node 20 AsyncLocalStorage runs a hook on every promise, ~10–15 % of a request's CPU).
 * Keys that may hold secrets are redacted whatever their nesting.
 *
 * Line shape (unchanged from the hand-written logger it replaced):
 * `{"level":"info","time":"…","service":"gateway","requestId":"…","traceId":"…","msg":"…",…fields}`.
 */
import pino from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface RequestContext {
  requestId: string;
  /** W3C trace context of the call being served (see trace-context.ts); absent outside a traced call. */
  trace?: { traceId: string; spanId: string; flags: string };
}

/**
 * A request as the work done for it sees it, passed down explicitly: its ids (recorded with what it writes,
 * carried on the calls it makes: `{ context: scope }` in the clients' call options) and its logger.
 */
export interface RequestScope extends RequestContext {
  /** Lines written for this request: each carries its request id and trace (requestLogger). */
  log: Logger;
}

/** The fields a line written for `ctx` carries: its request id and, when traced, its trace and span ids. */
export function contextFields(ctx: RequestContext): Record<string, string> {
  return ctx.trace
    ? { requestId: ctx.requestId, traceId: ctx.trace.traceId, spanId: ctx.trace.spanId }
    : { requestId: ctx.requestId };
}

/**
 * The logger of one request or call: every line carries the ids of `ctx`. Cheap to make for every call (one
 * small object); the pino child that holds the ids is made only when a line is written.
 */
export function requestLogger(logger: Logger, ctx: RequestContext | undefined): Logger {
  return ctx ? new RequestLogger(logger, ctx) : logger;
}

class RequestLogger implements Logger {
  private bound?: Logger;
  constructor(
    private readonly base: Logger,
    private readonly ctx: RequestContext,
  ) {}
  private get to(): Logger {
    return (this.bound ??= this.base.child(contextFields(this.ctx)));
  }
  debug(msg: string, fields?: Record<string, unknown>) {
    if (this.base.enabled('debug')) this.to.debug(msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>) {
    if (this.base.enabled('info')) this.to.info(msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>) {
    if (this.base.enabled('warn')) this.to.warn(msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>) {
    if (this.base.enabled('error')) this.to.error(msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return this.to.child(fields);
  }
  enabled(level: Level): boolean {
    return this.base.enabled(level);
  }
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|verifier|^code$|credential/i;

/** Redacted copy of `value`, or `value` itself when nothing in it needs redacting (the common case: no copy). */
function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redact(value[i], depth + 1);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    const v = obj[k];
    const r = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    if (r !== v) (out ??= { ...obj })[k] = r;
  }
  return out ?? value;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** True when lines at `level` are written (lets hot paths skip building fields). */
  enabled(level: Level): boolean;
}

function wrap(p: pino.Logger): Logger {
  // Fields are redacted here (a copy only when a secret-looking key is in them).
  const emit = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (!p.isLevelEnabled(lvl)) return;
    if (fields === undefined) p[lvl](msg);
    else p[lvl](redact(fields) as Record<string, unknown>, msg);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(p.child(redact(fields) as Record<string, unknown>)),
    enabled: (lvl) => p.isLevelEnabled(lvl),
  };
}

/**
 * `write` receives each line without its newline; by default lines go to stdout synchronously (a crash loses
 * nothing already logged).
 */
export function createLogger(
  service: string,
  level: Level = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  const destination = write
    ? { write: (s: string) => write(s.endsWith('\n') ? s.slice(0, -1) : s) }
    : pino.destination({ fd: 1, sync: true });
  const p = pino(
    {
      level,
      base: { service, ...(redact(base) as Record<string, unknown>) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are reduced by redact() (name, message, stack); no serializer runs after it.
      serializers: {},
    },
    destination,
  );
  return wrap(p);
}

/**
 * Security events: one warn line each, `{"event":"security","type":…,"reason":…}`, so they can be alerted on and
 * kept apart from the access log. Types in use: auth.failure (surface scim, admin or session, with a reason code),
 * rate_limit.tripped, credentials.rotated, connector.deleted, setup_link.used (docs/kubernetes.md lists them).
 * Fields must never hold a secret (redaction is the safety net, not the design).
 */
export type SecurityEventType =
  | 'auth.failure'
  | 'rate_limit.tripped'
  | 'credentials.rotated'
  | 'connector.deleted'
  | 'setup_link.used'
  | (string & {});

export function securityEvent(logger: Logger, type: SecurityEventType, fields: Record<string, unknown> = {}): void {
  logger.warn(`security event: ${type}`, { event: 'security', type, ...fields });
}

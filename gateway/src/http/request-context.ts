import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { newId } from '../../../services/kit/src/ids.js';
import { childrenBy } from '../../../services/kit/src/metrics.js';
import {
  contextFields,
  requestLogger,
  type Logger,
  type RequestContext,
  type RequestScope as KitRequestScope,
} from '../../../services/kit/src/logger.js';
import { continueTrace, parseTraceparent, type TraceContext } from '../../../services/kit/src/trace-context.js';
import type { RequestCallOptions } from '../backends.js';

const VALID_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface EdgeOptions {
  /** PUBLIC_URL is https: send HSTS. */
  hstsMaxAgeSeconds?: number;
}

/**
 * What a handler knows of the request it serves: the kit's RequestScope (its id, W3C trace and a logger whose
 * lines carry them), which is also the options of every backend call made for the request (a RequestCallOptions:
 * its `context` travels on), and what actions and audit entries made for it are given. One per request, made by
 * `requestIds`.
 */
export class RequestScope implements KitRequestScope, RequestCallOptions {
  readonly context: RequestContext;
  private logger?: Logger;

  constructor(
    requestId: string,
    trace: TraceContext | undefined,
    private readonly base: Logger,
  ) {
    this.context = trace ? { requestId, trace } : { requestId };
  }

  get requestId(): string {
    return this.context.requestId;
  }

  get trace(): TraceContext | undefined {
    return this.context.trace;
  }

  /** Lines about this request, each carrying its id and trace; made at the first use (most requests write none). */
  get log(): Logger {
    return (this.logger ??= requestLogger(this.base, this.context));
  }
}

/** The scope of the request `res` answers; `requestIds` must run first (app.ts mounts it before every router). */
export function scopeOf(res: Response): RequestScope {
  const scope: unknown = res.locals.scope;
  if (scope instanceof RequestScope) return scope;
  throw new Error('no request scope: requestIds() is not mounted before this route');
}

/**
 * Every request: an id (an upstream X-Request-Id is kept when well-formed) and its W3C trace (an incoming
 * `traceparent` is continued, else one is started), kept in `res.locals` as its RequestScope (`scopeOf`), whose
 * logger writes to `logger`; and the headers every response carries: `X-Content-Type-Options: nosniff`,
 * `Cache-Control: no-store` (a route that serves something cacheable replaces it; nothing the gateway serves today
 * is), and HSTS when PUBLIC_URL is https.
 */
export function requestIds(logger: Logger, opts: EdgeOptions = {}) {
  const hsts = opts.hstsMaxAgeSeconds ? `max-age=${opts.hstsMaxAgeSeconds}` : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && VALID_ID.test(incoming) ? incoming : newId();
    const parent = req.headers.traceparent;
    const trace = continueTrace(typeof parent === 'string' ? parseTraceparent(parent) : undefined);
    res.locals.scope = new RequestScope(requestId, trace, logger);
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    if (hsts) res.setHeader('strict-transport-security', hsts);
    next();
  };
}

export interface AccessLogOptions {
  logger: Logger;
  /** Share of successful (< 400) requests logged, 0–1; failed ones are always logged. */
  sampleRate: number;
}

/**
 * RED metrics by route pattern (never by raw path: ids would explode the label set), and the access log: one
 * info line per request (method, route pattern, status, duration, tenant, request, trace and span ids; never a
 * header value, query or body), sampled for successes. One 'finish' listener does both.
 */
export function httpMetrics(registry: Registry, access?: AccessLogOptions) {
  const total = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests completed, by route pattern and status code.',
    labelNames: ['method', 'route', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds.',
    labelNames: ['method', 'route', 'code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const logger = access?.logger;
  const rate = access?.sampleRate ?? 0;
  const childrenOf = childrenBy((method, route, code) => ({
    total: total.labels(method, route, code),
    duration: duration.labels(method, route, code),
  }));
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const matched = (req.route as { path?: unknown } | undefined)?.path;
      const route =
        typeof res.locals.route === 'string'
          ? res.locals.route
          : typeof matched === 'string'
            ? `${req.baseUrl}${matched}`
            : 'unmatched';
      const code = res.statusCode;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const c = childrenOf(req.method, route, String(code));
      c.total.inc();
      c.duration.observe(seconds);
      if (logger && (code >= 400 || rate >= 1 || (rate > 0 && Math.random() < rate))) {
        const scope: unknown = res.locals.scope;
        logger.info('request', {
          method: req.method,
          route,
          status: code,
          ms: Math.round(seconds * 1e6) / 1e3,
          tenant: res.locals.tenant,
          // the request's ids as fields (requestId, traceId, spanId): no per-request logger for one line
          ...(scope instanceof RequestScope ? contextFields(scope.context) : {}),
        });
      }
    });
    next();
  };
}

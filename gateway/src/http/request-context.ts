import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { newId } from '../../../services/kit/src/ids.js';
import { requestContext } from '../../../services/kit/src/logger.js';

const VALID_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id (an upstream X-Request-Id is kept when well-formed) and runs it in the log context. */
export function requestIds() {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && VALID_ID.test(incoming) ? incoming : newId();
    res.locals.requestId = requestId;
    res.set('x-request-id', requestId);
    requestContext.run({ requestId }, next);
  };
}

/** RED metrics by route pattern (never by raw path: ids would explode the label set). */
export function httpMetrics(registry: Registry) {
  const total = new Counter({ name: 'http_requests_total', help: 'HTTP requests completed, by route pattern and status code.', labelNames: ['method', 'route', 'code'], registers: [registry] });
  const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration in seconds.', labelNames: ['method', 'route', 'code'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = res.locals.route ?? (req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched');
      const labels = { method: req.method, route, code: String(res.statusCode) };
      total.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

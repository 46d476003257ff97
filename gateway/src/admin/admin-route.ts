/**
 * An admin-API route handler: records the route pattern for metrics, hands the handler its request's scope (the
 * options of its backend calls, its logger) and renders errors as admin-API JSON.
 */
import type { Request, Response } from 'express';
import type { Logger } from '../../../services/kit/src/logger.js';
import { describeError, HttpError, sendAdminError } from '../http/errors.js';
import { scopeOf, type RequestScope } from '../http/request-context.js';

export type AdminHandler = (req: Request, res: Response, scope: RequestScope) => Promise<void>;

export const adminRoute =
  (logger: Logger) => (pattern: string, fn: AdminHandler) => async (req: Request, res: Response) => {
    res.locals.route = `/admin/v1${pattern}`;
    const scope = scopeOf(res);
    try {
      await fn(req, res, scope);
    } catch (err) {
      sendAdminError(res, describeError(err, logger, scope.context));
    }
  };

export const jsonBody = (req: Request): Record<string, unknown> => {
  const body: unknown = req.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
};

/** A query parameter as one string, '' when absent; a repeated parameter is refused rather than joined. */
export function queryText(req: Request, name: string): string {
  const v = req.query[name];
  if (v === undefined) return '';
  if (typeof v !== 'string')
    throw new HttpError(400, 'invalid_request', `"${name}" must be given once, as a plain value`);
  return v;
}

/** `?limit=` as an integer in [1, max], or the default; anything else is a 400 naming the range. */
export function limitParam(req: Request, fallback: number, max: number): number {
  const v = req.query.limit;
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new HttpError(400, 'invalid_request', `"limit" must be an integer from 1 to ${max}`);
  return n;
}

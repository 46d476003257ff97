/**
 * The one handler for body-parser failures (express.json / express.raw): a body over the route family's limit
 * is 413, a body that cannot be read or parsed is 400; nothing has reached a backend then. Each route family
 * renders the answer in its own format (SCIM error, admin-API JSON, sign-in JSON) through `send`; any other
 * error goes to `otherwise`.
 */
import type { NextFunction, Request, Response } from 'express';

export interface BodyFault {
  status: 413 | 400;
  /** `payload_too_large` or `invalid_request`. */
  code: 'payload_too_large' | 'invalid_request';
  message: string;
}

const size = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

/** The client's fault in a body-parser error, or undefined when `err` is something else. */
export function bodyFault(
  err: unknown,
  limitBytes: number,
  unreadable = 'the request body is not valid JSON',
): BodyFault | undefined {
  const e = err as { type?: string; status?: number } | null;
  if (e?.type === 'entity.too.large')
    return { status: 413, code: 'payload_too_large', message: `the request body exceeds ${size(limitBytes)}` };
  if (e?.status && e.status < 500) return { status: 400, code: 'invalid_request', message: unreadable };
  return undefined;
}

export function bodyErrorHandler(opts: {
  limitBytes: number;
  unreadable?: string;
  send: (res: Response, fault: BodyFault, req: Request) => void;
  otherwise: (res: Response, err: unknown) => void;
}) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const fault = bodyFault(err, opts.limitBytes, opts.unreadable);
    if (fault) opts.send(res, fault, req);
    else opts.otherwise(res, err);
  };
}

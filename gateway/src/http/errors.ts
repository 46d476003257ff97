/**
 * One gRPC→HTTP table (google/rpc/code.proto's mapping), then rendered per surface: SCIM error body, admin-API
 * JSON error or an HTML page. Only 4xx details reach the client; a 5xx carries an error id that is in the log
 * (a backend outage, 503/504, is logged once per interval with a count and the first id; every id at debug level).
 */
import { status } from '@grpc/grpc-js';
import type { Response } from 'express';
import { isServiceError, metadataValue } from '../../../services/kit/src/grpc-client.js';
import { newId } from '../../../services/kit/src/ids.js';
import { requestLogger, type Logger, type RequestContext } from '../../../services/kit/src/logger.js';
import { CollapsedWarnings } from '../../../services/kit/src/collapsed-warnings.js';
import { scimFaultOf } from '../../../services/kit/src/scim-status.js';

export const httpStatusOfGrpc: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

/** An error raised by the gateway itself, already in HTTP terms. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly scimType?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface Described {
  status: number;
  code: string;
  message: string;
  scimType?: string;
  headers: Record<string, string>;
  errorId?: string;
}

const codeNames: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  501: 'not_implemented',
  503: 'unavailable',
  504: 'timeout',
};

/** One collapser per logger: a backend that is down fails every request, logged once per interval with a count. */
const collapsedByLogger = new WeakMap<Logger, CollapsedWarnings>();
function collapsed(logger: Logger): CollapsedWarnings {
  let c = collapsedByLogger.get(logger);
  if (!c) collapsedByLogger.set(logger, (c = new CollapsedWarnings(logger)));
  return c;
}

/**
 * Reduces any error to what may be shown; unexpected ones are logged with an error id, on lines that carry the
 * ids of `context` (the request the error answers). `logger` is the gateway's: outages are collapsed per logger.
 */
export function describeError(err: unknown, logger: Logger, context?: RequestContext): Described {
  if (err instanceof HttpError)
    return { status: err.status, code: err.code, message: err.message, scimType: err.scimType, headers: err.headers };
  if (isServiceError(err)) {
    // a SCIM fault carries its status once (kit/src/scim-status.ts); any other error goes by the gRPC table
    const scim = scimFaultOf((key) => metadataValue(err, key));
    const httpStatus = scim?.status ?? httpStatusOfGrpc[err.code] ?? 500;
    const reason = metadataValue(err, 'error-reason');
    if (httpStatus < 500) {
      return {
        status: httpStatus,
        code: reason ?? codeNames[httpStatus] ?? 'error',
        message: err.details,
        ...(scim?.scimType ? { scimType: scim.scimType } : {}),
        headers: {},
      };
    }
    const errorId = metadataValue(err, 'error-id') ?? newId();
    if (err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED) {
      // every request's error id stays findable at debug level; the warning is collapsed (docs/faults.md)
      const log = requestLogger(logger, context);
      log.debug('backend unavailable', { errorId, grpcCode: status[err.code], details: err.details });
      collapsed(logger).warn(
        `backend-unavailable:${err.code}`,
        'backend unavailable',
        { errorId, grpcCode: status[err.code], details: err.details },
        log,
      );
      return {
        status: httpStatus,
        code: codeNames[httpStatus],
        message: `a backend service is unavailable; retry later (error id ${errorId})`,
        headers: { 'retry-after': '5' },
        errorId,
      };
    }
    requestLogger(logger, context).error('backend error', {
      errorId,
      grpcCode: status[err.code],
      details: err.details,
    });
    return { status: 500, code: 'internal', message: `internal error (error id ${errorId})`, headers: {}, errorId };
  }
  const errorId = newId();
  requestLogger(logger, context).error('unhandled gateway error', { errorId, err });
  return { status: 500, code: 'internal', message: `internal error (error id ${errorId})`, headers: {}, errorId };
}

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function sendScimError(res: Response, d: Pick<Described, 'status' | 'message' | 'scimType' | 'headers'>) {
  res.status(d.status).set(d.headers).type(SCIM_CONTENT_TYPE);
  res.send(
    JSON.stringify({
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(d.status),
      ...(d.scimType ? { scimType: d.scimType } : {}),
      detail: d.message,
    }),
  );
}

export function sendAdminError(res: Response, d: Pick<Described, 'status' | 'code' | 'message' | 'headers'>) {
  res
    .status(d.status)
    .set(d.headers)
    .json({ error: { code: d.code, message: d.message } });
}

/**
 * Typed errors thrown by handlers and domain code. One table maps them to gRPC status codes; anything else
 * becomes INTERNAL with a generic message and an error id in the log (exception text never crosses the wire).
 */
import { Metadata, status } from '@grpc/grpc-js';

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_EXHAUSTED'
  | 'ABORTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** A stable machine-readable reason, e.g. "entitlement_required", "issuer_mismatch". */
    readonly reason?: string,
    /** Extra trailing metadata (string values only; never secrets). */
    readonly meta: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const grpcStatusOf: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  ABORTED: status.ABORTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
};

/** The end of a call as its handler sees it: true once its deadline passed or its caller cancelled. */
export interface CallEnd {
  readonly aborted: boolean;
}

/**
 * Stops work whose caller has gone (deadline passed or call cancelled): nobody would read the answer, and a
 * write started now would land after the caller was told it failed. Call it between steps and before writing.
 */
export function stopIfCallEnded(signal: CallEnd | undefined) {
  if (signal?.aborted)
    throw new AppError(
      'DEADLINE_EXCEEDED',
      'the caller gave up on this request (deadline passed or call cancelled); nothing was written',
      'call_ended',
    );
}

export function appErrorMetadata(err: AppError): Metadata {
  const md = new Metadata();
  if (err.reason) md.set('error-reason', err.reason);
  for (const [k, v] of Object.entries(err.meta)) md.set(k, v);
  return md;
}

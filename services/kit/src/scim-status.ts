/**
 * The one mapping of a SCIM fault across gRPC. The directory raises a SCIM fault (HTTP status + optional
 * `scimType`, RFC 7644 §3.12); it crosses gRPC with the code this table gives and the status carried once, in
 * the trailing metadata key `scim-status` (plus `scim-type`); the gateway renders exactly that status. Both
 * sides use this module, so the table and the keys exist once.
 */
import { AppError, type ErrorCode } from './errors.js';

export const SCIM_STATUS_KEY = 'scim-status';
export const SCIM_TYPE_KEY = 'scim-type';

/** The gRPC code of a SCIM status (the HTTP status the client gets is always the one carried). */
const GRPC_CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'RESOURCE_EXHAUSTED',
  429: 'RESOURCE_EXHAUSTED',
};

export function grpcCodeOfScimStatus(status: number): ErrorCode {
  return GRPC_CODE_OF_STATUS[status] ?? 'INVALID_ARGUMENT';
}

/** A SCIM fault as the AppError that crosses gRPC. */
export function scimFaultToAppError(status: number, detail: string, scimType?: string): AppError {
  return new AppError(grpcCodeOfScimStatus(status), detail, undefined, {
    [SCIM_STATUS_KEY]: String(status),
    ...(scimType ? { [SCIM_TYPE_KEY]: scimType } : {}),
  });
}

/** The SCIM status and scimType a gRPC error carries, if it is a SCIM fault. */
export function scimFaultOf(
  read: (key: string) => string | undefined,
): { status: number; scimType?: string } | undefined {
  const raw = read(SCIM_STATUS_KEY);
  const status = raw ? Number(raw) : NaN;
  if (!Number.isInteger(status) || status < 400 || status > 599) return undefined;
  const scimType = read(SCIM_TYPE_KEY);
  return { status, ...(scimType ? { scimType } : {}) };
}

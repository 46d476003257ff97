/**
 * SCIM faults raised by the application layer, and recognition of the domain's SCIM errors, so that one
 * mapper turns both into gRPC status + SCIM metadata.
 */
export class ScimFault extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: string,
  ) {
    super(detail);
    this.name = 'ScimFault';
  }
}

export const scimFault = {
  notFound: (detail: string) => new ScimFault(404, detail),
  forbidden: (detail: string) => new ScimFault(403, detail),
  uniqueness: (detail: string) => new ScimFault(409, detail, 'uniqueness'),
  invalidValue: (detail: string) => new ScimFault(400, detail, 'invalidValue'),
  preconditionFailed: (detail: string) => new ScimFault(412, detail),
};

/** Any error shaped like a SCIM error (status 4xx + detail, optional scimType) — ours or the domain's. */
export function asScimFault(err: unknown): { status: number; detail: string; scimType?: string } | undefined {
  if (err instanceof ScimFault) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; detail?: unknown; scimType?: unknown; message?: unknown; name?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.status === 'string' ? Number(e.status) : NaN;
  if (!(status >= 400 && status < 500) || e.name === 'AppError') return undefined;
  const detail = typeof e.detail === 'string' ? e.detail : typeof e.message === 'string' ? e.message : 'invalid request';
  return { status, detail, ...(typeof e.scimType === 'string' && e.scimType ? { scimType: e.scimType } : {}) };
}

/**
 * SCIM faults of the application layer (the domain's `ScimError`, one error type for the whole SCIM path), and
 * their recognition by the one mapper that turns them into gRPC status + SCIM metadata.
 */
import { ScimError } from './scim/scim-error.js';

export const scimFault = {
  notFound: (detail: string) => new ScimError(404, detail),
  forbidden: (detail: string) => new ScimError(403, detail),
  uniqueness: (detail: string) => new ScimError(409, detail, 'uniqueness'),
  invalidValue: (detail: string) => new ScimError(400, detail, 'invalidValue'),
  preconditionFailed: (detail: string) => new ScimError(412, detail),
};

export function asScimFault(err: unknown): ScimError | undefined {
  return err instanceof ScimError ? err : undefined;
}

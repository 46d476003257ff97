/**
 * Bounds on the work one SCIM request may ask for (docs/faults.md). Configured at boot (directory config.ts:
 * SCIM_PATCH_MAX_OPERATIONS, SCIM_MAX_VALUES_PER_ATTRIBUTE) and advertised in /ServiceProviderConfig
 * (`patch.maxOperations`, `patch.maxValuesPerAttribute`).
 *
 * - a PATCH with more operations than `maxPatchOperations` is refused with 413 before any is applied
 *   (as RFC 7644 §3.7.4 answers a Bulk request over `maxOperations`);
 * - a User whose multi-valued attribute (emails, phoneNumbers, addresses, roles, …) would hold more than
 *   `maxValuesPerAttribute` values is refused with 400 invalidValue, naming the attribute and the limit.
 *   Group members are memberships, not values of the group document; they are bounded by the body size.
 */
import { ScimError, invalidValue } from './scim-error.js';

export interface ScimLimits {
  maxPatchOperations: number;
  maxValuesPerAttribute: number;
}

export const DEFAULT_SCIM_LIMITS: Readonly<ScimLimits> = Object.freeze({
  maxPatchOperations: 1000,
  maxValuesPerAttribute: 100,
});

export function checkPatchOperationCount(count: number, limits: ScimLimits) {
  if (count > limits.maxPatchOperations) {
    throw new ScimError(
      413,
      `a PATCH may carry at most ${limits.maxPatchOperations} operations (this one has ${count}); split it into several requests`,
    );
  }
}

export function checkValueCount(label: string, count: number, limits: ScimLimits) {
  if (count > limits.maxValuesPerAttribute) {
    throw invalidValue(`${label} may hold at most ${limits.maxValuesPerAttribute} values (got ${count})`);
  }
}

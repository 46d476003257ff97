import { AppError } from '../../../kit/src/errors.js';

/** The paid options this platform sells. Unknown names are refused rather than silently stored. */
export const KNOWN_ENTITLEMENTS = ['enterprise-toolkit'] as const;
export type EntitlementName = (typeof KNOWN_ENTITLEMENTS)[number];

export function parseEntitlementName(name: string): EntitlementName {
  if ((KNOWN_ENTITLEMENTS as readonly string[]).includes(name)) return name as EntitlementName;
  throw new AppError(
    'INVALID_ARGUMENT',
    `unknown option "${name}"; known options: ${KNOWN_ENTITLEMENTS.join(', ')}`,
    'unknown_entitlement',
  );
}

/** Platform roles as the directory stores them, and the access they give. */

import { roleName, type PlatformRole } from '../../../kit/src/roles.js';

/** A role's name, or '' when the user has none (app-only access). */
export type RoleName = PlatformRole;
export type AccessKind = 'web' | 'app';

/** The name of a directory.v1.Role value ('' for none). */
export function roleNameOf(role: number): RoleName {
  return roleName(role);
}

/** Any role opens the web portal; no role means app access only. */
export function accessOf(role: RoleName): AccessKind {
  return role ? 'web' : 'app';
}

/** Platform roles as the directory stores them, and the access they give. */

/** Index = directory.v1.Role enum value. */
const ROLE_NAMES = ['', 'ReadOnly', 'User', 'Admin', 'EnterpriseAdmin'] as const;
export type RoleName = Exclude<(typeof ROLE_NAMES)[number], ''>;
export type AccessKind = 'web' | 'app';

export function roleNameOf(role: number): RoleName | '' {
  return ROLE_NAMES[role] ?? '';
}

/** Any role opens the web portal; no role means app access only. */
export function accessOf(role: RoleName | ''): AccessKind {
  return role ? 'web' : 'app';
}

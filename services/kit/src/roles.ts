/**
 * Platform roles, derived from the `directory.v1.Role` enum (proto/directory/v1/directory.proto): the name of
 * `ROLE_READ_ONLY` is `ReadOnly`, and so on. This is the one list: SCIM input and discovery, the directory's
 * stored `role`, the admin API and sign-in all use it, so a role added to the proto appears everywhere.
 */
import { Role } from '../../../proto/gen/directory/v1/directory.js';

/** A role's name as SCIM, the admin API and the stored documents spell it (`ReadOnly`, `EnterpriseAdmin`). */
export type PlatformRole = string;

const pascal = (enumKey: string) =>
  enumKey
    .replace(/^ROLE_/, '')
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

const ENTRIES: ReadonlyArray<readonly [Role, PlatformRole]> = Object.entries(Role)
  .filter((e): e is [string, Role] => typeof e[1] === 'number' && e[1] > Role.ROLE_UNSPECIFIED)
  .sort((a, b) => a[1] - b[1])
  .map(([key, value]) => [value, pascal(key)] as const);

/** Least to most privileged (the enum's order). */
export const PLATFORM_ROLES: readonly PlatformRole[] = Object.freeze(ENTRIES.map(([, name]) => name));

const BY_NUMBER = new Map<number, PlatformRole>(ENTRIES);
const BY_NAME = new Map<string, Role>(ENTRIES.map(([value, name]) => [name, value]));

/** The name of a `Role` value; '' for ROLE_UNSPECIFIED (no role: app-only access) or anything unknown. */
export function roleName(role: number): PlatformRole {
  return BY_NUMBER.get(role) ?? '';
}

/** The `Role` value of a name; ROLE_UNSPECIFIED (0) when it names no role. Exact spelling. */
export function roleNumber(name: string): Role {
  return BY_NAME.get(name) ?? Role.ROLE_UNSPECIFIED;
}

/** What a provider asserted about the person, reduced to the logins a provisioned user can be found by. */

export interface AssertedIdentity {
  subject: string;
  /** Candidate logins in order of preference: e-mail, then preferred_username (Okta's login). */
  logins: string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export function assertedIdentity(
  claims: Record<string, unknown>,
  userinfo?: Record<string, unknown>,
): AssertedIdentity {
  const all = { ...(userinfo ?? {}), ...claims };
  const logins: string[] = [];
  for (const candidate of [text(all.email), text(all.preferred_username), text(all.upn)]) {
    if (candidate && !logins.some((l) => l.toLowerCase() === candidate.toLowerCase())) logins.push(candidate);
  }
  return { subject: typeof claims.sub === 'string' ? claims.sub : '', logins };
}

/** True when the ID token alone cannot identify the person and the userinfo endpoint should be asked. */
export function needsUserinfo(claims: Record<string, unknown>): boolean {
  return !text(claims.email);
}

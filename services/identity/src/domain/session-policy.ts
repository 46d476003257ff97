/** Session lifetime rules: an absolute limit from sign-in and a sliding idle limit. Pure; times in ms. */

export interface SessionPolicy {
  idleSeconds: number;
  absoluteSeconds: number;
}

export type SessionVerdict = 'active' | 'idle_timeout' | 'absolute_timeout';

export function verdict(
  policy: SessionPolicy,
  expiresAt: number,
  lastSeenAt: number | null,
  now: number,
): SessionVerdict {
  if (now >= expiresAt) return 'absolute_timeout';
  if (lastSeenAt === null || now >= lastSeenAt + policy.idleSeconds * 1000) return 'idle_timeout';
  return 'active';
}

/** Seconds the "last seen" marker lives: the idle limit, never beyond the absolute expiry. */
export function lastSeenTtlSeconds(policy: SessionPolicy, expiresAt: number, now: number): number {
  return Math.max(1, Math.min(policy.idleSeconds, Math.ceil((expiresAt - now) / 1000)));
}

/** Refresh the marker at most this often (a Redis write per request would be wasteful). */
export function touchIntervalMs(policy: SessionPolicy): number {
  return Math.min(60_000, (policy.idleSeconds * 1000) / 10);
}

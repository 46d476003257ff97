import { randomBytes } from 'node:crypto';

/**
 * Roughly time-ordered ids (48-bit milliseconds + 64 random bits, lower-case hex), so that sorting by id is
 * creation order. Hex only: ids appear in SCIM base URLs, and Okta refuses "_" there.
 */
export function newId(now = Date.now()): string {
  return now.toString(16).padStart(12, '0') + randomBytes(8).toString('hex');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short human-typable code from a CSPRNG (Crockford base32), e.g. an organization's Company ID. */
export function newCode(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += CROCKFORD[b & 31];
  return out;
}

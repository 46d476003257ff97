import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from the CSPRNG in blocks: one `randomFillSync` call per 4 KiB instead of one per id
 * (ids are made on every request: request ids, resource ids, activity ids). Every byte is used once.
 */
const POOL = Buffer.alloc(4096);
let used = POOL.length;

function randomHex(bytes: number): string {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const out = POOL.toString('hex', used, used + bytes);
  used += bytes;
  return out;
}

/**
 * Roughly time-ordered ids (48-bit milliseconds + 64 random bits, lower-case hex), so that sorting by id is
 * creation order. Hex only: ids appear in SCIM base URLs, and Okta refuses "_" there.
 */
export function newId(now = Date.now()): string {
  return now.toString(16).padStart(12, '0') + randomHex(8);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short human-typable code from a CSPRNG (Crockford base32), e.g. an organization's Company ID. */
export function newCode(length: number): string {
  const hex = randomHex(length);
  let out = '';
  for (let i = 0; i < length; i++) out += CROCKFORD[parseInt(hex.slice(i * 2, i * 2 + 2), 16) & 31];
  return out;
}

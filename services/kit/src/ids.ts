import { randomFillSync } from 'node:crypto';

/**
 * Random bytes drawn from the CSPRNG in blocks: one `randomFillSync` call per 4 KiB instead of one per id
 * (ids are made on every request: request ids, resource ids, activity ids, trace and span ids). Every byte is
 * used once.
 */
const POOL = Buffer.alloc(4096);
let used = POOL.length;

/** `n` bytes from the pool, as [buffer, start, end) (valid until the pool refills). */
function take(n: number): [Buffer, number, number] {
  if (n > POOL.length) throw new RangeError(`at most ${POOL.length} random bytes at a time`);
  if (used + n > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  used += n;
  return [POOL, used - n, used];
}

/** `bytes` random bytes as lower-case hex (trace and span ids). */
export function randomHex(bytes: number): string {
  const [buf, start, end] = take(bytes);
  return buf.toString('hex', start, end);
}

/**
 * Roughly time-ordered ids (48-bit milliseconds + 64 random bits, lower-case hex), so that sorting by id is
 * creation order. Hex only: ids appear in SCIM base URLs, and Okta refuses "_" there.
 */
export function newId(now = Date.now()): string {
  const [buf, start, end] = take(8);
  return now.toString(16).padStart(12, '0') + buf.toString('hex', start, end);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short human-typable code from a CSPRNG (Crockford base32), e.g. an organization's Company ID. */
export function newCode(length: number): string {
  const [buf, start, end] = take(length);
  let out = '';
  for (let i = start; i < end; i++) out += CROCKFORD[buf[i] & 31];
  return out;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A secret of `bytes` random bytes from the CSPRNG (256 bits by default), base64url, with a prefix. */
export function newSecret(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Constant-time string equality. Both sides are hashed first so that the comparison time does not depend on
 * where the strings differ or on their lengths.
 */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function last4(secret: string): string {
  return secret.slice(-4);
}

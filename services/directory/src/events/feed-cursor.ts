/**
 * Opaque feed cursors: base64url JSON naming the feed they belong to, so a cursor of one organization's feed
 * cannot be replayed on another's (or on the all-organizations feed).
 */
import { AppError } from '../../../kit/src/errors.js';

export type FeedCursor =
  { kind: 'start' } | { kind: 'org'; tenant: string; seq: number } | { kind: 'all'; key: string };

export function encodeCursor(c: Exclude<FeedCursor, { kind: 'start' }>): string {
  const raw = c.kind === 'org' ? { v: 1, o: c.tenant, s: c.seq } : { v: 1, k: c.key };
  return Buffer.from(JSON.stringify(raw), 'utf8').toString('base64url');
}

const invalid = (why: string) =>
  new AppError(
    'INVALID_ARGUMENT',
    `"after" is not a cursor of this feed (${why}); pass back the nextCursor of a previous answer, or omit it to start at the oldest retained event`,
    'invalid_cursor',
  );

/** `tenant` undefined: the all-organizations feed. An empty string starts at the beginning. */
export function decodeCursor(value: string, tenant: string | undefined): FeedCursor {
  if (!value) return { kind: 'start' };
  let raw: { v?: unknown; o?: unknown; s?: unknown; k?: unknown };
  try {
    raw = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    throw invalid('unreadable');
  }
  if (!raw || typeof raw !== 'object' || raw.v !== 1) throw invalid('unreadable');
  if (tenant !== undefined) {
    if (raw.o !== tenant) throw invalid('it belongs to another feed');
    if (typeof raw.s !== 'number' || !Number.isInteger(raw.s) || raw.s < 0) throw invalid('unreadable');
    return { kind: 'org', tenant, seq: raw.s };
  }
  if (typeof raw.k !== 'string' || raw.o !== undefined) throw invalid('it belongs to another feed');
  return { kind: 'all', key: raw.k };
}

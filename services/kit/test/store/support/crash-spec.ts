import type { CollectionSpec } from '../../../src/store/store.js';

/** The collections the crash test's child process writes. */
export const CRASH_SPEC: CollectionSpec = {
  name: 'items',
  indexes: [{ name: 'tenant_name', keys: { tenantId: 1, userNameLower: 1 }, unique: true }],
};
/** A per-tenant sequence and the events numbered by it (the shape of an outbox). */
export const COUNTERS_SPEC: CollectionSpec = { name: 'counters', indexes: [] };
export const EVENTS_SPEC: CollectionSpec = {
  name: 'events',
  indexes: [{ name: 'tenant_seq', keys: { tenantId: 1, seq: 1 }, unique: true }],
};

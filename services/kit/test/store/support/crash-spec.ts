import type { CollectionSpec } from '../../../src/store/store.js';

/** The collection the crash test's child process writes. */
export const CRASH_SPEC: CollectionSpec = { name: 'items', indexes: [{ name: 'tenant_name', keys: { tenantId: 1, userNameLower: 1 }, unique: true }] };

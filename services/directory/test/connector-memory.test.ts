import { describe, expect, it } from '@jest/globals';
import { tenantId } from '../../kit/src/store/store.js';
import { ConnectorMemory } from '../src/domain/connector-memory.js';
import type { ConnectorRecord, ConnectorRepository as ConnectorStore } from '../src/domain/ports.js';

/** A connector store in a Map, counting reads; `gate` holds reads back until released. */
function fakeStore() {
  const rows = new Map<string, ConnectorRecord>();
  let reads = 0;
  let gate: Promise<void> | undefined;
  const store: ConnectorStore = {
    async create(tenant, type) {
      const rec = {
        _id: `c${rows.size + 1}`,
        tenantId: tenant,
        type,
        enabled: true,
        createdAt: new Date(),
        updatedAt: new Date(),
      };
      rows.set(rec._id, rec);
      return { ...rec };
    },
    async get(tenant, id) {
      reads++;
      const r = rows.get(id);
      const copy = r && r.tenantId === tenant ? { ...r } : null; // what the store held when the read began
      await gate;
      return copy;
    },
    list: async (tenant) => [...rows.values()].filter((r) => r.tenantId === tenant),
    async setEnabled(tenant, id, enabled) {
      const r = rows.get(id);
      if (!r || r.tenantId !== tenant) return null;
      r.enabled = enabled;
      return { ...r };
    },
    delete: async (tenant, id) => rows.get(id)?.tenantId === tenant && rows.delete(id),
    provisioningOn: async (tenant) => [...rows.values()].some((r) => r.tenantId === tenant && r.enabled),
  };
  return {
    store,
    reads: () => reads,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

const t1 = tenantId('t1');
const t2 = tenantId('t2');

describe('ConnectorMemory (the connector check of every SCIM call)', () => {
  it('answers repeated checks from memory, per tenant', async () => {
    const f = fakeStore();
    const sut = new ConnectorMemory(f.store, Number.POSITIVE_INFINITY);
    const c = await sut.forAdmin.create(t1, 'okta');
    for (let i = 0; i < 5; i++) expect(await sut.forScim.get(t1, c._id)).toMatchObject({ enabled: true });
    expect(f.reads()).toBe(1);
    expect(await sut.forScim.get(t2, c._id)).toBeNull(); // another tenant's connector id is not found
  });

  it('sees a disable or delete made through the admin path at once', async () => {
    const f = fakeStore();
    const sut = new ConnectorMemory(f.store, Number.POSITIVE_INFINITY);
    const c = await sut.forAdmin.create(t1, 'okta');
    await sut.forScim.get(t1, c._id);
    await sut.forAdmin.setEnabled(t1, c._id, false);
    expect(await sut.forScim.get(t1, c._id)).toMatchObject({ enabled: false });
    await sut.forAdmin.delete(t1, c._id);
    expect(await sut.forScim.get(t1, c._id)).toBeNull();
  });

  it('re-reads after the ttl what another replica may have changed', async () => {
    let clock = 0;
    const f = fakeStore();
    const sut = new ConnectorMemory(f.store, 1000, 100, () => clock);
    const c = await f.store.create(t1, 'okta');
    await sut.forScim.get(t1, c._id);
    await f.store.setEnabled(t1, c._id, false); // another replica, straight to the store
    clock = 999;
    expect(await sut.forScim.get(t1, c._id)).toMatchObject({ enabled: true });
    clock = 1000;
    expect(await sut.forScim.get(t1, c._id)).toMatchObject({ enabled: false });
  });

  it('does not remember a read that was in flight while the connector changed', async () => {
    const f = fakeStore();
    const sut = new ConnectorMemory(f.store, Number.POSITIVE_INFINITY);
    const c = await sut.forAdmin.create(t1, 'okta');
    const release = f.hold();
    const racing = sut.forScim.get(t1, c._id);
    await sut.forAdmin.setEnabled(t1, c._id, false);
    release();
    await racing;
    expect(await sut.forScim.get(t1, c._id)).toMatchObject({ enabled: false });
  });
});

/**
 * The connector check every SCIM call starts with (ScimService.requireProvisioning), answered from memory.
 *
 * Every change to a connector made through this process (create, enable/disable, delete: the admin API) goes
 * through `forAdmin`, which writes to the store and then forgets the remembered answer, so this process sees
 * its own changes at once. What another process may have changed is re-read once `ttlMs` has passed: with
 * the embedded store there is no other process (ttl infinite); with MongoDB and several directory replicas,
 * the default of one second means a second replica stops provisioning for a disabled or deleted connector
 * within a second, the same promise as for entitlements. A read that was in flight while this process changed
 * the connector is not remembered (it may predate the change).
 */
import type { TenantId } from '../../../kit/src/store/store.js';
import type { ConnectorRecord, ConnectorRepository } from './ports.js';

interface Remembered {
  record: ConnectorRecord | null;
  readAt: number;
}

export class ConnectorMemory {
  private readonly entries = new Map<string, Remembered>();
  private readonly inflight = new Map<string, Promise<ConnectorRecord | null>>();
  /** Bumped by every local change (rare: admin actions): a read started before one is not remembered. */
  private changes = 0;
  /** For SCIM calls: `get` answered from memory. */
  readonly forScim: ConnectorRepository;
  /** For the admin API: reads from the store, and every write forgets what memory held. */
  readonly forAdmin: ConnectorRepository;

  constructor(
    private readonly store: ConnectorRepository,
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    const changed = <T>(tenant: TenantId, id: string, write: Promise<T>) =>
      write.finally(() => this.forget(tenant, id));
    this.forAdmin = {
      ...store,
      setEnabled: (tenant, id, enabled) => changed(tenant, id, store.setEnabled(tenant, id, enabled)),
      delete: (tenant, id) => changed(tenant, id, store.delete(tenant, id)),
    };
    this.forScim = { ...this.forAdmin, get: (tenant, id) => this.get(tenant, id) };
  }

  private async get(tenant: TenantId, id: string): Promise<ConnectorRecord | null> {
    const key = `${tenant}\u0000${id}`;
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.readAt < this.ttlMs) return hit.record;
    let pending = this.inflight.get(key);
    if (!pending) {
      const changes = this.changes;
      const readAt = this.now();
      const read: Promise<ConnectorRecord | null> = this.store
        .get(tenant, id)
        .then((record) => {
          if (this.changes === changes) {
            if (this.entries.size >= this.maxEntries) this.entries.clear();
            this.entries.set(key, { record, readAt });
          }
          return record;
        })
        .finally(() => {
          if (this.inflight.get(key) === read) this.inflight.delete(key);
        });
      pending = read;
      this.inflight.set(key, read);
    }
    return pending;
  }

  /** Forgets the connector after a change made through this process (also one written in a unit). */
  forget(tenant: TenantId, id: string) {
    const key = `${tenant}\u0000${id}`;
    this.entries.delete(key);
    this.inflight.delete(key);
    this.changes++;
  }
}

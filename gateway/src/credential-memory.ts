/**
 * Verified SCIM credentials kept in the gateway's memory, so that a request whose secret was verified before
 * costs no call to the credentials service. Trusted only while the revocation stream (revocation-watch.ts) is
 * synced and its lease holds; every entry carries its connector's credential generation, and a revocation
 * drops the entries below the generation it names and refuses answers below it that were still in flight.
 *
 * Keys are SHA-256 digests of (scheme, tenant, user name, secret): the secrets themselves are not kept, and an
 * entry answers exactly the question that was verified (same base URL, same Company ID), nothing wider.
 */
import { createHash } from 'node:crypto';
import type { ConnectorGeneration } from '../../proto/gen/credentials/v1/credentials.js';

export interface VerifiedCredential {
  tenantId: string;
  connectorId: string;
  generation: number;
}

const connectorKey = (tenantId: string, connectorId: string) => `${tenantId}\u0000${connectorId}`;

export class CredentialMemory {
  private readonly entries = new Map<string, VerifiedCredential>();
  /** Per connector: answers below this generation are refused (a revocation overtook them). */
  private readonly floors = new Map<string, number>();
  /** Changes whenever trust is lost: answers asked for under an older epoch are not remembered. */
  private epoch = 0;
  private isSynced = false;
  private leaseUntil = 0;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  static key(scheme: number, tenantId: string, username: string, secret: string): string {
    return createHash('sha256')
      .update(JSON.stringify([scheme, tenantId, username.trim().toUpperCase(), secret]))
      .digest('base64');
  }

  get size(): number {
    return this.entries.size;
  }

  /** True while memory may answer: synced with the credentials service and within the lease it granted. */
  get trusted(): boolean {
    return this.isSynced && this.now() < this.leaseUntil;
  }

  /** The remembered answer for this key, if memory may answer now. */
  get(key: string): VerifiedCredential | undefined {
    return this.trusted ? this.entries.get(key) : undefined;
  }

  /** Taken before asking the credentials service; `admit` remembers the answer only under the same epoch. */
  ticket(): number {
    return this.isSynced ? this.epoch : -1;
  }

  /** An answer of the credentials service. False: a revocation has overtaken it, refuse the request. */
  admit(key: string, v: VerifiedCredential, ticket: number): boolean {
    const floor = this.floors.get(connectorKey(v.tenantId, v.connectorId));
    if (floor !== undefined && v.generation < floor) return false;
    if (ticket === this.epoch && this.isSynced) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, v);
    }
    return true;
  }

  /** A pushed revocation: nothing of this connector below `below` is used or remembered from now on. */
  revoke(g: ConnectorGeneration) {
    const ck = connectorKey(g.tenantId, g.connectorId);
    if (this.floors.size >= this.maxEntries) {
      // forgetting floors is safe only if no answer asked for before can be remembered: start a new epoch
      this.floors.clear();
      this.entries.clear();
      this.epoch++;
    }
    this.floors.set(ck, Math.max(this.floors.get(ck) ?? 0, g.generation));
    for (const [k, v] of this.entries)
      if (v.generation < g.generation && v.tenantId === g.tenantId && v.connectorId === g.connectorId)
        this.entries.delete(k);
  }

  /** The stream is down, or the service asked for a recheck: trust nothing until the next resync. */
  lost() {
    this.isSynced = false;
    this.leaseUntil = 0;
    this.epoch++;
  }

  /** What a resync sends: each connector generation memory holds. */
  held(): ConnectorGeneration[] {
    const out = new Map<string, ConnectorGeneration>();
    for (const v of this.entries.values())
      out.set(`${connectorKey(v.tenantId, v.connectorId)}\u0000${v.generation}`, {
        tenantId: v.tenantId,
        connectorId: v.connectorId,
        generation: v.generation,
      });
    return [...out.values()];
  }

  /** The resync answer: entries whose generation is no longer current go; memory may answer again. */
  synced(current: ConnectorGeneration[]) {
    const now = new Map(current.map((c) => [connectorKey(c.tenantId, c.connectorId), c.generation]));
    for (const [k, v] of this.entries)
      if (now.get(connectorKey(v.tenantId, v.connectorId)) !== v.generation) this.entries.delete(k);
    for (const [ck, gen] of now) this.floors.set(ck, Math.max(this.floors.get(ck) ?? 0, gen));
    this.isSynced = true;
  }

  /** A pong on the current stream: the credentials service vouches for memory until the ping's time plus the lease. */
  extendLease(pingSentAt: number, leaseMs: number) {
    this.leaseUntil = Math.max(this.leaseUntil, pingSentAt + leaseMs);
  }
}

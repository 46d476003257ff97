/**
 * "Does this organization have the Enterprise Toolkit?" asked on every SCIM request, answered from memory for
 * at most `ttlMs` (≤ 1 s), so that a change reaches every gateway replica within one second while the hot path
 * pays one gRPC call per tenant per second at most. Concurrent misses share one call, made for the request whose
 * miss started it (its id and trace travel with the call).
 */
import type { Counter } from 'prom-client';
import type { RequestCallOptions } from './backends.js';

export const ENTERPRISE_TOOLKIT = 'enterprise-toolkit';

export class EntitlementCache {
  private readonly entries = new Map<string, { enabled: boolean; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly hit: { inc(): void };
  private readonly miss: { inc(): void };

  constructor(
    private readonly check: (tenant: string, call: RequestCallOptions) => Promise<boolean>,
    private readonly ttlMs: number,
    requests: Counter<'result'>,
    private readonly now: () => number = Date.now,
  ) {
    this.hit = requests.labels('hit');
    this.miss = requests.labels('miss');
  }

  /** `call`: the request asking; a miss's call carries its id and trace. */
  async enabled(tenant: string, call: RequestCallOptions): Promise<boolean> {
    const hit = this.entries.get(tenant);
    if (hit && hit.expiresAt > this.now()) {
      this.hit.inc();
      return hit.enabled;
    }
    this.miss.inc();
    let pending = this.inflight.get(tenant);
    if (!pending) {
      const startedAt = this.now();
      pending = this.check(tenant, call)
        .then((enabled) => {
          if (this.entries.size > 100_000) this.entries.clear();
          this.entries.set(tenant, { enabled, expiresAt: startedAt + this.ttlMs });
          return enabled;
        })
        .finally(() => this.inflight.delete(tenant));
      this.inflight.set(tenant, pending);
    }
    return pending;
  }

  /** This replica changed the entitlement itself: forget the cached answer at once. */
  forget(tenant: string) {
    this.entries.delete(tenant);
  }
}

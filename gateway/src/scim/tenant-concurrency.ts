/**
 * A per-tenant cap on SCIM requests in progress in this gateway, so that one tenant's burst (or a few huge
 * PATCHes) cannot take every directory slot from the others: over the cap, a request answers 429 with
 * Retry-After at once, before any gRPC call. Okta and Entra retry 429s.
 *
 * Why in the gateway: it is the first place the tenant is known (after authentication, so an unauthenticated
 * client cannot use up a tenant's slots), refusing there costs no hop and no work downstream, and it covers
 * every backend a SCIM request reaches. Each replica counts its own requests: the effective cap is the
 * setting times the number of gateway replicas (docs/faults.md).
 */
export class TenantConcurrency {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly maxPerTenant: number) {}

  /** A release function, or undefined when the tenant is at its cap. Call release exactly once. */
  tryAcquire(tenant: string): (() => void) | undefined {
    const n = this.inFlight.get(tenant) ?? 0;
    if (n >= this.maxPerTenant) return undefined;
    this.inFlight.set(tenant, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(tenant) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(tenant);
      else this.inFlight.set(tenant, left);
    };
  }

  inFlightOf(tenant: string): number {
    return this.inFlight.get(tenant) ?? 0;
  }
}

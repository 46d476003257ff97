/**
 * Which of the four services this gateway can reach, from their gRPC health checks every HEALTH_CHECK_INTERVAL_MS.
 *
 * Readiness follows what the gateway can still serve, not "all four are up": one missing service takes only the
 * routes that need it out of service (they answer 503 with Retry-After at once, see `unavailable()`), and the
 * gateway stays in its Kubernetes Service while the directory — which every surface needs — answers. Taking
 * every gateway pod out because one service is down would turn a partial outage into a full one.
 */
import type { HealthChecker } from '../../services/kit/src/health.js';
import type { Logger } from '../../services/kit/src/logger.js';

export type ServiceName = 'directory' | 'credentials' | 'entitlement' | 'identity';
export type ServiceState = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'UNREACHABLE';

/** The services each surface needs (the directory for everything; SCIM also verifies and checks entitlement). */
export const NEEDS: Record<'scim' | 'admin' | 'signIn', ServiceName[]> = {
  scim: ['credentials', 'entitlement', 'directory'],
  admin: ['directory'],
  signIn: ['identity', 'directory'],
};

export class ServiceMonitor {
  private readonly states = new Map<ServiceName, ServiceState>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly health: Record<ServiceName, HealthChecker>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly deadlineMs = 1000,
  ) {
    // Until the first check answers, a service is presumed up: a gateway does not refuse traffic on a guess.
    for (const name of Object.keys(health) as ServiceName[]) this.states.set(name, 'UNKNOWN');
  }

  start(): Promise<void> {
    const first = this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
    return first;
  }

  stop() {
    clearInterval(this.timer);
  }

  /** One round of checks (a round still running is joined, not doubled). */
  check(): Promise<void> {
    return (this.running ??= (async () => {
      const names = [...this.states.keys()];
      const results = await Promise.all(names.map((n) => this.health[n].check('', this.deadlineMs)));
      names.forEach((n, i) => {
        const before = this.states.get(n);
        const now = results[i];
        if (before !== now && (before !== 'UNKNOWN' || now !== 'SERVING')) {
          if (now === 'SERVING') this.logger.info('service available again', { peer: n });
          else this.logger.warn('service unavailable: routes that need it answer 503', { peer: n, state: now });
        }
        this.states.set(n, now);
      });
    })().finally(() => (this.running = undefined)));
  }

  snapshot(): Record<ServiceName, ServiceState> {
    return Object.fromEntries(this.states) as Record<ServiceName, ServiceState>;
  }

  /** Those of `needed` known to be down (a failed or NOT_SERVING check), empty when all may be used. */
  unavailable(needed: readonly ServiceName[]): ServiceName[] {
    return needed.filter((n) => {
      const s = this.states.get(n);
      return s === 'UNREACHABLE' || s === 'NOT_SERVING';
    });
  }

  /** Ready while the directory answers: the one service every surface needs. */
  ready(): boolean {
    return this.unavailable(['directory']).length === 0;
  }
}

/**
 * The server side of WatchRevocations: every connected gateway learns of each rotation and revocation before
 * the call that made it returns, and holds a lease on its memory that only this service can extend.
 *
 * - A rotation or revocation is pushed to every connected gateway; the call waits for each one's ack. A gateway
 *   that does not ack within `ackTimeoutMs` is dropped (its stream ended, no more pongs), and the call waits
 *   until the last lease granted to it has run out: from then on it trusts nothing in its memory.
 * - A lease: the gateway pings with its own clock reading t; the pong echoes t; the gateway trusts its memory
 *   until t + leaseMs. The server granted that lease no earlier than t, so once `leaseMs` has passed since the
 *   last pong it sent, the lease is over, whatever the gateway's clock says and however long it was stalled.
 * - With a shared store (MongoDB) another replica of this service may rotate: it counts every rotation in the
 *   store. Then pongs are sent only right after a look at that count, and a change makes every gateway of this
 *   replica resync (`recheck`) before the pongs; and a rotation waits `leaseMs` after its count: by then every
 *   gateway of every replica either was told to recheck or has lost its lease.
 */
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Gauge } from 'prom-client';
import type { Logger } from '../../../kit/src/logger.js';
import type {
  ConnectorGeneration,
  WatchRevocationsRequest,
  WatchRevocationsResponse,
} from '../../../../proto/gen/credentials/v1/credentials.js';
import type { CredentialStore } from '../store/credential-store.js';

export interface RevocationHubOptions {
  /** How long a pong extends a gateway's lease, from its ping. */
  leaseMs: number;
  /** How long a rotation waits for a gateway's ack before dropping it. */
  ackTimeoutMs: number;
  /** > 0 when other replicas may share the store: how often to look at the rotation count. */
  peerPollMs: number;
  /** Lines of the streams' own work (resyncs, the peer poll); a rotation's lines go to the rotating call's. */
  logger: Logger;
  watchers?: Gauge;
  now?: () => number;
}

type Call = ServerDuplexStream<WatchRevocationsRequest, WatchRevocationsResponse>;

interface Watcher {
  call: Call;
  acks: Map<number, (acked: boolean) => void>;
  /** When the last pong was written (this process's monotonic clock). */
  lastPongAt: number;
  /** Pings held until the next look at the rotation count (shared store only). */
  pings: number[];
  gone: boolean;
}

export interface RevocationNotifier {
  /**
   * Returns once every connected gateway refuses this connector's secrets below `g.generation`. `log`: the logger
   * of the call that rotated or revoked (a gateway dropped for not acknowledging is noted there).
   */
  revoked(g: ConnectorGeneration, log: Logger): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class RevocationHub implements RevocationNotifier {
  private readonly watchers = new Set<Watcher>();
  private seq = 0;
  private draining = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private seenCount: number | undefined;
  /** The latest end of a lease granted to a gateway no longer connected (it may not know yet). */
  private departedLeaseUntil = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: CredentialStore,
    private readonly opts: RevocationHubOptions,
  ) {
    this.now = opts.now ?? (() => performance.now());
    // a previous incarnation of this process may have granted leases that a stalled gateway still holds: they
    // end at most leaseMs after its last pong, which was before we started
    this.departedLeaseUntil = this.now() + opts.leaseMs;
    if (opts.peerPollMs > 0) this.schedulePoll();
  }

  get connected(): number {
    return this.watchers.size;
  }

  /** The bidi handler to register for WatchRevocations. */
  readonly handler = (call: Call) => {
    const w: Watcher = { call, acks: new Map(), lastPongAt: this.now(), pings: [], gone: false };
    if (this.draining) {
      call.end();
      return;
    }
    // registered before its resync is read: a rotation after this point is pushed to it
    this.watchers.add(w);
    this.opts.watchers?.set(this.watchers.size);
    call.on('data', (m: WatchRevocationsRequest) => {
      if (w.gone) return;
      if (m.ack) w.acks.get(m.ack.seq)?.(true);
      else if (m.ping) {
        if (this.opts.peerPollMs > 0) w.pings.push(m.ping.sentAt);
        else this.pong(w, m.ping.sentAt);
      } else if (m.resync) void this.resync(w, m.resync.resyncId, m.resync.held);
    });
    call.on('end', () => this.forget(w, true));
    call.on('error', () => undefined);
    call.on('cancelled', () => this.forget(w, false));
  };

  async revoked(g: ConnectorGeneration, log: Logger): Promise<void> {
    // settled into a value at once: a failed count is reported after the pushes, never as an unhandled rejection
    const counted =
      this.opts.peerPollMs > 0
        ? this.store.countRevocation().then(
            (): { at: number } | { err: unknown } => ({ at: this.now() }),
            (err: unknown) => ({ err }),
          )
        : undefined;
    const seq = ++this.seq;
    await Promise.all([...this.watchers].map((w) => this.push(w, seq, g, log)));
    // a gateway that left just before (stalled, partitioned) may still hold a lease it has not seen end
    const departed = this.departedLeaseUntil - this.now();
    if (departed > 0) await sleep(departed);
    if (counted) {
      // gateways of other replicas: told to recheck, or out of lease, once leaseMs has passed since the count
      const out = await counted;
      if ('err' in out) throw out.err;
      const left = out.at + this.opts.leaseMs - this.now();
      if (left > 0) await sleep(left);
    }
  }

  /** Ends every stream (shutdown): gateways stop trusting their memory and reconnect elsewhere. */
  drain() {
    this.draining = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const w of [...this.watchers]) this.forget(w, true);
  }

  private async push(w: Watcher, seq: number, g: ConnectorGeneration, log: Logger): Promise<void> {
    if (w.gone) return;
    const acked = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.opts.ackTimeoutMs);
      w.acks.set(seq, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      if (!this.write(w, { revoked: { seq, revokedBelow: g } })) {
        clearTimeout(timer);
        resolve(false);
      }
    });
    const ok = await acked;
    w.acks.delete(seq);
    if (ok) return;
    // no ack (or the stream ended first): this gateway must not be able to trust its memory when we return
    if (!w.gone) {
      log.warn('a gateway did not acknowledge a revocation in time; ending its stream and waiting out its lease', {
        ackTimeoutMs: this.opts.ackTimeoutMs,
      });
      this.forget(w, false);
      w.call.emit('error', {
        code: status.UNAVAILABLE,
        details: 'revocation not acknowledged in time; resync required',
      });
    }
    const left = w.lastPongAt + this.opts.leaseMs - this.now();
    if (left > 0) await sleep(left);
  }

  private async resync(w: Watcher, resyncId: number, held: ConnectorGeneration[]) {
    try {
      const current = await this.store.activeGenerations(
        held.map((h) => ({ tenantId: h.tenantId, connectorId: h.connectorId })),
      );
      this.write(w, { synced: { resyncId, current, leaseMs: this.opts.leaseMs } });
    } catch (err) {
      this.opts.logger.warn('could not read credential generations for a gateway resync; ending its stream', {
        err: (err as Error).message,
      });
      this.forget(w, false);
      w.call.emit('error', { code: status.UNAVAILABLE, details: 'resync failed; reconnect' });
    }
  }

  private pong(w: Watcher, sentAt: number) {
    // the time is taken before the write: the lease we grant is never later than we think
    if (this.write(w, { pong: { sentAt } })) w.lastPongAt = this.now();
  }

  private write(w: Watcher, m: Partial<WatchRevocationsResponse>): boolean {
    if (w.gone || w.call.cancelled) return false;
    w.call.write({ synced: undefined, revoked: undefined, pong: undefined, recheck: undefined, ...m });
    return true;
  }

  private forget(w: Watcher, end: boolean) {
    if (w.gone) return;
    w.gone = true;
    this.watchers.delete(w);
    this.opts.watchers?.set(this.watchers.size);
    this.departedLeaseUntil = Math.max(this.departedLeaseUntil, w.lastPongAt + this.opts.leaseMs);
    for (const ack of w.acks.values()) ack(false);
    w.acks.clear();
    if (end && !w.call.cancelled) w.call.end();
  }

  private schedulePoll() {
    this.pollTimer = setTimeout(() => void this.poll(), this.opts.peerPollMs);
    this.pollTimer.unref();
  }

  /** Shared store: a change in the rotation count makes every gateway resync; then the held pings get pongs. */
  private async poll() {
    // only pings received before the count is read get a pong after it: their leases end before any rotation
    // counted after that read has waited leaseMs
    const held = [...this.watchers].map((w) => {
      const pings = w.pings;
      w.pings = [];
      return { w, pings };
    });
    try {
      const count = await this.store.revocationCount();
      if (this.seenCount !== undefined && count !== this.seenCount)
        for (const w of this.watchers) this.write(w, { recheck: {} });
      this.seenCount = count;
      for (const { w, pings } of held)
        for (const p of pings) if (this.write(w, { pong: { sentAt: p } })) w.lastPongAt = this.now();
    } catch (err) {
      // no pongs while the count cannot be read: leases run out and gateways verify every request
      this.opts.logger.warn(
        'could not read the rotation count; gateways will verify every request until it can be read',
        { err: (err as Error).message },
      );
    } finally {
      if (!this.draining) this.schedulePoll();
    }
  }
}

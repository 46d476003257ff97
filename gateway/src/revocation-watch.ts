/**
 * The gateway's end of WatchRevocations (credentials.proto): keeps CredentialMemory synced with the
 * credentials service. On every (re)connect it resyncs (sends the connector generations it holds, drops what
 * the store has moved past), acknowledges every pushed revocation after applying it, and pings for a lease
 * a few times per lease period. A lost stream, a recheck or a missing pong all leave memory untrusted, and
 * requests are then verified by the credentials service one by one, as without memory.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../../services/kit/src/logger.js';
import type { WatchRevocationsRequest, WatchRevocationsResponse } from '../../proto/gen/credentials/v1/credentials.js';
import type { CredentialMemory } from './credential-memory.js';

type Stream = ClientDuplexStream<WatchRevocationsRequest, WatchRevocationsResponse>;
const message = (m: Partial<WatchRevocationsRequest>): WatchRevocationsRequest => ({
  resync: undefined,
  ack: undefined,
  ping: undefined,
  ...m,
});

export interface RevocationWatchOptions {
  logger?: Logger;
  /** Until the first resync answer says otherwise. */
  initialLeaseMs?: number;
  now?: () => number;
}

export class RevocationWatch {
  private stream: Stream | null = null;
  private pingTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  private leaseMs: number;
  private resyncId = 0;
  private lastPongAt = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly open: () => Stream,
    private readonly memory: CredentialMemory,
    private readonly opts: RevocationWatchOptions = {},
  ) {
    this.leaseMs = opts.initialLeaseMs ?? 1500;
    this.now = opts.now ?? (() => performance.now());
  }

  start() {
    this.connect();
  }

  close() {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.memory.lost();
    const s = this.stream;
    this.stream = null;
    s?.cancel();
  }

  private connect() {
    if (this.closed) return;
    this.memory.lost();
    const s = this.open();
    this.stream = s;
    this.lastPongAt = this.now();
    s.on('data', (m: WatchRevocationsResponse) => this.received(s, m));
    s.on('error', () => undefined); // reported by 'status'
    s.on('status', (st: { code: number; details: string }) => this.ended(s, st));
    this.resync(s);
    this.ping(s);
    this.schedulePings(s);
  }

  private received(s: Stream, m: WatchRevocationsResponse) {
    if (s !== this.stream) return;
    if (m.revoked) {
      if (m.revoked.revokedBelow) this.memory.revoke(m.revoked.revokedBelow);
      s.write(message({ ack: { seq: m.revoked.seq } }));
    } else if (m.pong) {
      this.lastPongAt = this.now();
      this.memory.extendLease(m.pong.sentAt, this.leaseMs);
    } else if (m.synced) {
      if (m.synced.resyncId !== this.resyncId) return; // an answer to a resync overtaken by a recheck
      if (m.synced.leaseMs > 0 && m.synced.leaseMs !== this.leaseMs) {
        this.leaseMs = m.synced.leaseMs;
        this.schedulePings(s);
      }
      this.memory.synced(m.synced.current);
      this.backoffMs = 100;
    } else if (m.recheck) {
      this.memory.lost();
      this.resync(s);
    }
  }

  private resync(s: Stream) {
    this.resyncId = this.resyncId >= 0xffff_ffff ? 1 : this.resyncId + 1;
    s.write(message({ resync: { held: this.memory.held(), resyncId: this.resyncId } }));
  }

  private ping(s: Stream) {
    s.write(message({ ping: { sentAt: this.now() } }));
  }

  private schedulePings(s: Stream) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(
      () => {
        if (s !== this.stream) return;
        // a stream that has not answered for many leases is dead (half-open connection): start over
        if (this.now() - this.lastPongAt > Math.max(10_000, 5 * this.leaseMs)) {
          this.opts.logger?.warn('no answer on the revocation stream; reconnecting');
          s.cancel();
          return;
        }
        this.ping(s);
      },
      Math.max(20, Math.floor(this.leaseMs / 4)),
    );
    this.pingTimer.unref();
  }

  private ended(s: Stream, st: { code: number; details: string }) {
    if (s !== this.stream) return;
    this.stream = null;
    this.memory.lost();
    clearInterval(this.pingTimer);
    if (this.closed) return;
    if (st.code !== 0 && st.code !== 1)
      this.opts.logger?.warn('revocation stream ended; verifying every request until it is back', {
        code: st.code,
        details: st.details,
      });
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
    this.reconnectTimer.unref();
  }
}

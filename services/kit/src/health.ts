/**
 * grpc.health.v1 (gRPC's standard health-checking protocol, proto/grpc/health/v1/health.proto) on every service —
 * "" for Kubernetes probes plus each full service name — and a client. Served from the project's own generated
 * code: the protocol is three small messages, not worth a runtime .proto loader in every process.
 */
import { Metadata, status, type Server, type ServerWritableStream } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  HealthService,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
} from '../../../proto/gen/grpc/health/v1/health.js';
import { channelCredentials, type GrpcTls } from './grpc-tls.js';

/** The protocol's answer to List past this many services (the reference servers use the same limit). */
const LIST_LIMIT = 100;

/** The serving status of each service name of one server, answered to Check, List and Watch. */
export class HealthStatuses {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<(s: ServingStatus) => void>>();

  constructor(initial: Record<string, ServingStatus> = {}) {
    for (const [name, s] of Object.entries(initial)) this.statuses.set(name, s);
  }

  set(service: string, s: ServingStatus) {
    if (this.statuses.get(service) === s) return;
    this.statuses.set(service, s);
    for (const tell of this.watchers.get(service) ?? []) tell(s);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Serves these statuses on `server` too (e.g. kubelet's plaintext health-only port). */
  addToServer(server: Server) {
    server.addService(HealthService, this.handlers);
  }

  private readonly handlers: HealthServer = {
    check: (call, callback) => {
      const s = this.statuses.get(call.request.service);
      if (s === undefined)
        return callback({ code: status.NOT_FOUND, details: `no health status for service "${call.request.service}"` });
      callback(null, { status: s });
    },
    list: (_call, callback) => {
      if (this.statuses.size > LIST_LIMIT)
        return callback({ code: status.RESOURCE_EXHAUSTED, details: `more than ${LIST_LIMIT} services to list` });
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [name, s] of this.statuses) statuses[name] = { status: s };
      callback(null, { statuses });
    },
    watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
      const service = call.request.service;
      const tell = (s: ServingStatus) => {
        if (!call.cancelled) call.write({ status: s });
      };
      let set = this.watchers.get(service);
      if (!set) this.watchers.set(service, (set = new Set()));
      set.add(tell);
      call.on('cancelled', () => {
        set.delete(tell);
        if (!set.size) this.watchers.delete(service);
      });
      tell(this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN);
    },
  };
}

export function addHealth(server: Server, serviceNames: string[]): HealthStatuses {
  const health = new HealthStatuses(
    Object.fromEntries(['', ...serviceNames].map((n) => [n, ServingStatus.NOT_SERVING])),
  );
  health.addToServer(server);
  return health;
}

export function setServing(health: HealthStatuses, serviceNames: string[], serving: boolean) {
  for (const n of ['', ...serviceNames]) health.set(n, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
}

export interface HealthChecker {
  check(service?: string, deadlineMs?: number): Promise<'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'UNREACHABLE'>;
  close(): void;
}

/** `channelOptions`: grpc-js channel options, e.g. a short reconnect backoff for a caller waiting for a start. */
export function healthChecker(
  address: string,
  tls?: GrpcTls,
  channelOptions: Record<string, number> = {},
): HealthChecker {
  const channel = channelCredentials(tls);
  const client = new HealthClient(address, channel.credentials, { ...channel.options, ...channelOptions });
  return {
    check: (service = '', deadlineMs = 1000) =>
      new Promise((resolve) => {
        client.check({ service }, new Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
          if (err || !res) return resolve('UNREACHABLE');
          resolve(
            res.status === ServingStatus.SERVING
              ? 'SERVING'
              : res.status === ServingStatus.NOT_SERVING
                ? 'NOT_SERVING'
                : 'UNKNOWN',
          );
        });
      }),
    close: () => client.close(),
  };
}

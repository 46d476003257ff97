/**
 * The composition shared by the four gRPC services: server + health + metrics port, and a graceful stop
 * (health NOT_SERVING, end long-lived streams, stop accepting, finish in-flight calls within the grace period,
 * close stores).
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Server as HttpServer } from 'node:http';
import { serverCredentials, type GrpcTls } from './grpc-tls.js';
import { addHealth, setServing } from './health.js';
import type { Logger } from './logger.js';
import { startMetricsServer, type Metrics } from './metrics.js';
import type { ServiceDef } from './grpc-server.js';

export interface ServiceRegistration {
  definition: ServiceDef;
  /** Fully-qualified name, e.g. "directory.v1.DirectoryService". */
  name: string;
  implementation: UntypedServiceImplementation;
}

export interface RunOptions {
  service: string;
  host?: string;
  grpcPort: number;
  metricsPort: number;
  logger: Logger;
  metrics: Metrics;
  registrations: ServiceRegistration[];
  /** Closed in order after the server stopped (stores, caches, peer clients). */
  closers: Array<() => Promise<void> | void>;
  /** Called when shutdown starts, before waiting for calls in flight (long-lived streams end here). */
  drainers?: Array<() => void>;
  shutdownGraceMs: number;
  inFlight?: { count: number };
  /** TLS with client certificates on the gRPC port (grpc-tls.ts); plaintext when absent. */
  tls?: GrpcTls;
  /** A plaintext port serving only grpc.health.v1, for kubelet probes when the gRPC port speaks TLS; 0: none. */
  healthPort?: number;
}

export interface RunningService {
  grpcPort: number;
  metricsPort: number;
  stop(reason?: string): Promise<void>;
}

export async function runGrpcService(opts: RunOptions): Promise<RunningService> {
  const host = opts.host ?? '0.0.0.0';
  // A bounded connection age makes clients reconnect now and then, spreading load over replicas behind a
  // Kubernetes Service (gRPC balances per connection, not per call).
  const server = new Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_connection_age_ms': 300_000,
    'grpc.max_connection_age_grace_ms': 30_000,
  });
  const names = opts.registrations.map((r) => r.name);
  for (const r of opts.registrations) server.addService(r.definition as never, r.implementation);
  const health = addHealth(server, names);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.grpcPort}`, serverCredentials(opts.tls), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  let healthServer: Server | undefined;
  if (opts.healthPort) {
    healthServer = new Server();
    health.addToServer(healthServer);
    const hs = healthServer;
    await new Promise<number>((resolve, reject) =>
      hs.bindAsync(`${host}:${opts.healthPort}`, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    ).catch((err) => {
      server.forceShutdown();
      throw err;
    });
  }
  let metricsServer: HttpServer;
  let metricsPort: number;
  try {
    ({ server: metricsServer, port: metricsPort } = await startMetricsServer(
      opts.metrics.registry,
      opts.metricsPort,
      host,
    ));
  } catch (err) {
    server.forceShutdown();
    healthServer?.forceShutdown();
    throw err;
  }
  setServing(health, names, true);
  opts.logger.info('service started', {
    grpcPort,
    metricsPort,
    tls: Boolean(opts.tls),
    ...(opts.healthPort ? { healthPort: opts.healthPort } : {}),
  });

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') =>
    (stopping ??= (async () => {
      opts.logger.info('shutting down', { reason, inFlight: opts.inFlight?.count });
      setServing(health, names, false);
      for (const drain of opts.drainers ?? []) drain();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          opts.logger.warn('grace period over; cancelling calls still in flight', { inFlight: opts.inFlight?.count });
          server.forceShutdown();
          resolve();
        }, opts.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      healthServer?.forceShutdown();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      for (const close of opts.closers) {
        try {
          await close();
        } catch (err) {
          opts.logger.error('error while closing', { err });
        }
      }
      opts.logger.info('stopped');
    })());
  return { grpcPort, metricsPort, stop };
}

/** Wires SIGTERM/SIGINT to a stop function, once, and exits when it is done. */
export function exitOnSignals(stop: (reason: string) => Promise<void>, logger: Logger) {
  let signalled = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (signalled) return;
      signalled = true;
      stop(sig).then(
        () => process.exit(0),
        (err) => {
          logger.error('shutdown failed', { err });
          process.exit(1);
        },
      );
    });
  }
}

/** Boot failures (bad configuration, port in use) end the process with a readable message and status 1. */
export function failBoot(service: string, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    JSON.stringify({
      time: new Date().toISOString(),
      level: 'error',
      service,
      msg: 'failed to start',
      error: message,
    }) + '\n',
  );
  process.exit(1);
}

/** The composition root every gRPC service shares: config → logger/metrics → build → serve → stop on signal. */
import type { Env } from './config.js';
import type { GrpcTls } from './grpc-tls.js';
import { createLogger, type Level, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import {
  exitOnSignals,
  failBoot,
  runGrpcService,
  type RunningService,
  type ServiceRegistration,
} from './service-runtime.js';

export interface BaseServiceConfig {
  logLevel: Level;
  grpcPort: number;
  metricsPort: number;
  host: string;
  shutdownGraceMs: number;
  grpcTls?: GrpcTls;
  grpcHealthPort?: number;
}

export interface BuildContext<C> {
  config: C;
  logger: Logger;
  metrics: Metrics;
  inFlight: { count: number };
}

export interface Built {
  registrations: ServiceRegistration[];
  closers: Array<() => Promise<void> | void>;
  /** Called when shutdown starts, before waiting for calls: long-lived streams end themselves here. */
  drainers?: Array<() => void>;
}

export async function startService<C extends BaseServiceConfig>(
  service: string,
  load: (env: Env) => { config: C; warnings: string[] },
  build: (ctx: BuildContext<C>) => Promise<Built>,
  env: Env = process.env,
): Promise<RunningService & { logger: Logger }> {
  const { config, warnings } = load(env);
  const logger = createLogger(service, config.logLevel);
  for (const w of warnings) logger.warn(`INSECURE DEFAULT: ${w}`);
  const metrics = createMetrics(service);
  const inFlight = { count: 0 };
  const built = await build({ config, logger, metrics, inFlight });
  const running = await runGrpcService({
    service,
    host: config.host,
    grpcPort: config.grpcPort,
    metricsPort: config.metricsPort,
    logger,
    metrics,
    registrations: built.registrations,
    closers: built.closers,
    drainers: built.drainers,
    shutdownGraceMs: config.shutdownGraceMs,
    inFlight,
    tls: config.grpcTls,
    healthPort: config.grpcHealthPort,
  });
  return { ...running, logger };
}

/** For main.ts: start, wire signals, and turn boot failures into one readable line and exit status 1. */
export function main<C extends BaseServiceConfig>(
  service: string,
  load: (env: Env) => { config: C; warnings: string[] },
  build: (ctx: BuildContext<C>) => Promise<Built>,
) {
  startService(service, load, build).then(
    (running) => exitOnSignals(() => running.stop(), running.logger),
    (err) => failBoot(service, err),
  );
}

/** Gateway composition root: config → backends → express app → HTTP + metrics listeners → graceful stop. */
import type { Server } from 'node:http';
import { createLogger } from '../../services/kit/src/logger.js';
import { openKeyValueStore } from '../../services/kit/src/kv.js';
import { createMetrics, startMetricsServer } from '../../services/kit/src/metrics.js';
import { exitOnSignals, failBoot } from '../../services/kit/src/service-runtime.js';
import { createApp } from './app.js';
import { connectBackends } from './backends.js';
import { loadGatewayConfig } from './config.js';
import { listenHttp } from './http/http-server.js';

async function start() {
  const { config, warnings } = loadGatewayConfig(process.env);
  const logger = createLogger('gateway', config.logLevel);
  for (const w of warnings) logger.warn(`INSECURE DEFAULT: ${w}`);
  const metrics = createMetrics('gateway');
  const backends = connectBackends(
    {
      directory: config.directoryAddr,
      credentials: config.credentialsAddr,
      entitlement: config.entitlementAddr,
      identity: config.identityAddr,
    },
    metrics,
    config.grpcTls,
    logger,
  );
  const kv = await openKeyValueStore(config.redisUrl, config, logger, metrics.registry);
  const { app, close } = createApp({ config, backends, kv, logger, metrics });

  const server: Server = await listenHttp(app, config.port, config.host, {
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
    maxConnections: config.httpMaxConnections,
  });
  const { server: metricsServer, port: metricsPort } = await startMetricsServer(
    metrics.registry,
    config.metricsPort,
    config.host,
  );
  const address = server.address();
  logger.info('gateway started', {
    port: typeof address === 'object' && address ? address.port : config.port,
    metricsPort,
    publicUrl: config.publicUrl,
  });

  let stopping: Promise<void> | undefined;
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      logger.info('shutting down', { reason });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, config.shutdownGraceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await close();
      await kv.close();
      backends.close();
      logger.info('stopped');
    })());
  exitOnSignals(stop, logger);
}

start().catch((err) => failBoot('gateway', err));

/** Prometheus metrics: one registry per process, served on its own port (METRICS_PORT). */
import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  grpcServerHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
  grpcServerHandling: Histogram<'grpc_service' | 'grpc_method'>;
  grpcClientHandled: Counter<'grpc_service' | 'grpc_method' | 'grpc_code'>;
}

/**
 * A metric's children by label values, each made once: on hot paths (every SCIM request) this saves prom-client
 * hashing a label object per observation. `make` builds what one label set needs (a child, or several).
 */
export function childrenBy<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join('\u0000');
    let c = made.get(key);
    if (!c) made.set(key, (c = make(...values)));
    return c;
  };
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    grpcServerHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed on the server, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [registry],
    }),
    grpcServerHandling: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'gRPC server handling time in seconds.',
      labelNames: ['grpc_service', 'grpc_method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    grpcClientHandled: new Counter({
      name: 'grpc_client_handled_total',
      help: 'gRPC calls completed by this process as a client, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      registers: [registry],
    }),
  };
}

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host = '0.0.0.0',
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}

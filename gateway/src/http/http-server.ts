/**
 * The gateway's HTTP listener, hardened against slow and numerous clients: a client must send its headers within
 * HTTP_HEADERS_TIMEOUT_MS and its whole request within HTTP_REQUEST_TIMEOUT_MS (Node answers 408 and closes the
 * connection), and at most HTTP_MAX_CONNECTIONS connections are open at once (further ones are closed on accept).
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  /** Idle keep-alive connections: longer than typical load balancer idle timeouts (60 s). */
  keepAliveTimeoutMs?: number;
}

export async function listenHttp(
  handler: RequestListener,
  port: number,
  host: string,
  limits: HttpLimits,
): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let a slow client stay that long).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
      keepAliveTimeout: limits.keepAliveTimeoutMs ?? 65_000,
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

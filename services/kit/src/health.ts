/** grpc.health.v1 on every service ("" for Kubernetes probes plus each full service name), and a client. */
import { makeGenericClientConstructor, type Server } from '@grpc/grpc-js';
import { channelCredentials, type GrpcTls } from './grpc-tls.js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';

export function addHealth(server: Server, serviceNames: string[]): HealthImplementation {
  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    ...Object.fromEntries(serviceNames.map((n) => [n, 'NOT_SERVING'])),
  });
  health.addToServer(server);
  return health;
}

export function setServing(health: HealthImplementation, serviceNames: string[], serving: boolean) {
  for (const n of ['', ...serviceNames]) health.setStatus(n, serving ? 'SERVING' : 'NOT_SERVING');
}

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

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
  const client = new HealthClient(address, channel.credentials, {
    ...channel.options,
    ...channelOptions,
  }) as unknown as {
    check(
      req: { service: string },
      opts: { deadline: number },
      cb: (err: Error | null, res?: { status: string | number }) => void,
    ): void;
    close(): void;
  };
  return {
    check: (service = '', deadlineMs = 1000) =>
      new Promise((resolve) => {
        client.check({ service }, { deadline: Date.now() + deadlineMs }, (err, res) => {
          if (err || !res) return resolve('UNREACHABLE');
          const s = res.status;
          resolve(s === 'SERVING' || s === 1 ? 'SERVING' : s === 'NOT_SERVING' || s === 2 ? 'NOT_SERVING' : 'UNKNOWN');
        });
      }),
    close: () => client.close(),
  };
}

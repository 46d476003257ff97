/**
 * The identity service as it runs in production, for medium tests: a real gRPC server on a free port (the
 * service's own build function), a real redis-server, the embedded document store in a temporary directory and
 * a small real gRPC directory on a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../../kit/src/boot.js';
import { connect, type PromiseClient } from '../../../kit/src/grpc-client.js';
import { IdentityServiceClient, type IdentityServiceService } from '../../../../proto/gen/identity/v1/identity.js';
import { startRedis, type RedisHandle } from '../../../../test/support/redis-server.js';
import { loadIdentityConfig } from '../../src/config.js';
import { buildIdentityService } from '../../src/server.js';
import { FakeDirectory } from './fake-directory.js';

export interface IdentityStack {
  redis: RedisHandle;
  directory: FakeDirectory;
  address: string;
  metricsUrl: string;
  client: PromiseClient<typeof IdentityServiceService>;
  stop(): Promise<void>;
}

export async function startIdentityStack(env: Record<string, string> = {}): Promise<IdentityStack> {
  const redis = await startRedis();
  const directory = new FakeDirectory();
  const dataDir = mkdtempSync(join(tmpdir(), 'identity-'));
  try {
    await directory.start();
    const sut = await startService('identity', loadIdentityConfig, (ctx) => buildIdentityService(ctx), {
      LOG_LEVEL: 'error',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      DIRECTORY_ADDR: directory.address,
      ...env,
    });
    const address = `127.0.0.1:${sut.grpcPort}`;
    const client = connect(IdentityServiceClient, address);
    return {
      redis,
      directory,
      address,
      metricsUrl: `http://127.0.0.1:${sut.metricsPort}/metrics`,
      client,
      async stop() {
        client.close();
        await sut.stop();
        await directory.stop();
        await redis.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await directory.stop();
    await redis.stop();
    throw err;
  }
}

/** The trailing metadata of a gRPC error (reason, issuers…) as a plain object. */
export function errorMetadata(err: unknown): Record<string, string> {
  const md = (err as { metadata?: { getMap(): Record<string, unknown> } }).metadata;
  return Object.fromEntries(Object.entries(md?.getMap() ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Runs a promise that must fail and returns its error. */
export async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

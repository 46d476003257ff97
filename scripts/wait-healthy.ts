/**
 * `npm start`'s wait for the services (a worker thread of scripts/start.ts): polls grpc.health.v1 on each
 * address until every one answers SERVING, then posts `{ ok: true }`, or `{ error }` once the deadline passed.
 * It runs in a worker so that the gRPC client it loads goes away with it: the supervising process then stays
 * at the size of a bare Node process for as long as the system runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { grpcTlsField, loadConfig } from '../services/kit/src/config.js';
import { healthChecker } from '../services/kit/src/health.js';

export interface WaitHealthyData {
  targets: Array<{ name: string; address: string }>;
  timeoutMs: number;
}

const { targets, timeoutMs } = workerData as WaitHealthyData;
// With GRPC_TLS_* set, the services speak TLS and the health checks must too (the worker shares process.env).
const { grpcTls } = loadConfig(process.env, { grpcTls: grpcTlsField() }).config;

async function waitHealthy(target: { name: string; address: string }) {
  // a short reconnect backoff: on a loaded machine a service can take many seconds to listen, and grpc-js's
  // default backoff (growing to minutes) would otherwise look again only after the deadline
  const checker = healthChecker(target.address, grpcTls, {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 500,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if ((await checker.check('', 500)) === 'SERVING') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${target.name} did not become healthy within ${timeoutMs} ms`);
  } finally {
    checker.close();
  }
}

Promise.all(targets.map(waitHealthy)).then(
  () => parentPort!.postMessage({ ok: true }),
  (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);

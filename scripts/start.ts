/**
 * `npm start`: runs the five processes on their embedded defaults (or on MONGODB_URI / REDIS_URL when set),
 * waits until each is healthy, restarts none silently (one dying stops them all, loudly), and stops them all on
 * Ctrl-C / SIGTERM without leaving a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { grpcTlsField, loadConfig } from '../services/kit/src/config.js';
import { newSecret } from '../services/kit/src/secrets.js';
import type { WaitHealthyData } from './wait-healthy.js';

const env = process.env;
const dataDir = resolve(env.DATA_DIR || './.data');
const port = Number(env.PORT || 8080);
const grpcBase = Number(env.SERVICE_PORT_BASE || 50051);
const metricsBase = Number(env.METRICS_PORT_BASE || 9100);
const host = env.BIND_HOST || '127.0.0.1';
const startTimeoutMs = Number(env.START_TIMEOUT_MS || 30000);
// A bad GRPC_TLS_* fails here, before anything starts (the health checks in the worker read the same settings).
loadConfig(env, { grpcTls: grpcTlsField() });
// More than one gateway process (ports PORT, PORT+1, …; metrics METRICS_PORT_BASE, then +5, +6, …), as
// replicas behind a load balancer: every one keeps its own credential memory, each kept in sync.
const gatewayReplicas = Number(env.GATEWAY_REPLICAS || 1);

function say(msg: string) {
  process.stderr.write(`[start] ${msg}\n`);
}

function adminToken(): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    chmodSync(file, 0o600); // a copy restored with looser permissions is tightened again
    return readFileSync(file, 'utf8').trim();
  }
  const token = newSecret('scimgw_admin_');
  // Created 0600 (owner only) from the first byte: flag "wx" fails rather than reuse a file someone else made.
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  say(`generated an admin token and stored it in ${file}`);
  return token;
}

interface Spec {
  name: string;
  entry: string;
  env: Record<string, string>;
  grpcPort?: number;
}

const dist = fileURLToPath(new URL('..', import.meta.url));
const addr = (i: number) => `127.0.0.1:${grpcBase + i}`;
const services: Spec[] = ['identity', 'directory', 'credentials', 'entitlement'].map((name, i) => ({
  name,
  entry: join(dist, 'services', name, 'src', 'main.js'),
  grpcPort: grpcBase + i,
  env: {
    GRPC_PORT: String(grpcBase + i),
    METRICS_PORT: String(metricsBase + 1 + i),
    HOST: host,
    DATA_DIR: dataDir,
    DIRECTORY_ADDR: addr(1),
  },
}));

const children = new Map<string, ChildProcess>();
let stopping = false;
let healthWorker: Worker | undefined;

function launch(spec: Spec) {
  const child = spawn(process.execPath, [spec.entry], {
    env: { ...env, ...spec.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.set(spec.name, child);
  child.on('exit', (code, signal) => {
    children.delete(spec.name);
    if (!stopping) {
      say(`${spec.name} exited unexpectedly (${signal ?? `status ${code}`}); stopping everything`);
      void stopAll(1);
    }
  });
}

/**
 * Waits until every service answers SERVING on grpc.health.v1 (over TLS with GRPC_TLS_* set). The checks run in
 * a worker thread (scripts/wait-healthy.ts): the gRPC client is loaded there and freed with it, so this process,
 * which stays up as long as the system does, holds about 20 MiB less.
 */
async function waitHealthy(specs: Spec[]): Promise<void> {
  const workerData: WaitHealthyData = {
    targets: specs.map((s) => ({ name: s.name, address: `127.0.0.1:${s.grpcPort}` })),
    timeoutMs: startTimeoutMs,
  };
  const worker = new Worker(new URL('./wait-healthy.js', import.meta.url), { workerData });
  healthWorker = worker;
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ok?: true; error?: string }) => (m.ok ? resolve() : reject(new Error(m.error))));
      worker.once('error', reject);
      // terminated by stopAll (stopping: main() ends quietly) or died before answering
      worker.once('exit', (code) => (stopping ? resolve() : reject(new Error(`health checks ended (${code})`))));
    });
  } finally {
    healthWorker = undefined;
    await worker.terminate();
  }
}

/** GET /readyz on the gateway: its status code, or 0 when nothing answers (node:http, which costs no memory). */
function readyStatus(gatewayPort: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port: gatewayPort, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function stopAll(status: number) {
  if (stopping) return;
  stopping = true;
  void healthWorker?.terminate();
  const running = [...children.values()];
  for (const c of running) c.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const c of children.values()) c.kill('SIGKILL');
  }, 15000);
  await Promise.all(
    running
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => new Promise((r) => c.once('exit', r))),
  );
  clearTimeout(killer);
  say('all processes stopped');
  process.exit(status);
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  const token = adminToken();
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const s of services) launch(s);
  await waitHealthy(services);
  if (stopping) return;
  if (!Number.isInteger(gatewayReplicas) || gatewayReplicas < 1 || gatewayReplicas > 16)
    throw new Error(`GATEWAY_REPLICAS: "${env.GATEWAY_REPLICAS}" must be an integer from 1 to 16`);
  for (let i = 0; i < gatewayReplicas; i++)
    launch({
      name: i === 0 ? 'gateway' : `gateway-${i + 1}`,
      entry: join(dist, 'gateway', 'src', 'main.js'),
      env: {
        PORT: String(port + i),
        METRICS_PORT: String(i === 0 ? metricsBase : metricsBase + 4 + i),
        HOST: env.HOST || '0.0.0.0',
        ADMIN_TOKEN: token,
        IDENTITY_ADDR: addr(0),
        DIRECTORY_ADDR: addr(1),
        CREDENTIALS_ADDR: addr(2),
        ENTITLEMENT_ADDR: addr(3),
      },
    });
  const deadline = Date.now() + startTimeoutMs;
  for (let i = 0; i < gatewayReplicas && !stopping;) {
    const status = await readyStatus(port + i);
    if (status >= 200 && status < 300) {
      i++;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the gateway did not become ready within ${startTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const publicUrl = env.PUBLIC_URL || `http://localhost:${port}`;
  process.stdout.write(
    [
      '',
      `SCIM gateway ready: ${publicUrl}   (data in ${dataDir}${env.MONGODB_URI ? '; MongoDB' : ''}${env.REDIS_URL ? '; Redis' : ''})`,
      ...(gatewayReplicas > 1 ? [`  gateway replicas on ports ${port}-${port + gatewayReplicas - 1}`] : []),
      `  admin API:   ${publicUrl}/admin/v1   Authorization: Bearer ${token}`,
      `  setup link:  POST ${publicUrl}/admin/v1/orgs/{org}/setup-links  → a one-time link to Organization Setup (${publicUrl}/setup)`,
      `  health:      ${publicUrl}/readyz     metrics: http://127.0.0.1:${metricsBase}-${metricsBase + 4}/metrics`,
      `  stop with Ctrl-C`,
      '',
    ].join('\n') + '\n',
  );
}

main().catch((err) => {
  say(err instanceof Error ? err.message : String(err));
  void stopAll(1);
});

/**
 * Starts the whole system exactly as `npm start` does (dist/scripts/start.js, five OS processes over gRPC) on
 * free ports and a temporary DATA_DIR. Requires `npm run build` first (`npm test` does it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

export interface RunningSystem {
  url: string;
  /** Every gateway replica (GATEWAY_REPLICAS); the first is `url`. */
  gatewayUrls: string[];
  adminToken: string;
  dataDir: string;
  supervisor: ChildProcess;
  metricsPorts: Record<'gateway' | 'identity' | 'directory' | 'credentials' | 'entitlement', number>;
  /** Pids of the service processes (five, plus one per extra gateway replica). */
  childPids(): number[];
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freeRange(n: number): Promise<number> {
  // n consecutive free ports (the supervisor places services at base+i)
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const { createServer } = await import('node:net');
    const ok = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<boolean>((res) => {
            const s = createServer();
            s.once('error', () => res(false));
            s.listen(base + i, '127.0.0.1', () => s.close(() => res(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port range');
}

export async function startSystem(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'scimgw-e2e-')),
): Promise<RunningSystem> {
  const entry = join(root, 'dist', 'scripts', 'start.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  const replicas = Number(extraEnv.GATEWAY_REPLICAS || 1);
  const port = replicas > 1 ? await freeRange(replicas) : await freePort();
  const grpcBase = await freeRange(4);
  const metricsBase = await freeRange(4 + replicas);
  let out = '';
  const supervisor = spawn(process.execPath, [entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      ...extraEnv,
      PORT: String(port),
      SERVICE_PORT_BASE: String(grpcBase),
      METRICS_PORT_BASE: String(metricsBase),
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  supervisor.stdout.on('data', (d: Buffer) => (out += d.toString()));
  supervisor.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`system did not start:\n${out}`)), 60000);
    const onData = () => {
      if (out.includes('SCIM gateway ready')) {
        clearTimeout(timer);
        resolvePromise();
      }
    };
    supervisor.stdout.on('data', onData);
    supervisor.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`supervisor exited with ${code}:\n${out}`));
    });
  });
  const adminToken = extraEnv.ADMIN_TOKEN ?? readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const childPids = () => {
    try {
      return execFileSync('ps', ['-o', 'pid=', '--ppid', String(supervisor.pid)], { encoding: 'utf8' })
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter((n) => n > 0);
    } catch {
      return [];
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    gatewayUrls: Array.from({ length: replicas }, (_, i) => `http://127.0.0.1:${port + i}`),
    adminToken,
    dataDir,
    supervisor,
    metricsPorts: {
      gateway: metricsBase,
      identity: metricsBase + 1,
      directory: metricsBase + 2,
      credentials: metricsBase + 3,
      entitlement: metricsBase + 4,
    },
    childPids,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((res) => {
        if (supervisor.exitCode !== null) return res(supervisor.exitCode);
        supervisor.once('exit', (code) => res(code));
        supervisor.kill(signal);
      }),
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A small HTTP client for tests: JSON in, status + headers + parsed body out. */
export async function http(
  method: string,
  url: string,
  opts: {
    token?: string;
    basic?: [string, string];
    body?: unknown;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.basic)
    headers.authorization = `Basic ${Buffer.from(`${opts.basic[0]}:${opts.basic[1]}`).toString('base64')}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = opts.contentType ?? 'application/scim+json';
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

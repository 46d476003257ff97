/**
 * `npm run bench [-- 10000 100000]`: starts the whole system (as `npm start` does, embedded defaults, a fresh
 * temporary DATA_DIR), warms it up on a tenant of its own, and drives it over HTTP like Okta does. Prints, per
 * tenant size: the floor (an authenticated SCIM request that touches no user or group: the HTTP, two gRPC hops
 * and connector check every request pays), creates, userName lookups and PATCH deactivations (requests/s, p50/p99 latency, server
 * CPU per request summed over the five processes and per process), the time of a full paged import (count=100), and the group cases (1,000 members added to a group
 * of 100,000 in one PATCH; reading that group with excludedAttributes=members vs an empty group), the same
 * lookup by `email eq` and over the SCIM 1.1 base URL, and creates through POST /Bulk (100 per request). Memory:
 * the resident size of each process (and of `npm start` itself) 1 s after the creates and after the phases.
 * Figures only — nothing here asserts timings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000, 100_000];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 8);
const PORT = Number(process.env.BENCH_PORT || 18480);
const GRPC_BASE = Number(process.env.BENCH_GRPC_BASE || 18451);
const METRICS_BASE = Number(process.env.BENCH_METRICS_BASE || 18500);
const WARM_UP = Number(process.env.BENCH_WARM_UP || 2000);
const root = fileURLToPath(new URL('..', import.meta.url));

async function startSystem() {
  const dataDir = mkdtempSync(join(tmpdir(), 'scimgw-bench-'));
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'error',
      PORT: String(PORT),
      SERVICE_PORT_BASE: String(GRPC_BASE),
      METRICS_PORT_BASE: String(METRICS_BASE),
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${PORT}`,
      AUTH_FAILURES_PER_TENANT_PER_MINUTE: '100000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('SCIM gateway ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`system exited with ${code}`)));
  });
  return { child, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() };
}

const PROCESSES = ['gateway', 'identity', 'directory', 'credentials', 'entitlement'];

/** CPU seconds used so far by each of the five processes (from their /metrics). */
async function cpuByProcess(): Promise<number[]> {
  return Promise.all(
    PROCESSES.map(async (_, i) => {
      const text = await (await fetch(`http://127.0.0.1:${METRICS_BASE + i}/metrics`)).text();
      const m = text.match(/^process_cpu_seconds_total(?:\{[^}]*\})? ([0-9.e+-]+)$/m);
      return m ? Number(m[1]) : 0;
    }),
  );
}
const cpuSeconds = async () => (await cpuByProcess()).reduce((a, b) => a + b, 0);

/** Resident memory (MiB) of each of the five processes (from their /metrics) and of `npm start` itself. */
async function rssByProcess(startPid: number | undefined): Promise<number[]> {
  const five = await Promise.all(
    PROCESSES.map(async (_, i) => {
      const text = await (await fetch(`http://127.0.0.1:${METRICS_BASE + i}/metrics`)).text();
      const m = text.match(/^process_resident_memory_bytes(?:\{[^}]*\})? ([0-9.e+-]+)$/m);
      return m ? Number(m[1]) / 1048576 : 0;
    }),
  );
  let start = 0;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${startPid}/status`, 'utf8'));
    start = m ? Number(m[1]) / 1024 : 0;
  } catch {
    /* not Linux: the supervisor's share is left out */
  }
  return [...five, start];
}

async function reportMemory(label: string, startPid: number | undefined) {
  const rss = await rssByProcess(startPid);
  const names = [...PROCESSES, 'npm start'];
  console.log(
    `  ${label.padEnd(34)} RSS ${rss.reduce((a, b) => a + b, 0).toFixed(0)} MiB (${names.map((n, i) => `${n} ${rss[i].toFixed(0)}`).join(', ')})`,
  );
}

/** The fields of the answers this benchmark reads. */
interface Created {
  id: string;
}
interface ConnectorCreated {
  scim: { baseUrl: string; v1BaseUrl: string; bearerToken: string };
}
interface ListPage {
  Resources: unknown[];
  totalResults: number;
}
interface BulkAnswer {
  Operations: { status: string }[];
}

async function req<T = unknown>(method: string, url: string, token: string, body?: unknown): Promise<T> {
  const type = url.includes('/admin/') ? 'application/json' : 'application/scim+json';
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Phase {
  name: string;
  n: number;
  ms: number;
  latencies: number[];
  cpu: number;
  perProcess: number[];
}

async function phase(name: string, n: number, op: (i: number) => Promise<unknown>): Promise<Phase> {
  const latencies: number[] = [];
  const cpu0 = await cpuByProcess();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await op(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu1 = await cpuByProcess();
  const perProcess = cpu1.map((c, i) => c - cpu0[i]);
  return { name, n, ms, latencies, cpu: perProcess.reduce((a, b) => a + b, 0), perProcess };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

function report(p: Phase, floor?: Phase) {
  const perReq = (cpu: number, n: number) => (cpu / n) * 1000;
  const overFloor = floor ? `, ${(perReq(p.cpu, p.n) - perReq(floor.cpu, floor.n)).toFixed(3)} over the floor` : '';
  console.log(
    `  ${p.name.padEnd(34)} ${String(p.n).padStart(7)} req  ${((p.n / p.ms) * 1000).toFixed(0).padStart(6)} req/s  p50 ${pct(p.latencies, 50).toFixed(2)} ms  p99 ${pct(p.latencies, 99).toFixed(2)} ms  server CPU ${perReq(p.cpu, p.n).toFixed(3)} ms/req${overFloor} (${PROCESSES.map((name, i) => `${name} ${perReq(p.perProcess[i], p.n).toFixed(3)}`).join(', ')})`,
  );
  return p;
}

const user = (i: number, tag: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `user${i}.${tag}@bench.example`,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  emails: [{ value: `user${i}.${tag}@bench.example`, type: 'work', primary: true }],
  externalId: `00u${tag}${i}`,
  active: true,
});

async function main() {
  const { child, token } = await startSystem();
  const admin = async <T = unknown>(method: string, path: string, body?: unknown) =>
    req<T>(method, `http://127.0.0.1:${PORT}/admin/v1${path}`, token, body);
  const tenant = async (name: string) => {
    const org = await admin<Created>('POST', '/orgs', { name });
    await admin('PUT', `/orgs/${org.id}/entitlements/enterprise-toolkit`);
    const c = await admin<ConnectorCreated>('POST', `/orgs/${org.id}/connectors`, { type: 'okta' });
    return { base: c.scim.baseUrl, v1Base: c.scim.v1BaseUrl, scimToken: c.scim.bearerToken };
  };
  try {
    // Steady state, not start-up: the processes' code is compiled by a warm-up on a tenant of its own.
    const warm = await tenant('Warm-up');
    await phase('warm-up', WARM_UP, (i) => req('POST', `${warm.base}/Users`, warm.scimToken, user(i, 'warm')));
    await phase('warm-up', WARM_UP, (i) =>
      req(
        'GET',
        `${warm.base}/Users?filter=${encodeURIComponent(`userName eq "user${i}.warm@bench.example"`)}`,
        warm.scimToken,
      ),
    );
    console.log(`(after a warm-up of ${(2 * WARM_UP).toLocaleString('en')} requests on another tenant)`);
    for (const size of SIZES) {
      console.log(
        `\n== one tenant with ${size.toLocaleString('en')} users (embedded store, concurrency ${CONCURRENCY}) ==`,
      );
      const { base, v1Base, scimToken } = await tenant(`Bench ${size}`);
      const ids = new Array<string>(size);
      const floor = report(
        await phase('GET /ServiceProviderConfig (floor)', Math.min(size, 5_000), () =>
          req('GET', `${base}/ServiceProviderConfig`, scimToken),
        ),
      );
      report(
        await phase(
          'POST /Users (create)',
          size,
          async (i) => (ids[i] = (await req<Created>('POST', `${base}/Users`, scimToken, user(i, String(size)))).id),
        ),
        floor,
      );
      await new Promise((r) => setTimeout(r, 1000)); // as the side-by-side rig: 1 s after the creates
      await reportMemory('memory after the creates', child.pid);
      const lookups = Math.min(size, 10_000);
      report(
        await phase('GET /Users?filter=userName eq', lookups, (i) =>
          req(
            'GET',
            `${base}/Users?filter=${encodeURIComponent(`userName eq "user${(i * 7919) % size}.${size}@bench.example"`)}&startIndex=1&count=100`,
            scimToken,
          ),
        ),
        floor,
      );
      report(
        await phase('GET /Users?filter=email eq', lookups, (i) =>
          req(
            'GET',
            `${base}/Users?filter=${encodeURIComponent(`email eq "USER${(i * 7919) % size}.${size}@bench.example"`)}&startIndex=1&count=100`,
            scimToken,
          ),
        ),
        floor,
      );
      report(
        await phase('SCIM 1.1 GET /Users?filter=userName eq', lookups, (i) =>
          req(
            'GET',
            `${v1Base}/Users?filter=${encodeURIComponent(`userName eq "user${(i * 7919) % size}.${size}@bench.example"`)}&startIndex=1&count=100`,
            scimToken,
          ),
        ),
        floor,
      );
      report(
        await phase('PATCH /Users/{id} active:false', Math.min(size, 5_000), (i) =>
          req('PATCH', `${base}/Users/${ids[i]}`, scimToken, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', value: { active: false } }],
          }),
        ),
        floor,
      );
      const cpu0 = await cpuSeconds();
      const t0 = performance.now();
      let seen = 0;
      for (let start = 1; ; start += 100) {
        const page = await req<ListPage>('GET', `${base}/Users?startIndex=${start}&count=100`, scimToken);
        seen += page.Resources.length;
        if (start + 100 > page.totalResults) break;
      }
      const importMs = performance.now() - t0;
      console.log(
        `  full import, pages of 100: ${seen} users in ${importMs.toFixed(0)} ms (${((importMs / seen) * 1000).toFixed(1)} µs/user, server CPU ${(((await cpuSeconds()) - cpu0) * 1000).toFixed(0)} ms)`,
      );
      const bulks = Math.max(1, Math.min(size, 10_000) / 100);
      const bulk = report(
        await phase('POST /Bulk, 100 creates each', bulks, async (b) => {
          const Operations = Array.from({ length: 100 }, (_, k) => ({
            method: 'POST',
            path: '/Users',
            bulkId: `b${k}`,
            data: user(b * 100 + k, `bulk${size}`),
          }));
          const out = await req<BulkAnswer>('POST', `${base}/Bulk`, scimToken, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
            Operations,
          });
          if (out.Operations.some((o) => o.status !== '201')) throw new Error('a bulk create failed');
        }),
      );
      console.log(
        `    = ${((bulks * 100) / (bulk.ms / 1000)).toFixed(0)} users/s, server CPU ${((bulk.cpu / (bulks * 100)) * 1000).toFixed(3)} ms/user`,
      );
      await reportMemory('memory after these phases', child.pid);

      if (size >= 100_000) {
        const group = await req<Created>('POST', `${base}/Groups`, scimToken, {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Everyone',
        });
        const empty = await req<Created>('POST', `${base}/Groups`, scimToken, {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Nobody',
        });
        const batch = 5000;
        const t1 = performance.now();
        for (let i = 0; i < 99_000; i += batch) {
          await req('PATCH', `${base}/Groups/${group.id}`, scimToken, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [
              {
                op: 'add',
                path: 'members',
                value: ids.slice(i, Math.min(i + batch, 99_000)).map((value) => ({ value })),
              },
            ],
          });
        }
        console.log(
          `  filled a group with 99,000 members in batches of ${batch}: ${(performance.now() - t1).toFixed(0)} ms`,
        );
        report(
          await phase('PATCH add 1,000 members (group of ~100k)', 1, () =>
            req('PATCH', `${base}/Groups/${group.id}`, scimToken, {
              schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
              Operations: [
                { op: 'add', path: 'members', value: ids.slice(99_000, 100_000).map((value) => ({ value })) },
              ],
            }),
          ),
        );
        const light = (id: string) => () => req('GET', `${base}/Groups/${id}?excludedAttributes=members`, scimToken);
        await phase('warm-up', 400, (i) => light(i % 2 ? group.id : empty.id)());
        report(await phase('GET empty group excludedAttributes=members', 1000, light(empty.id)));
        report(await phase('GET 100k group excludedAttributes=members', 1000, light(group.id)));
        report(
          await phase('GET 100k group with members', 1, () => req('GET', `${base}/Groups/${group.id}`, scimToken)),
        );
      }
    }
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench:setup [-- 100000]`: the Organization Setup users page at scale. Starts the whole system (as
 * `npm start` does, embedded defaults, a fresh temporary DATA_DIR), provisions N users over SCIM into one
 * organization, opens a setup link, and times the pages a customer's admin uses: the first users page, paging on
 * through the list (keyset pages of 50), a search by a whole e-mail, by e-mail prefix and by name. Figures only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZE = Number(process.argv[2] || 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 8);
const PORT = Number(process.env.BENCH_PORT || 18580);
const root = fileURLToPath(new URL('..', import.meta.url));

async function startSystem() {
  const dataDir = mkdtempSync(join(tmpdir(), 'scimgw-bench-setup-'));
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'error',
      PORT: String(PORT),
      SERVICE_PORT_BASE: '18551',
      METRICS_PORT_BASE: '18600',
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${PORT}`,
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

/** The fields of the admin API's answers this benchmark reads. */
interface Created {
  id: string;
}
interface ConnectorCreated {
  scim: { baseUrl: string; bearerToken: string };
}
interface SetupLink {
  url: string;
}

async function json<T = unknown>(method: string, url: string, token: string, body?: unknown): Promise<T> {
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

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

async function timed(name: string, n: number, op: (i: number) => Promise<string>) {
  const ms: number[] = [];
  let last = '';
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    last = await op(i);
    ms.push(performance.now() - t);
  }
  console.log(
    `  ${name.padEnd(44)} ${String(n).padStart(4)} pages  p50 ${pct(ms, 50).toFixed(1)} ms  p99 ${pct(ms, 99).toFixed(1)} ms`,
  );
  return last;
}

async function main() {
  const { child, token } = await startSystem();
  const base = `http://127.0.0.1:${PORT}`;
  try {
    const org = await json<Created>('POST', `${base}/admin/v1/orgs`, token, { name: 'Bench' });
    await json('PUT', `${base}/admin/v1/orgs/${org.id}/entitlements/enterprise-toolkit`, token);
    const c = await json<ConnectorCreated>('POST', `${base}/admin/v1/orgs/${org.id}/connectors`, token, {
      type: 'okta',
    });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SIZE) {
          const i = next++;
          await json('POST', `${c.scim.baseUrl}/Users`, c.scim.bearerToken, {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `user${i}@bench.example`,
            name: { givenName: `Given${i}`, familyName: `Family${i}` },
            displayName: `Given${i} Family${i}`,
            emails: [{ value: `user${i}@bench.example`, type: 'work', primary: true }],
            active: true,
          });
        }
      }),
    );
    console.log(
      `provisioned ${SIZE.toLocaleString('en')} users over SCIM in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const link = await json<SetupLink>('POST', `${base}/admin/v1/orgs/${org.id}/setup-links`, token, {});
    const start = await fetch(`${base}/setup/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link.url).searchParams.get('token')! }),
      redirect: 'manual',
    });
    const cookie = start.headers.getSetCookie()[0].split(';')[0];
    const page = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
      return body;
    };
    const nextOf = (body: string) => /href="\/setup\/users\?[^"]*after=([0-9a-f]+)"/.exec(body)?.[1] ?? '';

    console.log(`\n== Organization Setup users page, one organization with ${SIZE.toLocaleString('en')} users ==`);
    await timed('warm-up', 20, () => page('/setup/users'));
    await timed('first users page (50 rows, total count)', 50, () => page('/setup/users'));
    let after = '';
    await timed('paging on: the next 200 pages (keyset)', 200, async () => {
      const body = await page(`/setup/users${after ? `?after=${after}` : ''}`);
      after = nextOf(body);
      return body;
    });
    await timed('search by a whole e-mail (index)', 20, (i) =>
      page(`/setup/users?q=user${(i * 7919) % SIZE}@bench.example`),
    );
    await timed('search by e-mail prefix ("user99999")', 20, (i) => page(`/setup/users?q=user${99_999 - i}`));
    await timed('search by name ("Family4242")', 20, (i) => page(`/setup/users?q=Family${4242 + i}`));
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Regenerates proto/gen from proto/**/*.proto with buf + ts-proto (offline, binaries from npm).
// --check: generate into a temporary directory and fail when it differs from the committed code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'proto-gen-')) : root;
const buf = join(root, 'node_modules', '.bin', 'buf');

const lint = spawnSync(buf, ['lint'], { cwd: root, stdio: 'inherit' });
if (lint.status !== 0) process.exit(lint.status ?? 1);
if (!check) rmSync(join(root, 'proto', 'gen'), { recursive: true, force: true });
const gen = spawnSync(buf, ['generate', '-o', out], { cwd: root, stdio: 'inherit' });
if (gen.status !== 0) process.exit(gen.status ?? 1);
if (!check) process.exit(0);

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
const committedDir = join(root, 'proto', 'gen');
const freshDir = join(out, 'proto', 'gen');
const committed = new Set(files(committedDir).map((f) => relative(committedDir, f)));
const fresh = new Set(files(freshDir).map((f) => relative(freshDir, f)));
const drift = [];
for (const f of new Set([...committed, ...fresh])) {
  if (!committed.has(f)) drift.push(`missing from proto/gen: ${f}`);
  else if (!fresh.has(f)) drift.push(`stale file in proto/gen: ${f}`);
  else if (!readFileSync(join(committedDir, f)).equals(readFileSync(join(freshDir, f))))
    drift.push(`differs: proto/gen/${f}`);
}
rmSync(out, { recursive: true, force: true });
if (drift.length) {
  console.error(`Generated code drifted from proto/ — run "npm run proto:gen" and commit:\n  ${drift.join('\n  ')}`);
  process.exit(1);
}
console.log(`proto/gen is up to date (${committed.size} files).`);

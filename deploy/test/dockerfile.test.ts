/**
 * deploy/Dockerfile cannot be built on our machines (no Docker engine), so this checks what a build would rely on:
 * every file it copies exists and survives .dockerignore, every npm script it runs exists, every entrypoint the
 * image and the chart start has its TypeScript source (and what that source imports is in the build context),
 * and the image's promises: non-root, tini as PID 1, no HEALTHCHECK, production dependencies only at run time.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (continuations joined, comments and parser directives dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length)
      line = line.replace(/\\\s*$/, ' ') + lines[++i].replace(/^\s*#.*$/, '');
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) throw new Error(`line ${start + 1}: not an instruction: ${line}`);
    const op = m[1].toUpperCase();
    const args = m[2].replace(/\s+/g, ' ').trim();
    if (op === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`line ${start + 1}: bad FROM`);
      stages.push({ base: from[1], name: from[2], instructions: [] });
    } else if (op === 'ARG' && stages.length === 0) {
      continue; // global build arguments
    } else {
      if (!stages.length) throw new Error(`line ${start + 1}: ${op} before FROM`);
      stages[stages.length - 1].instructions.push({ op, args, line: start + 1 });
    }
  }
  return stages;
}

/** A glob as Docker and tsconfig read it: `**\/` spans folders (or none), `*` and `?` stay within one. */
function globToRegExp(glob: string): RegExp {
  const source = glob
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) =>
      part === '**/'
        ? '(?:.*/)?'
        : part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

/** A .dockerignore matcher with Docker's rules: last matching pattern wins, `!` re-includes, `**` spans folders. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      return { negate, re: globToRegExp(normalize(l.replace(/^!/, '').trim()).replace(/^\/+|\/+$/g, '')) };
    });
  return (path: string) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
    return ignored;
  };
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(join(root, dir))) return;
  for (const entry of readdirSync(join(root, dir))) {
    const path = `${dir}/${entry}`;
    if (entry === 'node_modules' || entry === 'dist') continue;
    if (statSync(join(root, path)).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const stages = parseDockerfile(read('deploy/Dockerfile'));
const finalStage = stages[stages.length - 1];
const all = stages.flatMap((s) => s.instructions);
const ignored = dockerignore(read('.dockerignore'));
const pkg = JSON.parse(read('package.json')) as {
  type?: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { rootDir: string; outDir: string } };
const tsconfigBuild = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
const chartValues = parseYaml(read('helm/scim-gateway/values.yaml')) as {
  podSecurityContext: { runAsUser: number };
  containerSecurityContext: { runAsUser: number };
};

/** `COPY` sources taken from the build context (not from another stage). */
const contextCopies = all
  .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
  .flatMap((i) => {
    const words = i.args.split(' ').filter((w) => !w.startsWith('--'));
    return words.slice(0, -1);
  });

/** Entrypoints: the image's default command and the five the chart runs (its topology in _helpers.tpl). */
const cmd = JSON.parse(finalStage.instructions.find((i) => i.op === 'CMD')!.args) as string[];
const chartEntrypoints = [...read('helm/scim-gateway/templates/_helpers.tpl').matchAll(/entrypoint: (\S+)/g)].map(
  (m) => m[1],
);
const toSource = (entry: string) =>
  entry.replace(new RegExp(`^${tsconfig.compilerOptions.outDir}/`), '').replace(/\.js$/, '.ts');

/** tsconfig.build.json's include globs as a matcher ("services/*\/src/**\/*.ts"). */
const includedInBuild = (path: string) => tsconfigBuild.include.some((glob) => globToRegExp(glob).test(path));

describe('deploy/Dockerfile', () => {
  test('multi-stage on a current Node LTS slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const arg = /NODE_IMAGE=(\S+)/.exec(read('deploy/Dockerfile'))?.[1] ?? '';
    for (const s of stages)
      expect([s.base === '${NODE_IMAGE}' ? arg : s.base]).toEqual([
        expect.stringMatching(/^node:(2[2-9]|[3-9]\d)-(bookworm|trixie)-slim$/),
      ]);
    expect(Number(/^node:(\d+)/.exec(arg)![1]) % 2).toBe(0); // even majors are the LTS lines
  });

  test('every file copied from the build context exists and is not excluded by .dockerignore', () => {
    expect(contextCopies).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'scripts',
        'proto',
        'services',
        'gateway',
      ]),
    );
    for (const src of contextCopies) {
      expect({ src, exists: existsSync(join(root, src)) }).toEqual({ src, exists: true });
      expect({ src, ignored: ignored(src) }).toEqual({ src, ignored: false });
    }
  });

  test('.dockerignore keeps installed, built and local files out of the context', () => {
    for (const path of [
      'node_modules/express/package.json',
      'dist/gateway/src/main.js',
      '.git/config',
      '.data/orgs.json',
      'helm/scim-gateway/Chart.yaml',
      'services/directory/test/x.test.ts',
      '.env',
      'gateway/node_modules/x.js',
    ]) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
    for (const path of [
      'package.json',
      'scripts/build.mjs',
      'proto/gen/directory/v1/directory.ts',
      'services/kit/src/config.ts',
      'gateway/src/main.ts',
    ]) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: false });
    }
  });

  test('every `npm run` script exists, and the build script and its compiler configuration are in the image', () => {
    const runs = [
      ...all
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join('\n')
        .matchAll(/npm run (\S+)/g),
    ].map((m) => m[1]);
    expect(runs).toContain('build');
    for (const script of runs) expect(Object.keys(pkg.scripts)).toContain(script);
    const buildFile = /node (\S+)/.exec(pkg.scripts.build)?.[1];
    expect(buildFile).toBeDefined();
    expect(existsSync(join(root, buildFile!))).toBe(true);
    expect(ignored(buildFile!)).toBe(false);
    // scripts/build.mjs compiles with tsconfig.build.json, which extends tsconfig.json: both copied.
    expect(read(buildFile!)).toContain('tsconfig.build.json');
    expect(contextCopies).toEqual(expect.arrayContaining(['tsconfig.json', 'tsconfig.build.json']));
  });

  test.each([...new Set([cmd[1], ...chartEntrypoints])])(
    'entrypoint %s: its source exists, is compiled by the build and lands where node looks',
    (entry) => {
      expect(entry).toMatch(/^dist\/.+\.js$/);
      const source = toSource(entry);
      expect({
        source,
        exists: existsSync(join(root, source)),
        compiled: includedInBuild(source),
        inContext: !ignored(source),
      }).toEqual({ source, exists: true, compiled: true, inContext: true });
      expect(tsconfig.compilerOptions.rootDir).toBe('.'); // so dist/<path>.js mirrors <path>.ts
    },
  );

  test('the chart and the image agree on the five entrypoints', () => {
    expect(chartEntrypoints.sort()).toEqual(
      [
        'dist/gateway/src/main.js',
        ...['identity', 'directory', 'credentials', 'entitlement'].map((s) => `dist/services/${s}/src/main.js`),
      ].sort(),
    );
    expect(cmd).toEqual(['node', 'dist/gateway/src/main.js']);
  });

  test('what the compiled code imports is in the build context (no import from tests or ignored files)', () => {
    const sources = [...walk('gateway'), ...walk('services'), ...walk('proto/gen'), ...walk('scripts')].filter(
      (p) => p.endsWith('.ts') && includedInBuild(p),
    );
    expect(sources.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const file of sources) {
      for (const m of readFileSync(join(root, file), 'utf8').matchAll(
        /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g,
      )) {
        const target = relative(root, join(root, dirname(file), m[1])).replace(/\.js$/, '.ts');
        if (!existsSync(join(root, target))) continue; // tsc reports unresolved imports itself
        if (ignored(target) || !includedInBuild(target))
          problems.push(`${file} imports ${target}, which the image build does not compile`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('production dependencies only in the final stage, installed from the lockfile with npm ci', () => {
    const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args);
    // Reproducible: every install is npm ci (the committed lockfile exactly), never npm install.
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    const finalCopies = finalStage.instructions.filter((i) => i.op === 'COPY');
    const modules = finalCopies.filter((i) => /node_modules/.test(i.args));
    expect(modules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(modules[0].args)![1];
    const depsStage = stages.find((s) => s.name === from)!;
    const installs = depsStage.instructions.filter((i) => i.op === 'RUN' && /npm ci/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) expect(i.args).toMatch(/npm ci [^&]*--omit=dev/);
    expect(finalStage.instructions.some((i) => i.op === 'RUN' && /npm (install|i|ci)\b/.test(i.args))).toBe(false);
    // From the build stage only the compiled output, never its dev-dependency tree.
    for (const c of finalCopies.filter((i) => /--from=/.test(i.args) && !i.args.includes(`--from=${from} `)))
      expect(c.args).not.toMatch(/node_modules/);
    expect(finalCopies.some((i) => /--from=\S+ \/app\/dist /.test(i.args))).toBe(true);
    // ESM: dist/ resolves "type": "module" from the package.json beside it.
    expect(pkg.type).toBe('module');
    expect(finalCopies.some((i) => /^package\.json /.test(i.args))).toBe(true);
  });

  test('non-root user matching the chart, tini as PID 1, no HEALTHCHECK', () => {
    const users = finalStage.instructions.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args;
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric, so runAsNonRoot can verify it
    const uid = Number(user.split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    expect(uid).toBe(chartValues.podSecurityContext.runAsUser);
    expect(uid).toBe(chartValues.containerSecurityContext.runAsUser);
    expect(all.some((i) => i.op === 'HEALTHCHECK')).toBe(false);
    const entrypoint = JSON.parse(finalStage.instructions.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint).toEqual(['/usr/bin/tini', '--']);
    expect(finalStage.instructions.some((i) => i.op === 'RUN' && /apt-get install [^&]*\btini\b/.test(i.args))).toBe(
      true,
    );
    expect(finalStage.instructions.find((i) => i.op === 'ENV' && /NODE_ENV=production/.test(i.args))).toBeDefined();
  });
});

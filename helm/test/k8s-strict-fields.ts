/**
 * Unknown-field check for rendered manifests ("kubectl --validate=strict" without an API server).
 *
 * kubernetes-models' validators do not reject unknown properties, and a mis-indented template line silently
 * produces one (e.g. `readOnlyRootFilesystem` under the pod instead of the container). The package's typings
 * list every field of every type, so this walks the manifest alongside them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** Resolves like kubernetes-models itself does (its @kubernetes-models/* dependencies need not be hoisted). */
const modelsRequire = createRequire(require.resolve('kubernetes-models/v1/Pod'));

interface TypeInfo {
  /** undefined for a leaf (scalar, enum, Quantity, IntOrString...). */
  fields?: Map<string, string>;
  file: string;
}

const cache = new Map<string, TypeInfo>();

function load(dtsFile: string): TypeInfo {
  const cached = cache.get(dtsFile);
  if (cached) return cached;
  const source = readFileSync(dtsFile, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const imports = new Map<string, string>();
  for (const m of source.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports.set(m[1], m[2]);
  const body = /export interface \w+(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/.exec(source)?.[1];
  let info: TypeInfo = { file: dtsFile };
  if (body !== undefined) {
    const fields = new Map<string, string>();
    for (const m of body.matchAll(/"([^"]+)"\??:\s*(\{[^}]*\}|[^;]+);/g)) {
      // Resolve the referenced type names to the files that declare them, once.
      const type = m[2].replace(/\bIIoK8s\w+/g, (name) => {
        const spec = imports.get(name);
        if (!spec) return name;
        const resolved = spec.startsWith('.')
          ? join(dirname(dtsFile), `${spec}.d.ts`)
          : modelsRequire.resolve(spec).replace(/\.js$/, '.d.ts');
        return `@${resolved}@`;
      });
      fields.set(m[1], type);
    }
    info = { file: dtsFile, fields };
  }
  cache.set(dtsFile, info);
  return info;
}

function walk(value: unknown, type: string, path: string, problems: string[]) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/s.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, array[1], `${path}[${i}]`, problems));
    return;
  }
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/s.exec(type);
  if (map) {
    if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, map[1], `${path}.${k}`, problems);
    return;
  }
  const ref = /^@(.+)@$/.exec(type);
  if (ref) checkObject(value, ref[1], path, problems);
}

function checkObject(value: unknown, dtsFile: string, path: string, problems: string[]) {
  const { fields } = load(dtsFile);
  if (!fields || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const type = fields.get(key);
    if (type === undefined) problems.push(`${path}.${key}: unknown field`);
    else walk(child, type, `${path}.${key}`, problems);
  }
}

/** Paths of fields the Kubernetes API does not define, e.g. ["spec.template.spec.readOnlyRootFilesystem: unknown field"]. */
export function unknownFields(manifest: object, modelModule: string): string[] {
  const problems: string[] = [];
  checkObject(manifest, require.resolve(`kubernetes-models/${modelModule}`).replace(/\.js$/, '.d.ts'), '', problems);
  return problems.map((p) => p.replace(/^\./, ''));
}

/**
 * The Helm chart, tested without a cluster: `helm lint --strict` and `helm template` for every value set in
 * helm/ci/, every rendered manifest validated against the Kubernetes schemas (kubernetes-models) with unknown
 * fields rejected, and the properties the platform relies on asserted one by one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { parse as parseYaml } from 'yaml';
import {
  byKind,
  chartDir,
  ciDir,
  helm,
  one,
  removeHelmHome,
  render,
  repoRoot,
  templateArgs,
  type Manifest,
  type Rendered,
} from './helm-cli.js';
import { unknownFields } from './k8s-strict-fields.js';

afterAll(removeHelmHome);

const RELEASE = 'idp';
const NAMESPACE = 'identity';
const FULLNAME = 'idp-scim-gateway';
const ciFiles = readdirSync(ciDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const ciValues = (file: string) => parseYaml(readFileSync(join(ciDir, file), 'utf8')) as Record<string, any>;
const chartValues = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, any>;

/** The five processes: entrypoint, whom they call, which secret-backed variables they read. */
const COMPONENTS = {
  gateway: {
    entrypoint: 'dist/gateway/src/main.js',
    peers: ['credentials', 'directory', 'entitlement', 'identity'],
    secrets: ['ADMIN_TOKEN', 'REDIS_URL'],
  },
  identity: {
    entrypoint: 'dist/services/identity/src/main.js',
    peers: ['directory'],
    secrets: ['MONGODB_URI', 'REDIS_URL'],
  },
  directory: { entrypoint: 'dist/services/directory/src/main.js', peers: [], secrets: ['MONGODB_URI'] },
  credentials: { entrypoint: 'dist/services/credentials/src/main.js', peers: [], secrets: ['MONGODB_URI'] },
  entitlement: { entrypoint: 'dist/services/entitlement/src/main.js', peers: [], secrets: ['MONGODB_URI'] },
} as const;
type Component = keyof typeof COMPONENTS;
const NAMES = Object.keys(COMPONENTS) as Component[];
const GRPC_SERVICES = NAMES.filter((n) => n !== 'gateway');
const SECRET_VALUES_KEY = { ADMIN_TOKEN: 'adminToken', MONGODB_URI: 'mongodb', REDIS_URL: 'redis' } as const;
const SELECTOR_KEYS = ['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name'];

interface Model {
  validate(): void;
}
/** Core kinds, by "apiVersion kind": the kubernetes-models class and its module (for the unknown-field walk). */
const CORE: Record<string, { model: new (data: any) => Model; module: string }> = {
  'v1 ConfigMap': { model: ConfigMap, module: 'v1/ConfigMap' },
  'v1 Service': { model: Service, module: 'v1/Service' },
  'v1 ServiceAccount': { model: ServiceAccount, module: 'v1/ServiceAccount' },
  'v1 Secret': { model: Secret, module: 'v1/Secret' },
  'v1 PersistentVolumeClaim': { model: PersistentVolumeClaim, module: 'v1/PersistentVolumeClaim' },
  'apps/v1 Deployment': { model: Deployment, module: 'apps/v1/Deployment' },
  'policy/v1 PodDisruptionBudget': { model: PodDisruptionBudget, module: 'policy/v1/PodDisruptionBudget' },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'autoscaling/v2/HorizontalPodAutoscaler',
  },
  'networking.k8s.io/v1 NetworkPolicy': { model: NetworkPolicy, module: 'networking.k8s.io/v1/NetworkPolicy' },
  'networking.k8s.io/v1 Ingress': { model: Ingress, module: 'networking.k8s.io/v1/Ingress' },
};
const CRDS = ['monitoring.coreos.com/v1 ServiceMonitor', 'monitoring.coreos.com/v1 PrometheusRule'];

/** Metric names documented in docs/metrics.md (backticked identifiers in its tables). */
const documentedMetrics = new Set(
  [...readFileSync(join(repoRoot, 'docs/metrics.md'), 'utf8').matchAll(/`([a-z_][a-z0-9_]*)(?:\{[^`]*\})?`/g)].map(
    (m) => m[1],
  ),
);
/** Metric names a PromQL expression selects (`name{` ...), histogram suffixes folded into the family name. */
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
/** Series that come from Prometheus itself or kube-state-metrics, not from our processes. */
const EXTERNAL_METRIC = /^(up|kube_[a-z_]+)$/;

const deploymentOf = (r: Rendered, c: Component) => one(r, 'Deployment', `${FULLNAME}-${c}`);
const containerOf = (r: Rendered, c: Component) => deploymentOf(r, c).spec.template.spec.containers[0];
const configOf = (r: Rendered, c: Component) => one(r, 'ConfigMap', `${FULLNAME}-${c}`).data ?? {};

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('helm lint --strict', () => {
  test('helm/ci holds the value sets the chart is tested with', () => {
    expect(ciFiles).toEqual(
      expect.arrayContaining(['defaults-with-secrets.yaml', 'everything-enabled.yaml', 'minimal.yaml']),
    );
  });

  test.each(ciFiles)('%s', (file) => {
    const r = helm(['lint', '--strict', chartDir, '--values', join(ciDir, file)]);
    expect(`${r.stdout}${r.stderr}`).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });
});

describe.each(ciFiles)('helm template with helm/ci/%s', (file) => {
  const values = ciValues(file);
  // Trial mode unless MongoDB or Redis is referenced (the chart's "scim-gateway.mode").
  const trial = !(values.mongodb?.existingSecret || values.redis?.existingSecret);
  const tls = Boolean(values.grpcTls?.enabled);
  let r: Rendered;
  beforeAll(() => {
    r = render({ release: RELEASE, namespace: NAMESPACE, valuesFiles: [join(ciDir, file)] });
  });
  const component = (c: Component) => ({ ...chartValues[c], ...values[c] });

  test('renders only known kinds, each valid against its Kubernetes schema with no unknown field', () => {
    expect(r.docs.length).toBeGreaterThan(0);
    for (const doc of r.docs) {
      const key = `${doc.apiVersion} ${doc.kind}`;
      expect(doc.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (CRDS.includes(key)) continue; // shape asserted below
      const core = CORE[key];
      if (!core) throw new Error(`unexpected kind ${key} (${doc.metadata.name})`);
      expect(() => new core.model(doc).validate()).not.toThrow();
      expect({ [`${doc.kind}/${doc.metadata.name}`]: unknownFields(doc, core.module) }).toEqual({
        [`${doc.kind}/${doc.metadata.name}`]: [],
      });
    }
  });

  test('five Deployments, all from the one workload template, each running its own entrypoint under tini', () => {
    const deployments = byKind(r, 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(NAMES.map((n) => `${FULLNAME}-${n}`).sort());
    expect(new Set(deployments.map((d) => r.sources.get(d)))).toEqual(
      new Set(['scim-gateway/templates/workloads.yaml']),
    );
    for (const c of NAMES) {
      const container = containerOf(r, c);
      expect(container.name).toBe(c);
      // args, not command: the image's ENTRYPOINT (tini) stays PID 1.
      expect(container.command).toBeUndefined();
      expect(container.args).toEqual(['node', COMPONENTS[c].entrypoint]);
      expect(container.image).toMatch(values.image?.digest ? /@sha256:[a-f0-9]{64}$/ : /:[\w.-]+$/);
    }
  });

  test('probes: native gRPC health on the services, /healthz and /readyz on the gateway, startup probes on all', () => {
    for (const c of GRPC_SERVICES) {
      const container = containerOf(r, c);
      const grpcPort = component(c).grpcPort;
      expect(configOf(r, c).GRPC_PORT).toBe(String(grpcPort));
      expect(container.ports).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'grpc', containerPort: grpcPort })]),
      );
      // kubelet's gRPC probes cannot speak TLS: with grpcTls they use the plaintext health-only port.
      const probePort = tls ? chartValues.grpcTls.healthPort : grpcPort;
      if (tls) {
        expect(configOf(r, c).GRPC_HEALTH_PORT).toBe(String(probePort));
        expect(container.ports).toEqual(
          expect.arrayContaining([{ name: 'grpc-health', containerPort: probePort, protocol: 'TCP' }]),
        );
      } else expect(configOf(r, c).GRPC_HEALTH_PORT).toBeUndefined();
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect({ c, probe, grpc: container[probe]?.grpc }).toEqual({ c, probe, grpc: { port: probePort } });
        expect(container[probe].httpGet).toBeUndefined();
      }
    }
    const gw = containerOf(r, 'gateway');
    expect(configOf(r, 'gateway').PORT).toBe(String(component('gateway').port));
    expect(gw.ports).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'http', containerPort: component('gateway').port })]),
    );
    expect(gw.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(gw.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(gw.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    for (const c of NAMES) {
      const container = containerOf(r, c);
      expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(30);
      expect(container.ports).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'metrics', containerPort: component(c).metricsPort })]),
      );
      expect(configOf(r, c).METRICS_PORT).toBe(String(component(c).metricsPort));
    }
  });

  test('hardened pods: non-root 10001, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, /tmp on an emptyDir', () => {
    for (const c of NAMES) {
      const pod = deploymentOf(r, c).spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      const container = pod.containers[0];
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext.capabilities.add).toBeUndefined();
      // Writable: /tmp, and in trial mode the services' /data (the embedded store on its claim); TLS files read-only.
      const store = trial && c !== 'gateway';
      expect(container.volumeMounts).toEqual([
        { name: 'tmp', mountPath: '/tmp' },
        ...(store ? [{ name: 'data', mountPath: '/data' }] : []),
        ...(tls ? [{ name: 'grpc-tls', mountPath: '/etc/scim-gateway/grpc-tls', readOnly: true }] : []),
      ]);
      expect(pod.volumes).toEqual([
        { name: 'tmp', emptyDir: expect.any(Object) },
        ...(store ? [{ name: 'data', persistentVolumeClaim: { claimName: `${FULLNAME}-${c}-data` } }] : []),
        ...(tls
          ? [
              {
                name: 'grpc-tls',
                secret: expect.objectContaining({ secretName: values.grpcTls.existingSecret, defaultMode: 0o440 }),
              },
            ]
          : []),
      ]);
      expect(container.resources.requests).toEqual(
        expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }),
      );
      expect(container.resources.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
    }
  });

  test('secrets only by secretKeyRef; the only Secret rendered is a generated admin token, and no connection string', () => {
    const generated = !values.adminToken?.existingSecret;
    const secrets = byKind(r, 'Secret');
    expect(secrets.map((x) => x.metadata.name)).toEqual(generated ? [`${FULLNAME}-admin-token`] : []);
    if (generated)
      expect(Buffer.from(secrets[0].data!['admin-token'], 'base64').toString()).toMatch(
        /^scimgw_admin_[A-Za-z0-9]{48}$/,
      );
    for (const c of NAMES) {
      const env: any[] = containerOf(r, c).env ?? [];
      const secretEnv = env.filter((e) => e.valueFrom?.secretKeyRef);
      // Trial mode has no MongoDB or Redis: only the gateway's admin token comes from a Secret.
      const expected = COMPONENTS[c].secrets.filter((n) => !trial || n === 'ADMIN_TOKEN');
      expect(secretEnv.map((e) => e.name).sort()).toEqual([...expected].sort());
      for (const e of secretEnv) {
        const key = SECRET_VALUES_KEY[e.name as keyof typeof SECRET_VALUES_KEY];
        const ref = values[key] ?? {};
        expect(e.value).toBeUndefined();
        if (e.name === 'ADMIN_TOKEN' && generated)
          expect(e.valueFrom.secretKeyRef).toEqual({ name: `${FULLNAME}-admin-token`, key: 'admin-token' });
        else
          expect(e.valueFrom.secretKeyRef).toEqual({
            name: ref.existingSecret,
            key: ref.existingSecretKey ?? chartValues[key].existingSecretKey,
          });
      }
      for (const name of Object.keys(SECRET_VALUES_KEY)) {
        expect(env.filter((e) => e.name === name && !e.valueFrom?.secretKeyRef)).toEqual([]);
        expect(configOf(r, c)[name]).toBeUndefined();
      }
      expect(containerOf(r, c).envFrom).toEqual([{ configMapRef: { name: `${FULLNAME}-${c}` } }]);
    }
    for (const s of strings(r.docs)) expect(s).not.toMatch(/\b(mongodb(\+srv)?|rediss?):\/\//);
  });

  test('trial mode: the embedded store of each service on its own claim, one writer at a time; production: no claim', () => {
    const claims = byKind(r, 'PersistentVolumeClaim');
    if (!trial) {
      expect(claims).toEqual([]);
      for (const c of GRPC_SERVICES) expect(configOf(r, c).DATA_DIR).toBeUndefined();
      return;
    }
    expect(claims.map((x) => x.metadata.name).sort()).toEqual(GRPC_SERVICES.map((c) => `${FULLNAME}-${c}-data`).sort());
    for (const claim of claims)
      expect(claim.spec).toMatchObject({
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: chartValues.persistence.size } },
      });
    for (const c of GRPC_SERVICES) {
      expect(configOf(r, c).DATA_DIR).toBe('/data');
      // A ReadWriteOnce volume and a single-writer store: the old pod stops before the new one starts.
      expect(deploymentOf(r, c).spec.strategy).toEqual({ type: 'Recreate' });
    }
    expect(configOf(r, 'gateway').DATA_DIR).toBeUndefined();
  });

  test('peers are wired to the in-cluster Services (<PEER>_ADDR = service:grpcPort)', () => {
    for (const c of NAMES) {
      const config = configOf(r, c);
      const addrs = Object.keys(config)
        .filter((k) => k.endsWith('_ADDR'))
        .sort();
      expect(addrs).toEqual(COMPONENTS[c].peers.map((p) => `${p.toUpperCase()}_ADDR`).sort());
      for (const peer of COMPONENTS[c].peers) {
        const service = one(r, 'Service', `${FULLNAME}-${peer}`);
        const grpc = service.spec.ports.find((p: any) => p.name === 'grpc');
        expect(config[`${peer.toUpperCase()}_ADDR`]).toBe(`${service.metadata.name}:${grpc.port}`);
        expect(grpc.targetPort).toBe('grpc');
      }
      expect(config.NODE_ENV).toBe('production');
      expect(config.LOG_LEVEL).toMatch(/^(debug|info|warn|error)$/);
    }
    expect(configOf(r, 'gateway').PUBLIC_URL).toMatch(/^https?:\/\/[^/]+$/);
  });

  test('labels: the app.kubernetes.io set everywhere; selectors without version or chart', () => {
    for (const doc of r.docs) {
      expect(Object.keys(doc.metadata.labels ?? {})).toEqual(
        expect.arrayContaining([
          'app.kubernetes.io/name',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/component',
          'app.kubernetes.io/version',
          'app.kubernetes.io/managed-by',
          'app.kubernetes.io/part-of',
          'helm.sh/chart',
        ]),
      );
    }
    const selectors: Array<[string, Record<string, string>]> = [];
    for (const d of byKind(r, 'Deployment')) {
      selectors.push([`Deployment ${d.metadata.name}`, d.spec.selector.matchLabels]);
      const podLabels = d.spec.template.metadata.labels;
      expect(podLabels).toMatchObject(d.spec.selector.matchLabels);
      expect(podLabels['helm.sh/chart']).toBeUndefined();
      for (const t of d.spec.template.spec.topologySpreadConstraints ?? [])
        selectors.push([`spread ${d.metadata.name}`, t.labelSelector.matchLabels]);
    }
    for (const s of byKind(r, 'Service')) selectors.push([`Service ${s.metadata.name}`, s.spec.selector]);
    for (const p of byKind(r, 'PodDisruptionBudget'))
      selectors.push([`PDB ${p.metadata.name}`, p.spec.selector.matchLabels]);
    for (const n of byKind(r, 'NetworkPolicy'))
      selectors.push([`NetworkPolicy ${n.metadata.name}`, n.spec.podSelector.matchLabels]);
    for (const m of byKind(r, 'ServiceMonitor'))
      selectors.push([`ServiceMonitor ${m.metadata.name}`, m.spec.selector.matchLabels]);
    for (const [what, selector] of selectors) {
      expect({ what, keys: Object.keys(selector).filter((k) => !SELECTOR_KEYS.includes(k)) }).toEqual({
        what,
        keys: [],
      });
      expect(selector['app.kubernetes.io/instance']).toBe(RELEASE);
    }
    // Each workload's selector picks its own pods only.
    const deploymentSelectors = byKind(r, 'Deployment').map((d) => JSON.stringify(d.spec.selector.matchLabels));
    expect(new Set(deploymentSelectors).size).toBe(5);
  });

  test('a checksum of its ConfigMap on every pod template', () => {
    for (const d of byKind(r, 'Deployment'))
      expect(d.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
  });

  test('Services, PodDisruptionBudgets and autoscalers match the workloads', () => {
    for (const c of NAMES) {
      const d = deploymentOf(r, c);
      const v = component(c);
      const containerPorts = new Set(d.spec.template.spec.containers[0].ports.map((p: any) => p.name));
      const services = byKind(r, 'Service').filter((s) => s.metadata.labels?.['app.kubernetes.io/component'] === c);
      for (const s of services) {
        expect(s.spec.selector).toEqual(d.spec.selector.matchLabels);
        for (const p of s.spec.ports) expect(containerPorts).toContain(p.targetPort);
      }
      expect(services.flatMap((s) => s.spec.ports.map((p: any) => p.name)).sort()).toEqual(
        [c === 'gateway' ? 'http' : 'grpc', 'metrics'].sort(),
      );
      const pdbs = byKind(r, 'PodDisruptionBudget').filter((p) => p.metadata.name === d.metadata.name);
      // Trial mode: one replica each, no autoscaler, no PodDisruptionBudget.
      expect(pdbs).toHaveLength(v.pdb.create && !trial ? 1 : 0);
      for (const p of pdbs) expect(p.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
      const hpas = byKind(r, 'HorizontalPodAutoscaler').filter((h) => h.metadata.name === d.metadata.name);
      if (v.autoscaling.enabled && !trial) {
        expect(hpas).toHaveLength(1);
        expect(hpas[0].spec.scaleTargetRef).toEqual({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name,
        });
        expect(d.spec.replicas).toBeUndefined(); // the autoscaler owns it
      } else {
        expect(hpas).toHaveLength(0);
        expect(d.spec.replicas).toBe(trial ? 1 : v.replicaCount);
      }
    }
  });

  test('NetworkPolicies: gRPC only from the callers, metrics only from the monitoring namespace, HTTP to the gateway', () => {
    const policies = byKind(r, 'NetworkPolicy');
    const enabled = values.networkPolicy?.enabled ?? chartValues.networkPolicy.enabled;
    expect(policies).toHaveLength(enabled ? 5 : 0);
    if (!enabled) return;
    const metricsFrom = values.networkPolicy?.metrics ?? chartValues.networkPolicy.metrics;
    for (const c of NAMES) {
      const np = one(r, 'NetworkPolicy', `${FULLNAME}-${c}`);
      const v = component(c);
      expect(np.spec.podSelector.matchLabels).toEqual(deploymentOf(r, c).spec.selector.matchLabels);
      expect(np.spec.policyTypes).toContain('Ingress');
      const rules: any[] = np.spec.ingress;
      const rulePorts = rules.map((rule) => rule.ports.map((p: any) => p.port));
      const mainPort = c === 'gateway' ? v.port : v.grpcPort;
      expect(rulePorts.sort()).toEqual([[mainPort], [v.metricsPort]].sort());
      const main = rules.find((rule) => rule.ports[0].port === mainPort);
      if (c === 'gateway') {
        const from = values.networkPolicy?.gateway?.from ?? [];
        if (from.length) expect(main.from).toEqual(from);
        else expect(main.from).toBeUndefined(); // from anywhere (ingress controller, port-forward)
      } else {
        const callers = NAMES.filter((other) => (COMPONENTS[other].peers as readonly string[]).includes(c));
        expect(callers).toContain('gateway');
        expect(main.from).toEqual(
          callers.map((caller) => ({
            podSelector: { matchLabels: deploymentOf(r, caller).spec.selector.matchLabels },
          })),
        );
      }
      const metrics = rules.find((rule) => rule.ports[0].port === v.metricsPort);
      expect(metrics.from).toHaveLength(1);
      expect(metrics.from[0].namespaceSelector).toEqual(metricsFrom.namespaceSelector);
      if (Object.keys(metricsFrom.podSelector ?? {}).length)
        expect(metrics.from[0].podSelector).toEqual(metricsFrom.podSelector);
      if (values.networkPolicy?.egress?.enabled) {
        expect(np.spec.policyTypes).toContain('Egress');
        const peerPorts = np.spec.egress
          .filter((e: any) => e.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/instance'] === RELEASE)
          .map((e: any) => e.ports[0].port);
        expect(peerPorts.sort()).toEqual(COMPONENTS[c].peers.map((p) => component(p).grpcPort).sort());
        expect(np.spec.egress.some((e: any) => e.ports.some((p: any) => p.port === 53 && p.protocol === 'UDP'))).toBe(
          true,
        );
      }
    }
  });

  test('Ingress (when on) routes to the gateway Service, with TLS when configured', () => {
    const ingresses = byKind(r, 'Ingress');
    expect(ingresses).toHaveLength(values.ingress?.enabled ? 1 : 0);
    for (const ing of ingresses) {
      const gwService = one(r, 'Service', `${FULLNAME}-gateway`);
      for (const rule of ing.spec.rules)
        for (const p of rule.http.paths)
          expect(p.backend.service).toEqual({ name: gwService.metadata.name, port: { name: 'http' } });
      expect(ing.spec.tls ?? []).toEqual(values.ingress.tls ?? []);
      const host = values.ingress.hosts[0].host;
      expect(configOf(r, 'gateway').PUBLIC_URL).toBe(`${values.ingress.tls?.length ? 'https' : 'http'}://${host}`);
      expect(configOf(r, 'gateway').TRUST_PROXY).toBe(String(values.gateway?.trustProxy ?? 1));
    }
  });

  test('ServiceMonitor (when on) scrapes the metrics port of all five Services under stable job names', () => {
    const monitors = byKind(r, 'ServiceMonitor');
    expect(monitors).toHaveLength(values.metrics?.serviceMonitor?.enabled ? 1 : 0);
    for (const sm of monitors) {
      expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(sm.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
      const selected = byKind(r, 'Service').filter((s) =>
        Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
      );
      const withMetrics = selected.filter((s) => s.spec.ports.some((p: any) => p.name === 'metrics'));
      expect(withMetrics.map((s) => s.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual(
        [...NAMES].sort(),
      );
      expect(sm.spec.endpoints).toHaveLength(1);
      const [endpoint] = sm.spec.endpoints;
      expect(endpoint).toMatchObject({ port: 'metrics', path: '/metrics', honorLabels: true });
      expect(endpoint.relabelings[0]).toEqual({
        sourceLabels: ['__meta_kubernetes_service_label_app_kubernetes_io_component'],
        targetLabel: 'job',
        replacement: `${FULLNAME}-$1`,
      });
      for (const [k, v] of Object.entries(values.metrics.serviceMonitor.labels ?? {}))
        expect(sm.metadata.labels?.[k]).toBe(v);
    }
  });

  test('PrometheusRule (when on): the promised alerts, on documented metrics, scoped to this release', () => {
    const rules = byKind(r, 'PrometheusRule');
    expect(rules).toHaveLength(values.metrics?.prometheusRule?.enabled ? 1 : 0);
    for (const pr of rules) {
      expect(pr.apiVersion).toBe('monitoring.coreos.com/v1');
      const alerts: any[] = pr.spec.groups.flatMap((g: any) => g.rules);
      for (const a of alerts) {
        expect(a).toEqual(
          expect.objectContaining({
            alert: expect.stringMatching(/^[A-Z][A-Za-z0-9]+$/),
            expr: expect.any(String),
            labels: expect.objectContaining({ severity: expect.stringMatching(/^(critical|warning|info)$/) }),
          }),
        );
        if (a.for !== undefined) expect(a.for).toMatch(/^\d+[smh]$/);
      }
      const own = alerts.filter(
        (a) => !(values.metrics.prometheusRule.additionalRules ?? []).some((x: any) => x.alert === a.alert),
      );
      const expr = (name: string) => own.filter((a) => a.alert === name).map((a) => a.expr as string);
      expect(expr('ScimGatewayHttp5xxRatioHigh')[0]).toMatch(/http_requests_total\{[^}]*code=~"5\.\."/);
      expect(expr('ScimGatewayScimLatencyHigh')[0]).toMatch(
        /histogram_quantile\(0\.99,[\s\S]*scim_request_duration_seconds_bucket/,
      );
      expect(expr('ScimGatewayAuthFailureBurst')[0]).toContain('scim_auth_failures_total');
      expect(expr('ScimGatewayGrpcErrorRatioHigh')[0]).toContain('grpc_server_handled_total');
      expect(expr('ScimGatewayTargetDown')[0]).toMatch(/^up\{/);
      expect(expr('ScimGatewayWebhookBacklogGrowing')[0]).toContain(
        `webhook_oldest_undelivered_event_age_seconds{namespace="${NAMESPACE}", job="${FULLNAME}-directory"}`,
      );
      expect(expr('ScimGatewayComponentAbsent')).toHaveLength(5);
      for (const c of NAMES)
        expect(expr('ScimGatewayComponentAbsent')).toContain(
          `absent(up{namespace="${NAMESPACE}", job="${FULLNAME}-${c}"} == 1)`,
        );
      expect(expr('ScimGatewayComponentNotReady')[0]).toContain('kube_deployment_status_replicas_available');
      for (const a of own) {
        for (const m of metricsIn(a.expr))
          if (!EXTERNAL_METRIC.test(m))
            expect({ alert: a.alert, metric: m, documented: documentedMetrics.has(m) }).toEqual({
              alert: a.alert,
              metric: m,
              documented: true,
            });
        // Every selector is scoped to this release's namespace and jobs (several releases may share a Prometheus).
        for (const selector of a.expr.match(/\{[^}]*\}/g) ?? []) expect(selector).toContain(`namespace="${NAMESPACE}"`);
      }
      // Prometheus templating survives helm (escaped in the template).
      expect(JSON.stringify(alerts)).toContain('{{ $labels.reason }}');
    }
  });

  test('Grafana dashboard (when on): a labelled ConfigMap with a dashboard on documented metrics', () => {
    const dashboards = byKind(r, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard !== undefined);
    expect(dashboards).toHaveLength(values.metrics?.dashboard?.enabled ? 1 : 0);
    for (const cm of dashboards) {
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      expect(cm.metadata.namespace).toBe(values.metrics.dashboard.namespace || NAMESPACE);
      const dashboard = JSON.parse(cm.data!['scim-gateway.json']);
      expect(dashboard.uid).toBe('scim-gateway');
      const exprs: string[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
      expect(exprs.length).toBeGreaterThan(10);
      const used = new Set(exprs.flatMap(metricsIn));
      for (const m of used)
        if (!EXTERNAL_METRIC.test(m))
          expect({ metric: m, documented: documentedMetrics.has(m) }).toEqual({ metric: m, documented: true });
      for (const m of [
        'http_requests_total',
        'scim_operations_total',
        'scim_request_duration_seconds',
        'scim_auth_failures_total',
        'oidc_logins_total',
        'credential_memory_requests_total',
        'entitlement_cache_requests_total',
        'grpc_server_handled_total',
        'grpc_server_handling_seconds',
        'grpc_client_handled_total',
      ]) {
        expect(used).toContain(m);
      }
    }
  });
});

describe('defaults and the values schema', () => {
  const secrets = [
    '--set',
    'mongodb.existingSecret=stores',
    '--set',
    'redis.existingSecret=stores',
    '--set',
    'adminToken.existingSecret=admin',
  ];
  const fails = (extra: string[]) => {
    const r = helm([...templateArgs(), ...extra]);
    expect(r.status).not.toBe(0);
    return r.stderr;
  };

  // Decision: the chart's defaults are a working trial (embedded store, in-process caches, generated admin token);
  // referencing MongoDB or Redis chooses production, and then everything still missing is named in one round.
  test('bare defaults render (trial mode)', () => {
    const r = helm(templateArgs());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('production with a piece missing fails once, naming every missing value', () => {
    const stderr = fails(['--set', 'redis.existingSecret=stores', '--set', 'grpcTls.enabled=true']);
    expect(stderr).toMatch(/3 value\(s\) missing/);
    for (const key of ['mongodb.existingSecret', 'publicUrl', 'grpcTls.existingSecret'])
      expect(stderr).toContain(`- ${key}:`);
    expect(stderr).toMatch(/publicUrl: .*SCIM base URLs/);
    expect(fails(['--set', 'mongodb.existingSecret=stores'])).toMatch(
      /2 value\(s\) missing:\n\s+- redis\.existingSecret: .*\n\s+- publicUrl: /,
    );
  });

  test.each([
    ['a replica count that is not a number', ['--set', 'gateway.replicaCount=two'], 'gateway.replicaCount'],
    ['zero replicas', ['--set', 'directory.replicaCount=0'], 'directory.replicaCount'],
    ['a storage size that is not a quantity', ['--set', 'persistence.size=lots'], 'persistence.size'],
    ['a misspelt TLS key', ['--set', 'grpcTls.enable=true'], 'enable'],
    [
      'a Secret name that is not a Kubernetes name',
      ['--set', 'redis.existingSecret=Redis_Secret'],
      'redis.existingSecret',
    ],
    ['a port out of range', ['--set', 'identity.grpcPort=70000'], 'identity.grpcPort'],
    ['a port given as text', ['--set-string', 'credentials.metricsPort=9103'], 'credentials.metricsPort'],
    ['resources without limits', ['--set', 'entitlement.resources.limits=null'], 'entitlement.resources'],
    ['a misspelt workload key', ['--set', 'gateway.replicas=3'], 'replicas'],
    ['a public URL without a scheme', ['--set', 'publicUrl=id.example.com'], 'publicUrl'],
    ['an unknown log level', ['--set', 'logLevel=verbose'], 'logLevel'],
    [
      'a service type that exposes nothing known',
      ['--set', 'gateway.service.type=ExternalName'],
      'gateway.service.type',
    ],
  ])('rejects %s', (_what, extra, key) => {
    const stderr = fails([...secrets, '--set', 'publicUrl=https://id.example.com', ...extra]);
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toContain(key);
  });
});

describe('the generated admin token', () => {
  // helm template has no cluster for `lookup` to read: a scratch copy of the chart answers it with the Secret an
  // earlier install left, as the API server would on `helm upgrade`.
  test('is reused from the Secret already in the cluster, and generated only when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-gateway-lookup-'));
    try {
      const chart = join(dir, 'scim-gateway');
      cpSync(chartDir, chart, { recursive: true });
      const file = join(chart, 'templates/admin-token-secret.yaml');
      const source = readFileSync(file, 'utf8');
      const lookup = 'lookup "v1" "Secret" .Release.Namespace $name';
      expect(source).toContain(lookup);
      const kept = 'scimgw_admin_' + 'k'.repeat(48);
      writeFileSync(file, source.replace(lookup, `dict "data" (dict "admin-token" ("${kept}" | b64enc))`));
      const tokenOf = (chartPath: string) => {
        const r = helm([...templateArgs({ chart: chartPath }), '--show-only', 'templates/admin-token-secret.yaml']);
        if (r.status !== 0) throw new Error(r.stderr);
        return Buffer.from((parseYaml(r.stdout) as Manifest).data!['admin-token'], 'base64').toString();
      };
      expect(tokenOf(chart)).toBe(kept);
      const fresh = [tokenOf(chartDir), tokenOf(chartDir)];
      for (const t of fresh) expect(t).toMatch(/^scimgw_admin_[A-Za-z0-9]{48}$/);
      expect(fresh[0]).not.toBe(fresh[1]);
      // A referenced Secret replaces it: nothing generated.
      const r = helm([...templateArgs(), '--set', 'adminToken.existingSecret=admin']);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('admin-token-secret.yaml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rendering variants', () => {
  const base = [join(ciDir, 'defaults-with-secrets.yaml')];

  test('a ConfigMap change rolls only the pods that read it', () => {
    const before = render({ release: RELEASE, namespace: NAMESPACE, valuesFiles: base });
    const after = render({
      release: RELEASE,
      namespace: NAMESPACE,
      valuesFiles: base,
      set: ['gateway.config.PORTAL_URL=https://app.example.com'],
    });
    const checksum = (r: Rendered, c: Component) =>
      deploymentOf(r, c).spec.template.metadata.annotations['checksum/config'];
    expect(configOf(after, 'gateway').PORTAL_URL).toBe('https://app.example.com');
    expect(checksum(after, 'gateway')).not.toBe(checksum(before, 'gateway'));
    for (const c of GRPC_SERVICES) expect(checksum(after, c)).toBe(checksum(before, c));
    // A port change reaches every ConfigMap that names it: the service's own and its callers'.
    const moved = render({
      release: RELEASE,
      namespace: NAMESPACE,
      valuesFiles: base,
      set: ['directory.grpcPort=6000'],
    });
    for (const c of ['directory', 'gateway', 'identity'] as const)
      expect(checksum(moved, c)).not.toBe(checksum(before, c));
    for (const c of ['credentials', 'entitlement'] as const) expect(checksum(moved, c)).toBe(checksum(before, c));
    expect(configOf(moved, 'identity').DIRECTORY_ADDR).toBe(`${FULLNAME}-directory:6000`);
  });

  test('`config` values become environment strings as written (no 1.048576e+06)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scim-gateway-values-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(
        file,
        'gateway:\n  config:\n    SCIM_MAX_BODY_BYTES: 1048576\n    RATIO: 0.5\n    FLAG: true\n    PORTAL_URL: https://app.example.com\n',
      );
      const config = configOf(
        render({ release: RELEASE, namespace: NAMESPACE, valuesFiles: [...base, file] }),
        'gateway',
      );
      expect(config).toMatchObject({
        SCIM_MAX_BODY_BYTES: '1048576',
        RATIO: '0.5',
        FLAG: 'true',
        PORTAL_URL: 'https://app.example.com',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('chart-managed settings win over `config`', () => {
    const r = render({
      release: RELEASE,
      namespace: NAMESPACE,
      valuesFiles: base,
      set: ['identity.config.GRPC_PORT=1', 'identity.config.DIRECTORY_ADDR=evil:1'],
    });
    expect(configOf(r, 'identity').GRPC_PORT).toBe('50051');
    expect(configOf(r, 'identity').DIRECTORY_ADDR).toBe(`${FULLNAME}-directory:50052`);
  });

  test('a LoadBalancer gateway keeps /metrics off the external Service', () => {
    const r = render({
      release: RELEASE,
      namespace: NAMESPACE,
      valuesFiles: base,
      set: ['gateway.service.type=LoadBalancer', 'metrics.serviceMonitor.enabled=true'],
    });
    const external = one(r, 'Service', `${FULLNAME}-gateway`);
    expect(external.spec.type).toBe('LoadBalancer');
    expect(external.spec.ports.map((p: any) => p.name)).toEqual(['http']);
    const metrics = one(r, 'Service', `${FULLNAME}-gateway-metrics`);
    expect(metrics.spec.type).toBe('ClusterIP');
    expect(metrics.spec.ports.map((p: any) => p.name)).toEqual(['metrics']);
    expect(metrics.spec.selector).toEqual(external.spec.selector);
    for (const doc of r.docs)
      if (CORE[`${doc.apiVersion} ${doc.kind}`])
        expect(() => new CORE[`${doc.apiVersion} ${doc.kind}`].model(doc).validate()).not.toThrow();
  });

  test('the native preStop sleep only where the cluster has it (Kubernetes >= 1.30)', () => {
    const recent = render({ valuesFiles: base });
    const older = render({ valuesFiles: base, kubeVersion: '1.28.0' });
    expect(containerOf(recent, 'gateway').lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(containerOf(older, 'gateway').lifecycle).toBeUndefined();
  });

  test('names stay within 63 characters for long release names', () => {
    const release = 'a-very-long-release-name-for-the-identity-platform-01'; // 53: helm's limit
    const r = render({ release, valuesFiles: base });
    for (const doc of r.docs) expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
    expect(new Set(r.docs.map((d) => `${d.kind}/${d.metadata.name}`)).size).toBe(r.docs.length);
  });
});

describe('NOTES.txt', () => {
  // helm template does not print NOTES.txt: render it through `tpl` in a scratch copy of the chart.
  function notes(valuesFiles: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'scim-gateway-notes-'));
    try {
      const chart = join(dir, 'scim-gateway');
      cpSync(chartDir, chart, { recursive: true });
      cpSync(join(chart, 'templates/NOTES.txt'), join(chart, 'notes.txt'));
      writeFileSync(
        join(chart, 'templates/zz-notes.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}\n',
      );
      const r = helm([...templateArgs({ chart, valuesFiles }), '--show-only', 'templates/zz-notes.yaml']);
      if (r.status !== 0) throw new Error(r.stderr);
      return (parseYaml(r.stdout) as Manifest).data!.notes;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('say how to reach the admin API, where the token is, and where Okta’s SCIM base URL comes from', () => {
    const text = notes([join(ciDir, 'defaults-with-secrets.yaml')]);
    expect(text).toContain(`kubectl -n identity port-forward svc/${FULLNAME}-gateway 8080:80`);
    expect(text).toContain('get secret scim-gateway-admin');
    expect(text).toContain('admin-token');
    expect(text).toContain('/admin/v1/orgs/$ORG/connectors');
    expect(text).toContain('PUBLIC_URL = https://id.example.com');
    expect(text).not.toContain('WARNING');
  });

  test('trial mode: says it is a trial, where the generated token is, and how to switch to MongoDB + Redis', () => {
    const text = notes([join(ciDir, 'trial.yaml')]);
    expect(text).toContain('TRIAL');
    expect(text).toContain(`get secret ${FULLNAME}-admin-token`);
    expect(text).toContain('PUBLIC_URL = http://localhost:8080');
    expect(text).toMatch(/--set mongodb\.existingSecret=\S+ --set redis\.existingSecret=/);
    expect(text).toContain('docs/kubernetes.md');
    expect(notes([join(ciDir, 'defaults-with-secrets.yaml')])).not.toContain('TRIAL');
  });

  test('with the ingress: its URL, and a warning when it is not HTTPS', () => {
    expect(notes([join(ciDir, 'everything-enabled.yaml')])).toContain(
      'Through the ingress: https://id.example.com/admin/v1/',
    );
    expect(notes([join(ciDir, 'minimal.yaml')])).toContain('WARNING: PUBLIC_URL is not https://');
  });
});

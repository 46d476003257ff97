/** Every process exposes the documented Prometheus metrics (docs/metrics.md) on its own port. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant } from '../support/tenant.js';

describe('metrics of the running processes', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem({ LOG_LEVEL: 'debug' });
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('serves RED and domain metrics with conventional names', async () => {
    const t = await newScimTenant(sys, 'Metrics');
    await t.scim('GET', '/Users?filter=userName%20eq%20%22x%40y.z%22');
    await http('GET', `${t.baseUrl}/Users`, { token: 'wrong' });
    const scrape = async (name: keyof RunningSystem['metricsPorts']) =>
      (await http('GET', `http://127.0.0.1:${sys.metricsPorts[name]}/metrics`)).text;
    const expected: Record<keyof RunningSystem['metricsPorts'], string[]> = {
      gateway: [
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'scim_operations_total',
        'scim_request_duration_seconds_bucket',
        'scim_auth_failures_total',
        'entitlement_cache_requests_total',
        'credential_memory_requests_total',
        'grpc_client_handled_total',
        'process_cpu_seconds_total',
      ],
      directory: ['grpc_server_handled_total', 'grpc_server_handling_seconds_bucket', 'process_resident_memory_bytes'],
      credentials: ['grpc_server_handled_total', 'credential_revocation_watchers'],
      entitlement: ['grpc_server_handled_total', 'grpc_server_handling_seconds_bucket'],
      identity: ['grpc_server_handled_total', 'oidc_logins_total'],
    };
    for (const [name, metrics] of Object.entries(expected) as Array<[keyof RunningSystem['metricsPorts'], string[]]>) {
      const text = await scrape(name);
      for (const m of metrics)
        expect({ process: name, metric: m, present: new RegExp(`^(# TYPE )?${m}[ {]`, 'm').test(text) }).toEqual({
          process: name,
          metric: m,
          present: true,
        });
    }
    const gw = await scrape('gateway');
    expect(gw).toMatch(/scim_operations_total\{[^}]*resource="Users"[^}]*operation="list"[^}]*outcome="success"/);
    // No tenant label unless METRICS_TENANT_LABEL=true (~20 series per active tenant).
    expect(gw).not.toMatch(/scim_operations_total\{[^}]*tenant=/);
    expect(gw).toMatch(/scim_auth_failures_total\{[^}]*reason="invalid_credentials"/);
    expect(gw).toMatch(/http_requests_total\{[^}]*route="\/admin\/v1\/orgs"/);
    expect(await scrape('directory')).toMatch(
      /grpc_server_handled_total\{[^}]*grpc_method="ListResources"[^}]*grpc_code="OK"/,
    );
  });
});

describe('request ids', () => {
  it('travel from the gateway into every service log line of the call', async () => {
    const sys = await startSystem({ LOG_LEVEL: 'debug' });
    try {
      const t = await newScimTenant(sys, 'Traced');
      const id = 'trace-0123456789abcdef';
      const res = await http('GET', `${t.baseUrl}/Users?count=1`, { token: t.token, headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
      await new Promise((r) => setTimeout(r, 200));
      const lines = sys
        .output()
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l));
      const services = new Set(lines.map((l: { service: string }) => l.service));
      expect([...services].sort()).toEqual(expect.arrayContaining(['credentials', 'directory']));
      for (const l of lines)
        expect(l).toMatchObject({ requestId: id, time: expect.any(String), level: expect.any(String) });
    } finally {
      await sys.stop();
    }
  }, 90000);
});

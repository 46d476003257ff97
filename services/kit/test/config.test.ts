import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../src/config.js';
import { loadGatewayConfig } from '../../../gateway/src/config.js';
import { loadCredentialsConfig } from '../../credentials/src/config.js';

describe('configuration', () => {
  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadGatewayConfig({
        PORT: 'eighty',
        METRICS_PORT: '70000',
        DIRECTORY_ADDR: 'nohost',
        REDIS_URL: 'http://x',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'METRICS_PORT', 'DIRECTORY_ADDR', 'REDIS_URL', 'LOG_LEVEL', 'ADMIN_TOKEN'])
      expect(problems).toContain(name);
  });
  it('never echoes a secret and requires a long admin token', () => {
    expect(() => loadGatewayConfig({ ADMIN_TOKEN: 'short-secret' })).toThrow(/ADMIN_TOKEN: must be at least 32/);
    expect(() => loadGatewayConfig({ ADMIN_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });
  it('returns a frozen typed object and warns about insecure defaults', () => {
    const { config, warnings } = loadGatewayConfig({ ADMIN_TOKEN: 'x'.repeat(40) });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(warnings.join('\n')).toContain('PUBLIC_URL');
    expect(loadCredentialsConfig({}).config.grpcPort).toBe(50053);
  });
  it('validates the operations settings: sampling rate, booleans, HTTP timeouts and their order', () => {
    const token = { ADMIN_TOKEN: 'x'.repeat(40) };
    let err: unknown;
    try {
      loadGatewayConfig({
        ...token,
        ACCESS_LOG_SAMPLE_RATE: '2',
        METRICS_TENANT_LABEL: 'maybe',
        HTTP_MAX_CONNECTIONS: '0',
        HSTS_MAX_AGE_SECONDS: '-1',
      });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of [
      'ACCESS_LOG_SAMPLE_RATE',
      'METRICS_TENANT_LABEL',
      'HTTP_MAX_CONNECTIONS',
      'HSTS_MAX_AGE_SECONDS',
    ])
      expect(problems).toContain(name);
    expect(() =>
      loadGatewayConfig({ ...token, HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS .* must not exceed HTTP_REQUEST_TIMEOUT_MS/);
    const { config } = loadGatewayConfig({ ...token, ACCESS_LOG_SAMPLE_RATE: '0.25', METRICS_TENANT_LABEL: 'on' });
    expect([
      config.accessLogSampleRate,
      config.metricsTenantLabel,
      config.httpHeadersTimeoutMs,
      config.httpRequestTimeoutMs,
    ]).toEqual([0.25, true, 10000, 30000]);
  });
});

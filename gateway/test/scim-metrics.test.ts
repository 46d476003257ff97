import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createLogger } from '../../services/kit/src/logger.js';
import { scimRouter, type ScimRouterDeps } from '../src/scim/scim.routes.js';

const deps = (registry: Registry, tenantLabel?: boolean) =>
  ({
    registry,
    tenantLabel,
    backends: {},
    auth: {},
    entitlements: {},
    publicUrl: 'https://id.example.com',
    maxBodyBytes: 1024,
    logger: createLogger('test', 'error'),
  }) as unknown as ScimRouterDeps;

const labelsOf = async (registry: Registry) => {
  const counter = registry.getSingleMetric('scim_operations_total') as unknown as { labelNames: string[] };
  return [...counter.labelNames].sort();
};

describe('scim_operations_total', () => {
  it('has no tenant label by default', async () => {
    const registry = new Registry();
    scimRouter(deps(registry));
    expect(await labelsOf(registry)).toEqual(['operation', 'outcome', 'resource']);
  });
  it('adds the tenant label when METRICS_TENANT_LABEL is on', async () => {
    const registry = new Registry();
    scimRouter(deps(registry, true));
    expect(await labelsOf(registry)).toEqual(['operation', 'outcome', 'resource', 'tenant']);
  });
});

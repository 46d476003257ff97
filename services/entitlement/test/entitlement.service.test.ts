import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../kit/src/boot.js';
import { connect, type PromiseClient } from '../../kit/src/grpc-client.js';
import {
  EntitlementServiceClient,
  type EntitlementServiceService,
} from '../../../proto/gen/entitlement/v1/entitlement.js';
import { loadEntitlementConfig } from '../src/config.js';
import { buildEntitlementService } from '../src/server.js';

describe('entitlement service (real gRPC, embedded store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ent-'));
  const env = { LOG_LEVEL: 'error', GRPC_PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir };
  let sut: Awaited<ReturnType<typeof startService>>;
  let client: PromiseClient<typeof EntitlementServiceService>;
  beforeAll(async () => {
    sut = await startService('entitlement', loadEntitlementConfig, buildEntitlementService, env);
    client = connect(EntitlementServiceClient, `127.0.0.1:${sut.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await sut?.stop();
  });

  it('grants, revokes and lists, idempotently, per tenant', async () => {
    expect(await client.checkEntitlement({ tenantId: 'a', name: 'enterprise-toolkit' })).toEqual({ enabled: false });
    expect(
      (await client.grantEntitlement({ tenantId: 'a', name: 'enterprise-toolkit', actor: 'operator' })).changed,
    ).toBe(true);
    expect(
      (await client.grantEntitlement({ tenantId: 'a', name: 'enterprise-toolkit', actor: 'operator' })).changed,
    ).toBe(false);
    expect(await client.checkEntitlement({ tenantId: 'a', name: 'enterprise-toolkit' })).toEqual({ enabled: true });
    expect(await client.checkEntitlement({ tenantId: 'b', name: 'enterprise-toolkit' })).toEqual({ enabled: false });
    const revoked = await client.revokeEntitlement({ tenantId: 'a', name: 'enterprise-toolkit', actor: 'operator' });
    expect(revoked).toMatchObject({ changed: true, entitlement: { enabled: false, tenantId: 'a' } });
    const list = await client.listEntitlements({ tenantId: 'a' });
    expect(list.entitlements).toEqual([
      expect.objectContaining({ name: 'enterprise-toolkit', enabled: false, updatedBy: 'operator' }),
    ]);
  });

  it('refuses unknown options and missing tenants with INVALID_ARGUMENT', async () => {
    await expect(client.grantEntitlement({ tenantId: 'a', name: 'gold', actor: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('enterprise-toolkit'),
    });
    await expect(client.checkEntitlement({ tenantId: '', name: 'enterprise-toolkit' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('keeps entitlements across a restart', async () => {
    await client.grantEntitlement({ tenantId: 'persist', name: 'enterprise-toolkit', actor: 'operator' });
    client.close();
    await sut.stop();
    sut = await startService('entitlement', loadEntitlementConfig, buildEntitlementService, env);
    client = connect(EntitlementServiceClient, `127.0.0.1:${sut.grpcPort}`);
    expect(await client.checkEntitlement({ tenantId: 'persist', name: 'enterprise-toolkit' })).toEqual({
      enabled: true,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../kit/src/boot.js';
import { connect, type PromiseClient } from '../../kit/src/grpc-client.js';
import {
  CredentialScheme,
  CredentialsServiceClient,
  type CredentialsServiceService,
} from '../../../proto/gen/credentials/v1/credentials.js';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';
import { loadCredentialsConfig } from '../src/config.js';
import { buildCredentialsService } from '../src/server.js';

const silent = { LOG_LEVEL: 'error' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)],
  );
}

describe('credentials service (real gRPC, real redis-server, embedded store)', () => {
  let redis: RedisHandle;
  let sut: Awaited<ReturnType<typeof startService>>;
  let client: PromiseClient<typeof CredentialsServiceService>;
  const dataDir = mkdtempSync(join(tmpdir(), 'creds-'));

  beforeAll(async () => {
    redis = await startRedis();
    sut = await startService('credentials', loadCredentialsConfig, buildCredentialsService, {
      ...silent,
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
    });
    client = connect(CredentialsServiceClient, `127.0.0.1:${sut.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await sut?.stop();
    await redis?.stop();
  });

  const bearer = (tenantId: string, secret: string) =>
    client.verifyCredential({ tenantId, scheme: CredentialScheme.CREDENTIAL_SCHEME_BEARER, secret, username: '' });
  const basic = (tenantId: string, username: string, secret: string) =>
    client.verifyCredential({ tenantId, scheme: CredentialScheme.CREDENTIAL_SCHEME_BASIC, secret, username });
  const refusedWith = async (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: status.UNAUTHENTICATED });

  it('issues 256-bit prefixed secrets that verify on their own tenant only', async () => {
    const issued = await client.issueCredentials({
      tenantId: 'org1',
      connectorId: 'c1',
      companyId: 'ACME123',
      actor: 'operator',
    });
    expect(issued.bearerToken).toMatch(/^scimgw_tok_[A-Za-z0-9_-]{43}$/);
    expect(issued.basicPassword).toMatch(/^scimgw_key_[A-Za-z0-9_-]{43}$/);
    expect(issued.basicUsername).toBe('ACME123');
    expect(issued.summary?.bearerTokenLast4).toBe(issued.bearerToken.slice(-4));
    await expect(bearer('org1', issued.bearerToken)).resolves.toEqual({
      tenantId: 'org1',
      connectorId: 'c1',
      generation: 1,
    });
    await expect(basic('org1', 'acme123', issued.basicPassword)).resolves.toEqual({
      tenantId: 'org1',
      connectorId: 'c1',
      generation: 1,
    });
    // another tenant's base URL, the passkey as a bearer token, a wrong Company ID: all the same refusal
    await refusedWith(bearer('org2', issued.bearerToken));
    await refusedWith(bearer('org1', issued.basicPassword));
    await refusedWith(basic('org1', 'OTHER', issued.basicPassword));
    await refusedWith(bearer('org1', issued.bearerToken + 'x'));
    await refusedWith(bearer('org1', ''));
  });

  it('refuses the old secrets as soon as rotation returns, even when they were cached', async () => {
    const first = await client.issueCredentials({
      tenantId: 'org3',
      connectorId: 'c3',
      companyId: 'CO3',
      actor: 'operator',
    });
    await bearer('org3', first.bearerToken); // cached now
    await bearer('org3', first.bearerToken);
    const second = await client.issueCredentials({
      tenantId: 'org3',
      connectorId: 'c3',
      companyId: 'CO3',
      actor: 'operator',
    });
    expect(second.rotated).toBe(true);
    expect(second.summary).toBeDefined();
    // the generation the gateways tag what they remember with: raised by every rotation, durable in the store
    await expect(bearer('org3', second.bearerToken)).resolves.toMatchObject({ generation: 2 });
    await refusedWith(bearer('org3', first.bearerToken));
    await refusedWith(basic('org3', 'CO3', first.basicPassword));
    await expect(bearer('org3', second.bearerToken)).resolves.toMatchObject({ connectorId: 'c3' });
  });

  it('revocation ends both secrets', async () => {
    const issued = await client.issueCredentials({
      tenantId: 'org4',
      connectorId: 'c4',
      companyId: 'CO4',
      actor: 'operator',
    });
    await bearer('org4', issued.bearerToken);
    await expect(client.revokeCredentials({ tenantId: 'org4', connectorId: 'c4', actor: 'operator' })).resolves.toEqual(
      { revoked: true },
    );
    await refusedWith(bearer('org4', issued.bearerToken));
    await refusedWith(basic('org4', 'CO4', issued.basicPassword));
    await expect(client.describeCredentials({ tenantId: 'org4', connectorId: 'c4' })).resolves.toMatchObject({
      summary: { revoked: true },
    });
  });

  it('verifies from the store whatever Redis does (it is not on the verification path), and never lets a rotated secret back in', async () => {
    const first = await client.issueCredentials({
      tenantId: 'org5',
      connectorId: 'c5',
      companyId: 'CO5',
      actor: 'operator',
    });
    await bearer('org5', first.bearerToken); // now cached in Redis
    await redis.stop();
    await expect(bearer('org5', first.bearerToken)).resolves.toMatchObject({ connectorId: 'c5' });
    const second = await client.issueCredentials({
      tenantId: 'org5',
      connectorId: 'c5',
      companyId: 'CO5',
      actor: 'operator',
    });
    await refusedWith(bearer('org5', first.bearerToken));
    await expect(bearer('org5', second.bearerToken)).resolves.toMatchObject({ connectorId: 'c5' });
    await redis.restart();
    await refusedWith(bearer('org5', first.bearerToken));
    await expect(bearer('org5', second.bearerToken)).resolves.toMatchObject({ connectorId: 'c5' });
  });

  it('stores hashes, never the secrets', async () => {
    const issued = await client.issueCredentials({
      tenantId: 'org6',
      connectorId: 'c6',
      companyId: 'CO6',
      actor: 'operator',
    });
    const everything = filesUnder(dataDir)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(everything).toContain('org6');
    expect(everything).not.toContain(issued.bearerToken);
    expect(everything).not.toContain(issued.basicPassword);
    expect(everything).not.toContain(issued.bearerToken.slice(11, 30));
  });
});

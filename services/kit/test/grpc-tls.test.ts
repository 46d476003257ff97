/**
 * TLS between the services with certificates made here by the openssl CLI: a real gRPC service (entitlement, on
 * the embedded store) over TLS with client certificates; a plaintext client, a client without a certificate and
 * a client whose certificate another CA signed are all refused; kubelet's plaintext health port still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelCredentials } from '@grpc/grpc-js';
import {
  EntitlementServiceClient,
  type EntitlementServiceService,
} from '../../../proto/gen/entitlement/v1/entitlement.js';
import { loadEntitlementConfig } from '../../entitlement/src/config.js';
import { buildEntitlementService } from '../../entitlement/src/server.js';
import { startService } from '../src/boot.js';
import { ConfigError } from '../src/config.js';
import { connect, type PromiseClient } from '../src/grpc-client.js';
import type { GrpcTls } from '../src/grpc-tls.js';
import { healthChecker } from '../src/health.js';
import { makePki as makeTestPki } from '../../../test/support/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
const makePki = (name: string) => makeTestPki(dir, name, ['DNS:localhost', 'DNS:entitlement.test', 'IP:127.0.0.1']);

describe('gRPC TLS between the services', () => {
  const good = makePki('good');
  const rogue = makePki('rogue');
  const tlsOf = (p: { ca: string; cert: string; key: string }, serverName?: string): GrpcTls => ({
    ca: readFileSync(p.ca),
    cert: readFileSync(p.cert),
    key: readFileSync(p.key),
    serverName,
  });
  let sut: Awaited<ReturnType<typeof startService>>;
  let healthPort: number;
  let address: string;

  beforeAll(async () => {
    const { freePort } = await import('../../../test/support/redis-server.js');
    healthPort = await freePort();
    const env = {
      LOG_LEVEL: 'error',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'ent-tls-')),
      GRPC_TLS_CA_FILE: good.ca,
      GRPC_TLS_CERT_FILE: good.cert,
      GRPC_TLS_KEY_FILE: good.key,
      GRPC_HEALTH_PORT: String(healthPort),
    };
    sut = await startService('entitlement', loadEntitlementConfig, buildEntitlementService, env);
    address = `127.0.0.1:${sut.grpcPort}`;
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('serves a real call to a client that trusts the CA and presents its certificate', async () => {
    const client: PromiseClient<typeof EntitlementServiceService> = connect(EntitlementServiceClient, address, {
      tls: tlsOf(good),
    });
    try {
      await client.grantEntitlement({ tenantId: 'org-tls', name: 'enterprise-toolkit', actor: 'operator' });
      expect(await client.checkEntitlement({ tenantId: 'org-tls', name: 'enterprise-toolkit' })).toEqual({
        enabled: true,
      });
    } finally {
      client.close();
    }
    // Verified against a name in the certificate, not only the address.
    const byName = connect(EntitlementServiceClient, address, { tls: tlsOf(good, 'entitlement.test') });
    try {
      expect(await byName.checkEntitlement({ tenantId: 'org-tls', name: 'enterprise-toolkit' })).toEqual({
        enabled: true,
      });
    } finally {
      byName.close();
    }
  });

  it('refuses a plaintext client, a client without a certificate, and one whose certificate another CA signed', async () => {
    const refused = async (client: PromiseClient<typeof EntitlementServiceService>) => {
      try {
        await client.checkEntitlement({ tenantId: 'org-tls', name: 'enterprise-toolkit' }, { deadlineMs: 3000 });
        return 'answered';
      } catch (err) {
        return (err as { code: number }).code === 14 || (err as { code: number }).code === 4
          ? 'refused'
          : `error ${(err as Error).message}`;
      } finally {
        client.close();
      }
    };
    const plaintext = connect(EntitlementServiceClient, address);
    const noClientCert = new EntitlementServiceClient(address, ChannelCredentials.createSsl(readFileSync(good.ca)));
    const untrusted = connect(EntitlementServiceClient, address, {
      tls: { ...tlsOf(rogue), ca: readFileSync(good.ca) },
    });
    const wrongServer = connect(EntitlementServiceClient, address, { tls: tlsOf(rogue) });
    expect(await refused(plaintext)).toBe('refused');
    expect(await refused(untrusted)).toBe('refused');
    expect(await refused(wrongServer)).toBe('refused');
    const noCert = await new Promise<string>((resolve) =>
      noClientCert.checkEntitlement(
        { tenantId: 'org-tls', name: 'enterprise-toolkit' },
        { deadline: Date.now() + 3000 } as never,
        (err: { code: number } | null) => resolve(err ? 'refused' : 'answered'),
      ),
    );
    noClientCert.close();
    expect(noCert).toBe('refused');
  });

  it('answers kubelet probes on the plaintext health-only port, and the TLS health check', async () => {
    const probe = healthChecker(`127.0.0.1:${healthPort}`);
    const overTls = healthChecker(address, tlsOf(good));
    const plainOnTls = healthChecker(address);
    try {
      expect(await probe.check('', 3000)).toBe('SERVING');
      expect(await overTls.check('', 3000)).toBe('SERVING');
      expect(await plainOnTls.check('', 3000)).toBe('UNREACHABLE');
    } finally {
      for (const c of [probe, overTls, plainOnTls]) c.close();
    }
  });

  it('refuses at boot half a TLS configuration, unreadable files and a key that is not the certificate’s', () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadEntitlementConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    expect(problemsOf({ GRPC_TLS_CA_FILE: good.ca })).toMatch(/GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE: required/);
    expect(
      problemsOf({
        GRPC_TLS_CA_FILE: good.ca,
        GRPC_TLS_CERT_FILE: join(dir, 'missing.crt'),
        GRPC_TLS_KEY_FILE: good.key,
      }),
    ).toMatch(/GRPC_TLS_CERT_FILE: cannot use .*ENOENT/);
    expect(
      problemsOf({ GRPC_TLS_CA_FILE: good.ca, GRPC_TLS_CERT_FILE: good.cert, GRPC_TLS_KEY_FILE: rogue.key }),
    ).toMatch(/the key does not belong to the certificate/);
    expect(problemsOf({ GRPC_TLS_CA_FILE: good.ca, GRPC_TLS_CERT_FILE: good.cert, GRPC_TLS_KEY_FILE: good.key })).toBe(
      '',
    );
  });
});

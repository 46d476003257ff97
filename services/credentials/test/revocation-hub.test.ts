/**
 * WatchRevocations between the credentials service (real gRPC on port 0, embedded store) and the gateway's
 * CredentialMemory + RevocationWatch; and two replicas sharing one store, wired with in-process streams.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../kit/src/boot.js';
import { connect, type PromiseClient } from '../../kit/src/grpc-client.js';
import { createLogger, requestLogger } from '../../kit/src/logger.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import { tenantId } from '../../kit/src/store/store.js';
import {
  CredentialScheme,
  CredentialsServiceClient,
  type CredentialsServiceService,
  type WatchRevocationsRequest,
  type WatchRevocationsResponse,
} from '../../../proto/gen/credentials/v1/credentials.js';
import { CredentialMemory } from '../../../gateway/src/credential-memory.js';
import { RevocationWatch } from '../../../gateway/src/revocation-watch.js';
import { loadCredentialsConfig } from '../src/config.js';
import { Credentials } from '../src/domain/credentials.js';
import { RevocationHub } from '../src/handlers/revocation-hub.js';
import { openCredentialStore } from '../src/store/credential-store.js';

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const BEARER = CredentialScheme.CREDENTIAL_SCHEME_BEARER;

describe('revocation stream (real gRPC)', () => {
  let sut: Awaited<ReturnType<typeof startService>>;
  let client: PromiseClient<typeof CredentialsServiceService>;
  const raw = () => client.raw as unknown as CredentialsServiceClient;

  beforeAll(async () => {
    sut = await startService(
      'credentials',
      loadCredentialsConfig,
      (await import('../src/server.js')).buildCredentialsService,
      {
        LOG_LEVEL: 'error',
        GRPC_PORT: '0',
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'creds-watch-')),
        REVOCATION_LEASE_MS: '400',
        REVOCATION_ACK_TIMEOUT_MS: '300',
      },
    );
    client = connect(CredentialsServiceClient, `127.0.0.1:${sut.grpcPort}`);
  });
  afterAll(async () => {
    client?.close();
    await sut?.stop();
  });

  async function remembered(memory: CredentialMemory, tenant: string, secret: string) {
    const key = CredentialMemory.key(BEARER, tenant, '', secret);
    const ticket = memory.ticket();
    const res = await client.verifyCredential({ tenantId: tenant, scheme: BEARER, secret, username: '' });
    expect(memory.admit(key, res, ticket)).toBe(true);
    return { key, res };
  }

  it('memory is trusted once synced and under lease; a rotation empties it before the call returns, and refuses answers it overtook', async () => {
    const memory = new CredentialMemory();
    const watch = new RevocationWatch(() => raw().watchRevocations(), memory);
    watch.start();
    try {
      await until(() => memory.trusted);
      const first = await client.issueCredentials({ tenantId: 'w1', connectorId: 'c1', companyId: 'CO1', actor: 'op' });
      const { key, res } = await remembered(memory, 'w1', first.bearerToken);
      expect(memory.get(key)).toMatchObject({ tenantId: 'w1', connectorId: 'c1', generation: 1 });
      await client.issueCredentials({ tenantId: 'w1', connectorId: 'c1', companyId: 'CO1', actor: 'op' });
      expect(memory.get(key)).toBeUndefined();
      // an answer for the old secret that was still on its way is refused, not remembered
      expect(memory.admit(key, res, memory.ticket())).toBe(false);
      expect(memory.get(key)).toBeUndefined();
      // revocation (connector deleted) likewise
      const second = await client.issueCredentials({
        tenantId: 'w1',
        connectorId: 'c2',
        companyId: 'CO1',
        actor: 'op',
      });
      const r2 = await remembered(memory, 'w1', second.bearerToken);
      await client.revokeCredentials({ tenantId: 'w1', connectorId: 'c2', actor: 'op' });
      expect(memory.get(r2.key)).toBeUndefined();
    } finally {
      watch.close();
    }
  });

  it('a gateway that was away during a rotation drops what the store has moved past when it resyncs', async () => {
    const memory = new CredentialMemory();
    let watch = new RevocationWatch(() => raw().watchRevocations(), memory);
    watch.start();
    await until(() => memory.trusted);
    const first = await client.issueCredentials({ tenantId: 'w2', connectorId: 'c1', companyId: 'CO2', actor: 'op' });
    const keep = await client.issueCredentials({ tenantId: 'w2', connectorId: 'c2', companyId: 'CO2', actor: 'op' });
    const { key } = await remembered(memory, 'w2', first.bearerToken);
    const kept = await remembered(memory, 'w2', keep.bearerToken);
    watch.close();
    expect(memory.get(key)).toBeUndefined(); // not trusted while away
    await client.issueCredentials({ tenantId: 'w2', connectorId: 'c1', companyId: 'CO2', actor: 'op' });
    watch = new RevocationWatch(() => raw().watchRevocations(), memory);
    watch.start();
    try {
      await until(() => memory.trusted);
      expect(memory.get(key)).toBeUndefined();
      expect(memory.get(kept.key)).toMatchObject({ connectorId: 'c2' });
    } finally {
      watch.close();
    }
  });

  it('a gateway that does not acknowledge: the rotation still returns, and that gateway’s stream is ended', async () => {
    const silent = raw().watchRevocations();
    const got: WatchRevocationsResponse[] = [];
    const ended = new Promise<number>((r) => silent.on('status', (st: { code: number }) => r(st.code)));
    silent.on('data', (m: WatchRevocationsResponse) => got.push(m));
    silent.on('error', () => undefined);
    silent.write({ resync: { held: [], resyncId: 1 }, ack: undefined, ping: undefined });
    silent.write({ resync: undefined, ack: undefined, ping: { sentAt: 1 } });
    await until(() => got.some((m) => m.synced) && got.some((m) => m.pong));
    await client.issueCredentials({ tenantId: 'w3', connectorId: 'c1', companyId: 'CO3', actor: 'op' });
    const rotated = await client.issueCredentials({ tenantId: 'w3', connectorId: 'c1', companyId: 'CO3', actor: 'op' });
    expect(rotated.rotated).toBe(true);
    expect(got.some((m) => m.revoked?.revokedBelow?.connectorId === 'c1')).toBe(true);
    expect(await ended).toBe(status.UNAVAILABLE);
  });
});

/** A server call and a client stream joined in process, delivering messages asynchronously as gRPC would. */
function pipe() {
  const server = Object.assign(new EventEmitter(), {
    cancelled: false,
    metadata: undefined,
    write: (m: WatchRevocationsResponse) => void setImmediate(() => client.emit('data', m)),
    end: () => void setImmediate(() => client.emit('status', { code: status.OK, details: '' })),
  });
  server.on('error', (e: { code: number; details: string }) => setImmediate(() => client.emit('status', e)));
  const client = Object.assign(new EventEmitter(), {
    write: (m: WatchRevocationsRequest) => void setImmediate(() => server.emit('data', m)),
    cancel: () => {
      server.cancelled = true;
      setImmediate(() => server.emit('cancelled'));
      setImmediate(() => client.emit('status', { code: status.CANCELLED, details: 'cancelled' }));
    },
  });
  return { server, client };
}

describe('two replicas sharing one store', () => {
  it('a rotation on one replica returns only once the gateways of the other hold nothing older', async () => {
    const docs = await openDocumentStore({ dataDir: mkdtempSync(join(tmpdir(), 'creds-shared-')) });
    const store = await openCredentialStore(docs);
    const logger = createLogger('credentials', 'error');
    const opts = { leaseMs: 300, ackTimeoutMs: 200, peerPollMs: 30, logger };
    const a = new RevocationHub(store, opts);
    const b = new RevocationHub(store, opts);
    const credentialsA = new Credentials(store, a);
    const credentialsB = new Credentials(store, b);
    // a gateway connected to replica B only
    const memory = new CredentialMemory();
    const watch = new RevocationWatch(() => {
      const { server, client } = pipe();
      b.handler(server as never);
      return client as never;
    }, memory);
    watch.start();
    try {
      await until(() => memory.trusted);
      const tenant = tenantId('s1');
      const issued = await credentialsB.issue(tenant, 'c1', 'CO1', logger);
      const key = CredentialMemory.key(BEARER, 's1', '', issued.bearerToken);
      const ticket = memory.ticket();
      expect(
        memory.admit(key, await credentialsB.verify(tenant, { scheme: 'bearer', secret: issued.bearerToken }), ticket),
      ).toBe(true);
      await until(() => memory.get(key) !== undefined);
      // rotated on A, which has no gateway of its own
      await credentialsA.issue(tenant, 'c1', 'CO1', logger);
      expect(memory.get(key)).toBeUndefined();
      // and memory comes back for what is still valid
      await until(() => memory.trusted);
      expect(memory.get(key)).toBeUndefined();
    } finally {
      watch.close();
      a.drain();
      b.drain();
      await docs.close();
    }
  });
});

describe('a revocation and the call that made it', () => {
  it("notes a gateway dropped for not acknowledging on the revoking call's logger, the hub's own logger silent", async () => {
    const docs = await openDocumentStore({ dataDir: mkdtempSync(join(tmpdir(), 'creds-log-')) });
    const store = await openCredentialStore(docs);
    const own: string[] = [];
    const hub = new RevocationHub(store, {
      leaseMs: 50,
      ackTimeoutMs: 30,
      peerPollMs: 0,
      logger: createLogger('credentials', 'info', {}, (l) => own.push(l)),
    });
    const lines: string[] = [];
    const log = requestLogger(
      createLogger('credentials', 'info', {}, (l) => lines.push(l)),
      {
        requestId: 'req-revoke-1',
        trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' },
      },
    );
    // a gateway that never acknowledges
    const { server, client } = pipe();
    client.on('status', () => undefined);
    hub.handler(server as never);
    const credentials = new Credentials(store, hub);
    const tenant = tenantId('r1');
    try {
      await credentials.issue(tenant, 'c1', 'CO1', log);
      expect(await credentials.revoke(tenant, 'c1', log)).toBe(true);
      expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringContaining('did not acknowledge'),
          requestId: 'req-revoke-1',
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        }),
      ]);
      expect(own).toEqual([]);
    } finally {
      hub.drain();
      await docs.close();
    }
  });
});

describe('revocation settings', () => {
  it('refuse a peer poll longer than half the lease at boot', () => {
    expect(() => loadCredentialsConfig({ REVOCATION_LEASE_MS: '300', REVOCATION_PEER_POLL_MS: '200' })).toThrow(
      /REVOCATION_PEER_POLL_MS \(200\) must be at most half of REVOCATION_LEASE_MS \(300\)/,
    );
    expect(loadCredentialsConfig({}).config).toMatchObject({
      revocationLeaseMs: 1500,
      revocationAckTimeoutMs: 1000,
      revocationPeerPollMs: 200,
    });
  });
});

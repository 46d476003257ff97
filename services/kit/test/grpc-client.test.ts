/**
 * Servers end each connection after `grpc.max_connection_age_ms` (so clients spread over replicas). A call that
 * a client starts on a connection the server is just closing was never seen by the server: the client must send
 * it again on a new connection instead of failing it with UNAVAILABLE (which the gateway answers as 503).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  EntitlementServiceClient,
  EntitlementServiceService,
  type CheckEntitlementRequest,
  type CheckEntitlementResponse,
} from '../../../proto/gen/entitlement/v1/entitlement.js';
import { connect } from '../src/grpc-client.js';

describe('gRPC client across connection-age closes', () => {
  let server: Server;
  let port: number;
  let served = 0;

  beforeAll(async () => {
    // a very short connection age: every connection is closed many times a second while calls are in progress
    server = new Server({ 'grpc.max_connection_age_ms': 50, 'grpc.max_connection_age_grace_ms': 5000 });
    server.addService(EntitlementServiceService, {
      checkEntitlement: (
        _call: ServerUnaryCall<CheckEntitlementRequest, CheckEntitlementResponse>,
        cb: sendUnaryData<CheckEntitlementResponse>,
      ) => {
        served++;
        cb(null, { enabled: true });
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
  });

  afterAll(() => server.forceShutdown());

  it('no call fails while the server keeps closing connections by age', async () => {
    const client = connect(EntitlementServiceClient, `127.0.0.1:${port}`);
    const failures: unknown[] = [];
    let ok = 0;
    // 8 concurrent callers for 2,000 calls: dozens of connection ends fall between calls
    const worker = async (n: number) => {
      for (let i = 0; i < n; i++) {
        try {
          await client.checkEntitlement({ tenantId: 't', name: 'enterprise-toolkit' });
          ok++;
        } catch (err) {
          failures.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker(250)));
    client.close();
    expect(failures).toEqual([]);
    expect(ok).toBe(2000);
    expect(served).toBe(2000); // each call reached the server exactly once
  }, 60000);
});

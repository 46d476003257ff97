/**
 * The five processes as `npm start` runs them, with GRPC_TLS_* set (as the chart's grpcTls option sets them):
 * SCIM provisioning and the admin API work end to end over TLS between the gateway and the services (and from
 * identity to the directory), and a service's gRPC port refuses a plaintext client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { healthChecker } from '../../services/kit/src/health.js';
import { makePki } from '../support/pki.js';
import { http, startSystem, type RunningSystem } from '../support/system.js';
import { newScimTenant } from '../support/tenant.js';

describe('TLS between the five processes', () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    const pki = makePki(mkdtempSync(join(tmpdir(), 'e2e-pki-')), 'cluster');
    sys = await startSystem({
      GRPC_TLS_CA_FILE: pki.ca,
      GRPC_TLS_CERT_FILE: pki.cert,
      GRPC_TLS_KEY_FILE: pki.key,
      LOG_LEVEL: 'info',
    });
  }, 90000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('provisions over SCIM and serves the admin API, every gRPC hop over TLS', async () => {
    const t = await newScimTenant(sys, 'Over TLS');
    const created = await t.scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'tls.user@example.com',
      name: { givenName: 'T', familyName: 'L' },
      emails: [{ value: 'tls.user@example.com', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect((await t.scim('GET', `/Users/${created.json.id}`)).status).toBe(200);
    expect((await t.admin('GET', '/orgs/{org}/users')).json).toBeTruthy();
    // identity → directory: the sign-in settings call goes through identity, which calls the directory.
    expect((await t.admin('GET', `/orgs/{org}/connectors/${t.connectorId}`)).status).toBe(200);
    const ready = await http('GET', `${sys.url}/readyz`);
    expect(ready.json).toMatchObject({
      status: 'ready',
      services: { directory: 'SERVING', credentials: 'SERVING', entitlement: 'SERVING', identity: 'SERVING' },
    });
    const lines = sys
      .output()
      .split('\n')
      .filter((l) => l.includes('"service started"'));
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(JSON.parse(l).tls).toBe(true);
  });

  it('refuses a plaintext client on a service port', async () => {
    const started = sys
      .output()
      .split('\n')
      .filter((l) => l.includes('"service started"'))
      .map((l) => JSON.parse(l) as { service: string; grpcPort: number });
    const directory = started.find((s) => s.service === 'directory')!;
    const plain = healthChecker(`127.0.0.1:${directory.grpcPort}`);
    try {
      expect(await plain.check('', 3000)).toBe('UNREACHABLE');
    } finally {
      plain.close();
    }
  });
});

/** The gateway's events for changes outside the directory: SSO follows its connector; a failure never fails the change. */
import { describe, expect, it } from '@jest/globals';
import { connectorEvents } from '../src/admin/connector-events.js';
import type { RequestCallOptions } from '../src/backends.js';
import { createLogger } from '../../services/kit/src/logger.js';

const call: RequestCallOptions = { context: { requestId: 'req-change-0001' } };

function fakes(
  settings?: { connectorId: string; issuer: string; clientId: string; redirectUris: string[] },
  fail = false,
) {
  const calls: Array<Record<string, unknown>> = [];
  const options: unknown[] = [];
  const backends = {
    directory: {
      recordConnectorEvent: async (req: Record<string, unknown>, opts: unknown) => {
        options.push(opts);
        if (fail) throw new Error('directory down');
        calls.push(req);
        return {};
      },
    },
    identity: {
      getOidcSettings: async (_req: unknown, opts: unknown) => (options.push(opts), { settings }),
    },
  } as never;
  const lines: string[] = [];
  return {
    calls,
    options,
    lines,
    sut: connectorEvents(
      backends,
      createLogger('gateway', 'info', {}, (l) => lines.push(l)),
    ),
  };
}

const SSO = {
  connectorId: 'c1',
  issuer: 'https://acme.okta.com',
  clientId: '0oa1',
  redirectUris: ['https://id.example/oidc/callback'],
};

describe('connector events from the gateway', () => {
  it('turning a connector with SSO off or on writes sso.disabled / sso.configured', async () => {
    const { calls, options, sut } = fakes(SSO);
    await sut.connectorSwitched('t1', 'c1', false, call);
    await sut.connectorSwitched('t1', 'c1', true, call);
    // every read and write is made for the request that made the change
    expect(options).toEqual([call, call, call, call]);
    expect(calls).toEqual([
      expect.objectContaining({ tenantId: 't1', connectorId: 'c1', type: 'sso.disabled', actor: 'operator' }),
      expect.objectContaining({
        tenantId: 't1',
        connectorId: 'c1',
        type: 'sso.configured',
        issuer: SSO.issuer,
        clientId: SSO.clientId,
        redirectUris: SSO.redirectUris,
      }),
    ]);
  });

  it('writes no sso event when SSO is not configured for that connector', async () => {
    const none = fakes(undefined);
    await none.sut.connectorSwitched('t1', 'c1', false, call);
    const other = fakes({ ...SSO, connectorId: 'c-other' });
    await other.sut.connectorSwitched('t1', 'c1', false, call);
    expect([...none.calls, ...other.calls]).toEqual([]);
  });

  it("a directory failure is logged with the request's id, not thrown (the change itself already happened)", async () => {
    const { lines, sut } = fakes(SSO, true);
    await expect(sut.credentialsRotated('t1', 'c1', new Date(), call)).resolves.toBeUndefined();
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'could not write change event',
        type: 'connector.credentials_rotated',
        tenant: 't1',
        requestId: 'req-change-0001',
      }),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { errorMetadata, failure, startIdentityStack, type IdentityStack } from './support/identity-stack.js';

describe('identity service: setup links and setup sessions (real gRPC, real redis-server)', () => {
  let stack: IdentityStack;
  beforeAll(async () => {
    stack = await startIdentityStack({ SETUP_SESSION_IDLE_SECONDS: '60', SETUP_SESSION_ABSOLUTE_SECONDS: '300' });
    stack.directory.addOrg('acme');
    stack.directory.addOrg('globex');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const reason = (err: unknown) => errorMetadata(err)['error-reason'];

  it('a link is 256 bits of randomness, listed while live, and opens one session for its organization only', async () => {
    const { link, token } = await stack.client.createSetupLink({
      tenantId: 'acme',
      expiresInSeconds: 0,
      actor: 'operator',
    });
    const secret = token.split('.').pop()!;
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(link!.expiresAt!.getTime() - link!.createdAt!.getTime()).toBe(3600_000);
    expect((await stack.client.listSetupLinks({ tenantId: 'acme' })).links.map((l) => l.id)).toContain(link!.id);
    expect((await stack.client.listSetupLinks({ tenantId: 'globex' })).links).toEqual([]);

    expect((await stack.client.checkSetupLink({ token })).link!.id).toBe(link!.id);
    const redeemed = await stack.client.redeemSetupLink({ token });
    expect(redeemed.session).toMatchObject({ tenantId: 'acme', linkId: link!.id, actor: `setup-link:${link!.id}` });
    expect((await stack.client.getSetupSession({ sessionToken: redeemed.sessionToken })).session!.tenantId).toBe(
      'acme',
    );
    expect(reason(await failure(stack.client.redeemSetupLink({ token })))).toBe('setup_link_used');
    expect((await stack.client.listSetupLinks({ tenantId: 'acme' })).links.map((l) => l.id)).not.toContain(link!.id);
    expect(stack.directory.actions('acme')).toEqual(expect.arrayContaining(['setup_link.create', 'setup_link.redeem']));
  });

  it('two concurrent redeems of one link: exactly one session', async () => {
    const { token } = await stack.client.createSetupLink({
      tenantId: 'acme',
      expiresInSeconds: 600,
      actor: 'operator',
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => stack.client.redeemSetupLink({ token })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(reason(r.reason)).toBe('setup_link_used');
  });

  it('revoking a link ends the session it opened; another organization cannot revoke it', async () => {
    const { link, token } = await stack.client.createSetupLink({
      tenantId: 'acme',
      expiresInSeconds: 600,
      actor: 'operator',
    });
    const { sessionToken } = await stack.client.redeemSetupLink({ token });
    const foreign = await failure(
      stack.client.revokeSetupLink({ tenantId: 'globex', linkId: link!.id, actor: 'operator' }),
    );
    expect(foreign.code).toBe(status.NOT_FOUND);
    expect(await stack.client.revokeSetupLink({ tenantId: 'acme', linkId: link!.id, actor: 'operator' })).toEqual({
      changed: true,
      sessionEnded: true,
    });
    expect(reason(await failure(stack.client.getSetupSession({ sessionToken })))).toBe('setup_session_not_found');
    expect(reason(await failure(stack.client.redeemSetupLink({ token })))).toBe('setup_link_revoked');
    expect(await stack.client.revokeSetupLink({ tenantId: 'acme', linkId: link!.id, actor: 'operator' })).toEqual({
      changed: false,
      sessionEnded: false,
    });
  });

  it('expired, forged and out-of-range links are refused with their reason', async () => {
    const { token } = await stack.client.createSetupLink({ tenantId: 'acme', expiresInSeconds: 1, actor: 'operator' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(reason(await failure(stack.client.redeemSetupLink({ token })))).toBe('setup_link_expired');
    // the right tenant and link id with another secret is not the link
    const { token: live } = await stack.client.createSetupLink({
      tenantId: 'acme',
      expiresInSeconds: 600,
      actor: 'operator',
    });
    const forged = live.slice(0, live.lastIndexOf('.') + 1) + 'A'.repeat(43);
    expect(reason(await failure(stack.client.redeemSetupLink({ token: forged })))).toBe('setup_link_unknown');
    // a link of acme relabelled as globex is not found
    expect(reason(await failure(stack.client.redeemSetupLink({ token: live.replace('_acme.', '_globex.') })))).toBe(
      'setup_link_unknown',
    );
    expect((await stack.client.checkSetupLink({ token: live })).link!.tenantId).toBe('acme');
    expect(
      (
        await failure(
          stack.client.createSetupLink({ tenantId: 'acme', expiresInSeconds: 8 * 86400, actor: 'operator' }),
        )
      ).code,
    ).toBe(status.INVALID_ARGUMENT);
  });

  it('ending a setup session makes it unusable', async () => {
    const { token } = await stack.client.createSetupLink({
      tenantId: 'acme',
      expiresInSeconds: 600,
      actor: 'operator',
    });
    const { sessionToken } = await stack.client.redeemSetupLink({ token });
    await stack.client.endSetupSession({ sessionToken });
    expect(reason(await failure(stack.client.getSetupSession({ sessionToken })))).toBe('setup_session_not_found');
  });
});

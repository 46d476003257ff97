/** SSRF refusals (registration and connect time), no redirects, and signatures checked by the official library. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, isNonPublicAddress } from '../../src/webhooks/url-guard.js';
import { httpSender } from '../../src/webhooks/sender.js';
import { newWebhookSecret, signatureHeaders } from '../../src/webhooks/signature.js';
import { secretBox } from '../../src/webhooks/secret-box.js';
import { randomBytes } from 'node:crypto';

describe('webhook addresses', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc00::5',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:1',
    'ff02::1',
  ])('refuses %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });
  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::6810:85e5', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );

  it('registers https URLs only, without credentials, and refuses non-public hosts (literal or resolved)', async () => {
    const refused = async (url: string) =>
      (await checkWebhookUrl(url, false).then(
        () => undefined,
        (e: Error) => e.message,
      )) ?? 'accepted';
    expect(await refused('http://93.184.215.14/hook')).toMatch(/https/);
    expect(await refused('ftp://example.com/')).toMatch(/https/);
    expect(await refused('not a url')).toMatch(/not a valid/);
    expect(await refused('https://user:pw@93.184.215.14/hook')).toMatch(/credentials/);
    expect(await refused('https://127.0.0.1/hook')).toMatch(/not a public address/);
    expect(await refused('https://[::1]:8443/hook')).toMatch(/not a public address/);
    expect(await refused('https://[::ffff:127.0.0.1]/hook')).toMatch(/not a public address/);
    expect(await refused('https://169.254.169.254/latest/meta-data')).toMatch(/not a public address/);
    expect(await refused('https://10.0.0.7/hook')).toMatch(/not a public address/);
    // a name is judged by what it resolves to
    expect(await refused('https://localhost/hook')).toMatch(/resolves to (127\.0\.0\.1|::1)/);
    expect(await refused('https://93.184.215.14/hook')).toBe('accepted');
    // WEBHOOKS_ALLOW_PRIVATE=true: development and tests
    expect((await checkWebhookUrl('http://127.0.0.1:9/hook', true)).toString()).toBe('http://127.0.0.1:9/hook');
  });
});

describe('sending', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses at connect time a name that resolves to loopback, and a literal private address, sending nothing', async () => {
    const send = httpSender({ timeoutMs: 2000, allowPrivate: false });
    const before = hits.length;
    const byName = await send(`https://localhost:${port}/x`, {}, '{}');
    expect(byName).toMatchObject({ ok: false, refused: true, status: 0 });
    expect(byName.error).toMatch(/not a public address/);
    const literal = await send(`https://127.0.0.1:${port}/x`, {}, '{}');
    expect(literal).toMatchObject({ ok: false, refused: true });
    // plain http is refused even to a public address unless private targets are allowed
    expect(await send('http://93.184.215.14/x', {}, '{}')).toMatchObject({ ok: false, refused: true });
    expect(hits.length).toBe(before);
  });

  it('does not follow redirects: a 3xx is a failed delivery and the target is never called', async () => {
    const send = httpSender({ timeoutMs: 2000, allowPrivate: true });
    const r = await send(`http://127.0.0.1:${port}/redirect`, {}, '{}');
    expect(r).toMatchObject({ ok: false, refused: false, status: 302 });
    expect(r.error).toMatch(/redirect .* not followed/);
    expect(hits).not.toContain('/target');
    expect(await send(`http://localhost:${port}/ok`, {}, '{}')).toMatchObject({ ok: true, status: 204 });
  });
});

describe('signatures', () => {
  it('are what the standardwebhooks library verifies; a changed body or another secret fails', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'user.created', data: { user: { id: 'u1' } } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders(secret, 'evt_1', ts, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('u1', 'u2'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('secrets are sealed at rest: readable only with the key and for their own endpoint', () => {
    const key = randomBytes(32);
    const box = secretBox(key);
    const secret = newWebhookSecret();
    const sealed = box.seal('wh_1', secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open('wh_1', sealed)).toBe(secret);
    expect(() => box.open('wh_2', sealed)).toThrow();
    expect(() => secretBox(randomBytes(32)).open('wh_1', sealed)).toThrow();
  });
});

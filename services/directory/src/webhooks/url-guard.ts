/**
 * No SSRF into the cluster: webhook URLs are https only, and every address they resolve to must be public —
 * checked when the endpoint is registered and again at every connection (a DNS answer can change, or point
 * at 127.0.0.1 from the start). WEBHOOKS_ALLOW_PRIVATE=true lifts both rules (development and tests).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../../kit/src/errors.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** The 8 groups of an IPv6 address (with an embedded dotted IPv4 tail turned into two groups). */
function groups6(address: string): number[] {
  let a = address.toLowerCase().split('%')[0];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4[1].split('.').map(Number);
    a = a.slice(0, -v4[1].length) + `${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill: string[] = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** Loopback, private, link-local, shared, documentation, multicast or reserved: not a place for a webhook. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const g = groups6(address);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms name an IPv4 host: judge that one
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
    if (g[5] === 0 && g[6] === 0) return true; // :: and ::1 and ::a.b — unspecified, loopback, deprecated
    return blocked.check(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`, 'ipv4');
  }
  return blocked.check(g.map((x) => x.toString(16)).join(':'), 'ipv6');
}

export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKREFUSED';
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, which is not a public address; webhooks are not sent to loopback, private or link-local addresses`,
    );
    this.name = 'RefusedAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request: resolves, refuses the connection when any answer is not public. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback) => {
    const opts = typeof options === 'number' ? { family: options } : (options ?? {});
    dnsLookup(hostname, { all: true, family: opts.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = allowPrivate ? undefined : addresses.find((a) => isNonPublicAddress(a.address));
      if (bad) return callback(new RefusedAddressError(hostname, bad.address), '');
      if (opts.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

/** Registration-time check of a webhook URL; throws INVALID_ARGUMENT naming what is wrong. */
export async function checkWebhookUrl(value: string, allowPrivate: boolean): Promise<URL> {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new AppError('INVALID_ARGUMENT', '"url" is not a valid absolute URL', 'invalid_url');
  }
  if (u.protocol !== 'https:' && !(allowPrivate && u.protocol === 'http:'))
    throw new AppError('INVALID_ARGUMENT', '"url" must be an https:// URL', 'invalid_url');
  if (u.username || u.password)
    throw new AppError(
      'INVALID_ARGUMENT',
      '"url" must not contain credentials; verify the webhook-signature header instead',
      'invalid_url',
    );
  if (u.hash) throw new AppError('INVALID_ARGUMENT', '"url" must not contain a #fragment', 'invalid_url');
  if (value.length > 2048)
    throw new AppError('INVALID_ARGUMENT', '"url" is longer than 2048 characters', 'invalid_url');
  if (allowPrivate) return u;
  const host = hostOf(u);
  if (isIP(host)) {
    if (isNonPublicAddress(host))
      throw new AppError(
        'INVALID_ARGUMENT',
        `"url" points at ${host}, which is not a public address (loopback, private and link-local addresses are refused)`,
        'address_refused',
      );
    return u;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))),
  ).catch(() => {
    throw new AppError('INVALID_ARGUMENT', `"url": the host ${host} cannot be resolved`, 'unresolvable_host');
  });
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad)
    throw new AppError(
      'INVALID_ARGUMENT',
      `"url": ${host} resolves to ${bad.address}, which is not a public address (loopback, private and link-local addresses are refused)`,
      'address_refused',
    );
  return u;
}

/** Connect-time check of an IP-literal host (Node does not call `lookup` for those). */
export function refusedLiteral(u: URL, allowPrivate: boolean): string | undefined {
  const host = hostOf(u);
  return !allowPrivate && isIP(host) && isNonPublicAddress(host) ? host : undefined;
}

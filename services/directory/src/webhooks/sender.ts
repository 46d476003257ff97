/** One HTTP POST of a signed webhook: no redirects followed, addresses checked at connect time, bounded time. */
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { guardedLookup, refusedLiteral, RefusedAddressError } from './url-guard.js';

export interface SendResult {
  /** HTTP status; 0 when no answer came. */
  status: number;
  ok: boolean;
  /** The address was refused (SSRF rule): the attempt never left this process. */
  refused: boolean;
  error?: string;
  durationMs: number;
}

export type Sender = (url: string, headers: Record<string, string>, body: string) => Promise<SendResult>;

export function httpSender(opts: { timeoutMs: number; allowPrivate: boolean }): Sender {
  const lookup = guardedLookup(opts.allowPrivate);
  return (url, headers, body) =>
    new Promise<SendResult>((resolve) => {
      const started = performance.now();
      const done = (r: Omit<SendResult, 'durationMs'>) =>
        resolve({ ...r, durationMs: Math.round(performance.now() - started) });
      const u = new URL(url);
      const literal = refusedLiteral(u, opts.allowPrivate);
      if (literal)
        return done({
          status: 0,
          ok: false,
          refused: true,
          error: `${literal} is not a public address; webhooks are not sent to loopback, private or link-local addresses`,
        });
      if (u.protocol !== 'https:' && !(opts.allowPrivate && u.protocol === 'http:'))
        return done({ status: 0, ok: false, refused: true, error: 'only https:// URLs are allowed' });
      const options: RequestOptions = {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'scim-gateway-webhooks/1',
        },
        lookup: lookup as RequestOptions['lookup'],
        timeout: opts.timeoutMs,
      };
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, options, (res) => {
        const status = res.statusCode ?? 0;
        res.resume(); // the answer's body is not used
        res.on('end', () => {
          if (status >= 200 && status < 300) done({ status, ok: true, refused: false });
          else if (status >= 300 && status < 400)
            done({
              status,
              ok: false,
              refused: false,
              error: `redirect to ${res.headers.location ?? '(no location)'} not followed; register the final URL`,
            });
          else done({ status, ok: false, refused: false, error: `answered ${status}` });
        });
        res.on('error', (err) => done({ status, ok: false, refused: false, error: err.message }));
      });
      const deadline = setTimeout(
        () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      req.on('error', (err) =>
        done({
          status: 0,
          ok: false,
          refused: err instanceof RefusedAddressError || (err as { code?: string }).code === 'EWEBHOOKREFUSED',
          error: err.message,
        }),
      );
      req.on('close', () => clearTimeout(deadline));
      req.end(body);
    });
}

/**
 * A scripted browser for sign-in tests: one cookie jar (like a real browser it ignores ports, so the gateway's
 * cookies are named apart from the provider's), manual redirects, and a `follow` that walks a redirect chain
 * until it reaches a URL the test wants to look at (typically the gateway's callback).
 */

export interface Hop {
  status: number;
  url: string;
  location?: string;
  body: string;
  headers: Headers;
}

export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly headers: Record<string, string> = {}) {}

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some(
        (a) =>
          /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1]).getTime() < Date.now()),
      );
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Hop> {
    const headers: Record<string, string> = { accept: 'text/html', ...this.headers, ...(init.headers ?? {}) };
    if (this.jar.size) headers.cookie = this.cookieHeader();
    const res = await fetch(url, { method, headers, body: init.body, redirect: 'manual' });
    this.store(res);
    const location = res.headers.get('location') ?? undefined;
    return {
      status: res.status,
      url,
      location: location ? new URL(location, url).href : undefined,
      body: await res.text(),
      headers: res.headers,
    };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }

  /** Follows redirects from `url` and returns the first URL for which `stop` is true (not requested), or the last hop. */
  async follow(url: string, stop: (url: URL) => boolean, max = 20): Promise<{ stoppedAt?: string; last: Hop }> {
    let next = url;
    let last: Hop | undefined;
    for (let i = 0; i < max; i++) {
      if (stop(new URL(next))) return { stoppedAt: next, last: last! };
      last = await this.get(next);
      if (!last.location || last.status < 300 || last.status >= 400) return { last };
      next = last.location;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

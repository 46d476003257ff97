/** The gateway's sign-in cookies. Named "scimgw_*": cookies ignore ports, and the IdP may share the host. */
import type { CookieOptions, Request, Response } from 'express';

export const SESSION_COOKIE = 'scimgw_session';
/** Binds a pending login to the browser that started it (login CSRF): holds the state of that login. */
export const LOGIN_STATE_COOKIE = 'scimgw_login_state';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 1) continue;
    const name = part.slice(0, i).trim();
    if (name in out) continue; // the most specific path comes first
    let value = part.slice(i + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function cookie(req: Request, name: string): string | undefined {
  return parseCookies(req.get('cookie'))[name] || undefined;
}

export interface CookiePolicy {
  secure: boolean;
  /** The path of PUBLIC_URL ("" at the root), when the gateway is served under a prefix. */
  basePath: string;
}

export function cookiePolicy(publicUrl: string): CookiePolicy {
  const u = new URL(publicUrl);
  return { secure: u.protocol === 'https:', basePath: u.pathname.replace(/\/+$/, '') };
}

const base = (p: CookiePolicy, path: string): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  secure: p.secure,
  path,
});

export function setSessionCookie(res: Response, p: CookiePolicy, token: string, expires: Date) {
  res.cookie(SESSION_COOKIE, token, { ...base(p, p.basePath || '/'), expires });
}

export function clearSessionCookie(res: Response, p: CookiePolicy) {
  res.clearCookie(SESSION_COOKIE, base(p, p.basePath || '/'));
}

export function setLoginStateCookie(res: Response, p: CookiePolicy, state: string) {
  res.cookie(LOGIN_STATE_COOKIE, state, { ...base(p, `${p.basePath}/oidc/callback`), maxAge: 600_000 });
}

export function clearLoginStateCookie(res: Response, p: CookiePolicy) {
  res.clearCookie(LOGIN_STATE_COOKIE, base(p, `${p.basePath}/oidc/callback`));
}

/** The session token of a request: `Authorization: Bearer` (apps) first, then the cookie (browsers). */
export function sessionToken(req: Request): { token?: string; from?: 'bearer' | 'cookie' } {
  const header = req.get('authorization') ?? '';
  if (/^bearer\s+/i.test(header))
    return { token: header.replace(/^bearer\s+/i, '').trim() || undefined, from: 'bearer' };
  const c = cookie(req, SESSION_COOKIE);
  return c ? { token: c, from: 'cookie' } : {};
}

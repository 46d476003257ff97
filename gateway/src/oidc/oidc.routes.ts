/**
 * Sign-in over HTTP: the browser flow (/oidc/login → identity provider → /oidc/callback → portal), logout, the
 * apps' code exchange and "who am I" (/api/v1). State, nonce, PKCE and every token check live in the identity
 * service; this layer binds the pending login to the browser, keeps the session cookie and renders failures as
 * pages for people and JSON for API clients.
 *
 * The gateway never redirects on a failure: it only ever redirects to the identity provider's authorization
 * endpoint (from its discovery document) and, after a successful sign-in, to the portal.
 */
import express, { Router, type Request, type Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import { isServiceError, metadataValue } from '../../../services/kit/src/grpc-client.js';
import { securityEvent, type Logger } from '../../../services/kit/src/logger.js';
import { Access, type Session } from '../../../proto/gen/identity/v1/identity.js';
import type { RequestBackends, RequestCallOptions } from '../backends.js';
import { describeError, HttpError } from '../http/errors.js';
import { scopeOf, type RequestScope } from '../http/request-context.js';
import { bodyErrorHandler } from '../http/body-errors.js';
import {
  clearLoginStateCookie,
  clearSessionCookie,
  cookie,
  cookiePolicy,
  LOGIN_STATE_COOKIE,
  sessionToken,
  setLoginStateCookie,
  setSessionCookie,
  SESSION_COOKIE,
} from './cookies.js';
import { esc, failurePage, sendPage, signInForm, signOutForm, type FailureView } from './pages.js';

export interface OidcRouterDeps {
  backends: Pick<RequestBackends, 'identity' | 'directory'>;
  /** PUBLIC_URL: the web callback is `${publicUrl}/oidc/callback`. */
  publicUrl: string;
  /** The apps' redirect URIs (custom schemes), listed on the connector after the web callback. */
  appRedirectUris: string[];
  /** Where people with web access land after signing in; default `${publicUrl}/portal`. */
  portalUrl?: string;
  logger: Logger;
  registry: Registry;
  /**
   * Home-realm discovery for `?login=` (a Company ID) → organization id, or undefined. E-mail addresses are never
   * passed to it (no account enumeration); without it the sign-in page asks for the organization's link. `call`:
   * the sign-in request asking.
   */
  resolveOrg?: (login: string, call: RequestCallOptions) => Promise<string | undefined>;
}

/** A route's handler, given the scope of its request (the options of its backend calls, its logger). */
type Handler = (req: Request, res: Response, scope: RequestScope) => Promise<void>;

const SIGN_IN_BODY_LIMIT = 16 * 1024;
const ORG_ID = /^[A-Za-z0-9-]{1,64}$/;

const EMAIL_NOT_RESOLVED =
  "To protect your colleagues' privacy, this page does not look people up by e-mail address. Enter your organization's Company ID (your administrator has it), or use your organization's sign-in link.";

/** host:port with the scheme's default port filled in, lower case, for comparing Host headers with PUBLIC_URL. */
function hostKey(host: string, publicUrl: string): string {
  try {
    const u = new URL(`${new URL(publicUrl).protocol}//${host}`);
    return `${u.hostname.toLowerCase()}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return '';
  }
}

export const webCallbackUri = (publicUrl: string) => `${publicUrl}/oidc/callback`;
export const redirectUrisOf = (publicUrl: string, appRedirectUris: string[]) => [
  webCallbackUri(publicUrl),
  ...appRedirectUris,
];

function failureCounter(registry: Registry): Counter<'reason'> {
  const name = 'oidc_sign_in_failures_total';
  return (
    (registry.getSingleMetric(name) as Counter<'reason'> | undefined) ??
    new Counter({
      name,
      help: 'Sign-in failures answered by the gateway (pages and API errors), by reason.',
      labelNames: ['reason'],
      registers: [registry],
    })
  );
}

function wantsJson(req: Request): boolean {
  const accept = req.get('accept') ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

const roleOrNull = (role: string) => role || null;
const accessName = (a: Access) => (a === Access.ACCESS_WEB ? 'web' : 'app');

function failureOf(err: unknown, deps: OidcRouterDeps, scope: RequestScope, org?: string): FailureView {
  const d = describeError(err, deps.logger, scope.context);
  const md = (key: string) => (isServiceError(err) ? metadataValue(err, key) : undefined);
  const tenant = org ?? md('tenant-id');
  const status = d.code === 'issuer_unreachable' || d.code === 'invalid_idp_response' ? 502 : d.status;
  return {
    status,
    reason: d.code,
    message: d.message,
    details: {
      configuredIssuer: md('configured-issuer'),
      announcedIssuer: md('announced-issuer'),
      idpError: md('idp-error'),
      idpErrorDescription: md('idp-error-description'),
      login: md('login'),
    },
    retryUrl:
      tenant && ORG_ID.test(tenant) ? `${deps.publicUrl}/oidc/login?org=${encodeURIComponent(tenant)}` : undefined,
    setupUrl: `${deps.publicUrl}/setup`,
    errorId: d.errorId,
  };
}

function sendJsonFailure(res: Response, f: FailureView) {
  const details = Object.fromEntries(Object.entries(f.details).filter(([, v]) => v !== undefined));
  res.status(f.status).set('cache-control', 'no-store');
  if (f.status === 401)
    res.set(
      'www-authenticate',
      f.reason === 'unauthenticated' ? 'Bearer' : `Bearer error="invalid_token", error_description="${f.reason}"`,
    );
  res.json({ error: { code: f.reason, message: f.message, ...details } });
}

export function oidcRouter(deps: OidcRouterDeps): Router {
  const router = Router();
  const cookies = cookiePolicy(deps.publicUrl);
  const failures = failureCounter(deps.registry);
  const callbackUri = webCallbackUri(deps.publicUrl);
  const portal = (access: 'web' | 'app') =>
    access === 'web' && deps.portalUrl ? deps.portalUrl : `${deps.publicUrl}/portal`;

  const fail = (req: Request, res: Response, scope: RequestScope, err: unknown, org?: string) => {
    const f = failureOf(err, deps, scope, org);
    failures.inc({ reason: f.reason });
    if (wantsJson(req)) return sendJsonFailure(res, f);
    const page = failurePage(f);
    sendPage(res, f.status, page.title, page.html);
  };

  const route = (pattern: string, fn: Handler) => async (req: Request, res: Response) => {
    res.locals.route = `/oidc${pattern}`;
    const scope = scopeOf(res);
    try {
      await fn(req, res, scope);
    } catch (err) {
      fail(req, res, scope, err, typeof req.query.org === 'string' ? req.query.org : undefined);
    }
  };

  const publicHost = hostKey(new URL(deps.publicUrl).host, deps.publicUrl);
  router.get(
    '/login',
    route('/login', async (req, res, scope) => {
      // The login-state cookie must be set on the host the callback comes back to (PUBLIC_URL's): a sign-in
      // started on another name of the gateway (an IP address, an internal name) moves there first.
      if (hostKey(req.host ?? '', deps.publicUrl) !== publicHost) {
        const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
        return res.redirect(302, `${deps.publicUrl}/oidc/login${query}`);
      }
      let org = typeof req.query.org === 'string' ? req.query.org.trim() : '';
      const login = typeof req.query.login === 'string' ? req.query.login.trim().slice(0, 320) : '';
      if (!org && !login) return sendPage(res, 200, 'Sign in', signInForm(deps.publicUrl));
      if (!org && login.includes('@')) {
        // No account enumeration: an e-mail address gets this same page whether or not it has an account here
        // (and no lookup is made, so the answer takes the same time too). A Company ID names an organization,
        // not a person, and is resolved below.
        return sendPage(res, 200, 'Sign in', signInForm(deps.publicUrl, { notice: EMAIL_NOT_RESOLVED, login }));
      }
      if (!org) {
        const found = deps.resolveOrg ? await deps.resolveOrg(login, scope) : undefined;
        if (!found) {
          const notice = deps.resolveOrg
            ? `We could not find an organization with the Company ID "${login}". Check the spelling, or use the sign-in link your administrator gave you.`
            : "Sign-in by e-mail or Company ID is not available yet: use your organization's sign-in link (ask your administrator for it).";
          return sendPage(res, 404, 'Sign in', signInForm(deps.publicUrl, { notice, login }));
        }
        org = found;
      }
      if (!ORG_ID.test(org)) throw new HttpError(400, 'invalid_org', `"${org}" is not an organization id`);
      const begun = await deps.backends.identity.beginLogin({ tenantId: org, redirectUri: callbackUri }, scope);
      setLoginStateCookie(res, cookies, begun.state);
      res.set('cache-control', 'no-store').redirect(302, begun.authorizationUrl);
    }),
  );

  router.get(
    '/callback',
    route('/callback', async (req, res, scope) => {
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      const bound = cookie(req, LOGIN_STATE_COOKIE);
      clearLoginStateCookie(res, cookies);
      if (!bound || bound !== state) {
        throw new HttpError(
          400,
          'invalid_state',
          bound
            ? 'this sign-in response belongs to another sign-in than the one this browser started (state mismatch)'
            : 'this browser has no pending sign-in: it was started in another browser, more than 10 minutes ago, or cookies are blocked',
        );
      }
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      const { result } = await deps.backends.identity.completeLogin({ callbackUrl: `${callbackUri}${query}` }, scope);
      const session = result!.session!;
      // Rotated at login: a new token every time, and a session this browser still held is ended.
      const previous = cookie(req, SESSION_COOKIE);
      if (previous) await deps.backends.identity.endSession({ sessionToken: previous }, scope).catch(() => undefined);
      setSessionCookie(res, cookies, result!.sessionToken, session.expiresAt ?? new Date(Date.now() + 3600_000));
      res.set('cache-control', 'no-store').redirect(302, portal(accessName(session.access)));
    }),
  );

  router.post(
    '/logout',
    route('/logout', async (req, res, scope) => {
      const { token, from } = sessionToken(req);
      if (token) await deps.backends.identity.endSession({ sessionToken: token }, scope);
      if (from !== 'bearer') clearSessionCookie(res, cookies);
      if (wantsJson(req) || from === 'bearer') {
        res.status(204).set('cache-control', 'no-store').end();
        return;
      }
      sendPage(
        res,
        200,
        'Signed out',
        `<h1>You are signed out</h1><p>Your session on the platform has ended.</p><p><a href="${esc(deps.publicUrl)}/oidc/login">Sign in again</a></p>`,
      );
    }),
  );

  return router;
}

/** The landing pages: `GET /` and `GET /portal` (mount this router at the root). */
export function portalRouter(deps: OidcRouterDeps): Router {
  const router = Router();
  const cookies = cookiePolicy(deps.publicUrl);
  const page = async (req: Request, res: Response) => {
    res.locals.route = req.path;
    const scope = scopeOf(res);
    const { token } = sessionToken(req);
    let session: Session | undefined;
    if (token) {
      try {
        session = (await deps.backends.identity.getSession({ sessionToken: token }, scope)).session;
      } catch (err) {
        const d = describeError(err, deps.logger, scope.context);
        if (d.status !== 401)
          return sendPage(
            res,
            d.status,
            'Portal unavailable',
            `<h1>The portal is unavailable</h1><p>${esc(d.message)}</p>`,
          );
        clearSessionCookie(res, cookies);
      }
    }
    if (!session) return sendPage(res, 200, 'Sign in', signInForm(deps.publicUrl));
    const who = `<p>Signed in as <strong>${esc(session.userName)}</strong> (organization <code>${esc(session.tenantId)}</code>).</p>`;
    if (session.access === Access.ACCESS_WEB) {
      const next = deps.portalUrl ? `<p><a href="${esc(deps.portalUrl)}">Continue to the portal</a></p>` : '';
      const setup =
        session.role === 'EnterpriseAdmin' || session.role === 'Admin'
          ? `<p><a href="${esc(deps.publicUrl)}/setup">Organization Setup</a>${session.role === 'Admin' ? ' (read only)' : ''}</p>`
          : '';
      return sendPage(
        res,
        200,
        'Portal',
        `<h1>Welcome</h1>${who}<p>Role: <strong>${esc(session.role)}</strong>. You have access to the web portal.</p>${next}${setup}${signOutForm(deps.publicUrl)}`,
      );
    }
    sendPage(
      res,
      200,
      'App access only',
      `<h1>Your account has app access only</h1>${who}<div class="box"><p>You can sign in to the platform's mobile and desktop apps, but not to the web portal: your account has no role.</p><p>If you need the web portal, ask your administrator to give you a role (ReadOnly, User, Admin or EnterpriseAdmin) in your identity provider.</p></div>${signOutForm(deps.publicUrl)}`,
    );
  };
  router.get('/', page);
  router.get('/portal', page);
  return router;
}

/** The apps' API: `POST /sessions/oidc` and `GET /me` (mount at /api/v1). Always JSON. */
export function apiRouter(deps: OidcRouterDeps): Router {
  const router = Router();
  const cookies = cookiePolicy(deps.publicUrl);
  const failures = failureCounter(deps.registry);
  router.use(express.json({ limit: SIGN_IN_BODY_LIMIT }));

  const route = (pattern: string, fn: Handler) => async (req: Request, res: Response) => {
    res.locals.route = `/api/v1${pattern}`;
    const scope = scopeOf(res);
    try {
      await fn(req, res, scope);
    } catch (err) {
      const f = failureOf(err, deps, scope);
      failures.inc({ reason: f.reason });
      const presented = sessionToken(req).from;
      // A session token or app code that was presented and refused (not merely absent) is a security event.
      if (f.status === 401 && presented)
        securityEvent(scope.log, 'auth.failure', {
          surface: 'session',
          reason: f.reason,
          route: res.locals.route,
          client: req.ip,
        });
      if (f.status === 401 && presented === 'cookie') clearSessionCookie(res, cookies);
      sendJsonFailure(res, f);
    }
  };

  router.post(
    '/sessions/oidc',
    route('/sessions/oidc', async (req, res, scope) => {
      const body =
        req.body && typeof req.body === 'object' && !Array.isArray(req.body)
          ? (req.body as Record<string, unknown>)
          : {};
      const str = (k: string) => (typeof body[k] === 'string' ? body[k] : '');
      const missing = ['org', 'code', 'codeVerifier', 'redirectUri'].filter((k) => !str(k));
      if (missing.length)
        throw new HttpError(
          400,
          missing.includes('codeVerifier') && missing.length === 1 ? 'pkce_required' : 'invalid_request',
          `required: ${missing.map((m) => `"${m}"`).join(', ')} (strings); sign-in uses PKCE, so the app sends its code_verifier`,
        );
      if (!ORG_ID.test(str('org'))) throw new HttpError(400, 'invalid_org', '"org" is not an organization id');
      const { result } = await deps.backends.identity.exchangeAppCode(
        {
          tenantId: str('org'),
          code: str('code'),
          codeVerifier: str('codeVerifier'),
          redirectUri: str('redirectUri'),
          nonce: str('nonce'),
        },
        scope,
      );
      const s = result!.session!;
      res
        .status(200)
        .set('cache-control', 'no-store')
        .json({
          sessionToken: result!.sessionToken,
          tokenType: 'Bearer',
          expiresAt: s.expiresAt?.toISOString(),
          user: { userName: s.userName, orgId: s.tenantId, role: roleOrNull(s.role), access: accessName(s.access) },
        });
    }),
  );

  router.get(
    '/me',
    route('/me', async (req, res, scope) => {
      const { token } = sessionToken(req);
      if (!token)
        throw new HttpError(
          401,
          'unauthenticated',
          'sign in first: send the session cookie or "Authorization: Bearer <session token>"',
        );
      const s = (await deps.backends.identity.getSession({ sessionToken: token }, scope)).session!;
      res.set('cache-control', 'no-store').json({
        userName: s.userName,
        orgId: s.tenantId,
        role: roleOrNull(s.role),
        access: accessName(s.access),
        expiresAt: s.expiresAt?.toISOString(),
      });
    }),
  );

  router.use(
    bodyErrorHandler({
      limitBytes: SIGN_IN_BODY_LIMIT,
      send: (res, f) => void res.status(f.status).json({ error: { code: f.code, message: f.message } }),
      otherwise: (res, err) => sendJsonFailure(res, failureOf(err, deps, scopeOf(res))),
    }),
  );
  return router;
}

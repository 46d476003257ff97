/**
 * Organization Setup (`/setup`): the customer admin's pages. Reached with a one-time setup link (a setup session
 * for that one organization) or, once SSO is on, by signing in as an EnterpriseAdmin (Admin: read only).
 * Every change goes through the same gRPC methods and shared actions as the admin API, with the actor recorded.
 *
 * Security: strict CSP (scripts and styles from 'self' only), a CSRF token on every changing form (derived from
 * the session token, compared in constant time), same-origin check on POST, no-store, referrer only to ourselves. Every id in
 * a URL is looked up within the session's organization, so another organization's ids are simply not found.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Connector, Org } from '../../../proto/gen/directory/v1/directory.js';
import { isServiceError, metadataValue } from '../../../services/kit/src/grpc-client.js';
import type { Logger } from '../../../services/kit/src/logger.js';
import { safeEqual, sha256Hex } from '../../../services/kit/src/secrets.js';
import { roleName } from '../admin/admin.routes.js';
import type { Auditor } from '../audit.js';
import type { RequestBackends } from '../backends.js';
import { ENTERPRISE_TOOLKIT } from '../entitlement-cache.js';
import { describeError, HttpError } from '../http/errors.js';
import { scopeOf, type RequestScope } from '../http/request-context.js';
import { cookie, cookiePolicy, sessionToken as platformSessionToken, type CookiePolicy } from '../oidc/cookies.js';
import { redirectUrisOf } from '../oidc/oidc.routes.js';
import type { ConnectorEvents } from '../admin/connector-events.js';
import { orgActions, typeName } from '../org-actions.js';
import { scimBaseUrls } from '../scim/base-urls.js';
import { COPY_JS, SETUP_CSS } from './assets.js';
import { html } from './html.js';
import {
  activityPage,
  choiceOf,
  connectorPage,
  guidePage,
  overviewPage,
  resetPage,
  startPage,
  teamsPage,
  usersPage,
  type ConnectorInfo,
  type NewSecrets,
} from './pages.js';
import { SETUP_BASE } from './setup-paths.js';
import { dateTime, messagePage, type Chrome, type FieldError } from './views.js';

export const SETUP_COOKIE = 'scimgw_setup';

export interface SetupRouterDeps {
  backends: Pick<RequestBackends, 'directory' | 'credentials' | 'entitlement' | 'identity'>;
  publicUrl: string;
  appRedirectUris: string[];
  audit: Auditor;
  logger: Logger;
  /** Change events of credentials and SSO changes made on these pages (admin/connector-events.ts). */
  changeEvents?: ConnectorEvents;
}

/** Who is using the pages, for one organization. */
export interface Principal {
  tenantId: string;
  /** As recorded in the activity log: "setup-link:<id>" or "user:<id>". */
  actor: string;
  who: string;
  readOnly: boolean;
  csrf: string;
  kind: 'link' | 'user';
}

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ROLE_NAMES = ['', 'ReadOnly', 'User', 'Admin', 'EnterpriseAdmin'];
/** The CSRF token of a session: only someone holding the (HttpOnly) session token can compute it. */
export const csrfOf = (sessionToken: string) => sha256Hex(`setup-csrf:${sessionToken}`);

function headers(res: Response) {
  res.set({
    'content-security-policy': CSP,
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: browsers then send Origin on our own form posts (no-referrer makes it "null").
    // The link's token never leaves the origin in a Referer.
    'referrer-policy': 'same-origin',
  });
}

function send(res: Response, status: number, page: string) {
  headers(res);
  // The views link root-relative (/setup/…, /oidc/…); under a PUBLIC_URL with a path, that path goes first.
  const basePath = typeof res.locals.setupBasePath === 'string' ? res.locals.setupBasePath : '';
  res
    .status(status)
    .type('html')
    .send(basePath ? page.replace(/ (href|action|src)="\//g, ` $1="${basePath}/`) : page);
}

const setCookie = (res: Response, p: CookiePolicy, token: string, expires: Date) =>
  res.cookie(SETUP_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: p.secure,
    path: `${p.basePath}${SETUP_BASE}`,
    expires,
  });
const clearCookie = (res: Response, p: CookiePolicy) =>
  res.clearCookie(SETUP_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    secure: p.secure,
    path: `${p.basePath}${SETUP_BASE}`,
  });

const reasonOf = (err: unknown) =>
  isServiceError(err) ? metadataValue(err, 'error-reason') : err instanceof HttpError ? err.code : undefined;

const LINK_PROBLEMS: Record<string, { status: number; title: string }> = {
  setup_link_used: { status: 410, title: 'This setup link has already been used' },
  setup_link_expired: { status: 410, title: 'This setup link has expired' },
  setup_link_revoked: { status: 403, title: 'This setup link was revoked' },
  setup_link_unknown: { status: 404, title: 'This setup link is not valid' },
};

/** Refusals that end in a page rather than in the requested one. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly paragraphs: string[],
    readonly signIn = false,
  ) {
    super(title);
  }
}

export function setupRouter(deps: SetupRouterDeps): Router {
  const router = Router();
  const { backends } = deps;
  const cookies = cookiePolicy(deps.publicUrl);
  const origin = new URL(deps.publicUrl).origin;
  const actions = orgActions(deps);
  const P = SETUP_BASE;

  router.get('/assets/setup.css', (_req, res) => {
    res.locals.route = `${P}/assets`;
    res
      .set({ 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' })
      .type('text/css')
      .send(SETUP_CSS);
  });
  router.get('/assets/copy.js', (_req, res) => {
    res.locals.route = `${P}/assets`;
    res
      .set({ 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' })
      .type('text/javascript')
      .send(COPY_JS);
  });

  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals.setupBasePath = cookies.basePath;
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  // Forms are posted only from these pages: a cross-site POST is refused before anything else.
  router.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const from = req.get('origin');
    if ((from && from !== origin) || req.get('sec-fetch-site') === 'cross-site')
      return next(
        new Refusal(403, 'This form was not sent from Organization Setup', [
          'Nothing was changed. Open Organization Setup and try again.',
        ]),
      );
    next();
  });

  async function principal(req: Request, res: Response, scope: RequestScope): Promise<Principal> {
    const setupToken = cookie(req, SETUP_COOKIE);
    if (setupToken) {
      try {
        const s = (await backends.identity.getSetupSession({ sessionToken: setupToken }, scope)).session!;
        return {
          tenantId: s.tenantId,
          actor: s.actor,
          who: `Setup link ${s.linkId.slice(-8)}, until ${dateTime(s.expiresAt)}`,
          readOnly: false,
          csrf: csrfOf(setupToken),
          kind: 'link',
        };
      } catch (err) {
        const d = describeError(err, deps.logger, scope.context);
        if (d.status !== 401) throw err;
        clearCookie(res, cookies);
        throw new Refusal(
          401,
          'Your setup session has ended',
          [
            d.message + '.',
            'Your organization’s data is not shown. Ask the platform for a new setup link, or sign in through your identity provider if single sign-on is on.',
          ],
          true,
        );
      }
    }
    const { token, from } = platformSessionToken(req);
    if (token && from === 'cookie') {
      try {
        const s = (await backends.identity.getSession({ sessionToken: token }, scope)).session!;
        if (s.role !== 'EnterpriseAdmin' && s.role !== 'Admin') {
          throw new Refusal(403, 'You cannot open Organization Setup', [
            `You are signed in as ${s.userName}, whose role is ${s.role || 'none (app access only)'}. Organization Setup is for people with the EnterpriseAdmin role (Admin: read only).`,
            'Ask an EnterpriseAdmin of your organization to change your role in your identity provider, or ask the platform for a setup link.',
          ]);
        }
        return {
          tenantId: s.tenantId,
          actor: `user:${s.userId}`,
          who: `Signed in as ${s.userName} (${s.role})`,
          readOnly: s.role !== 'EnterpriseAdmin',
          csrf: csrfOf(token),
          kind: 'user',
        };
      } catch (err) {
        if (err instanceof Refusal || describeError(err, deps.logger, scope.context).status !== 401) throw err;
      }
    }
    throw new Refusal(
      401,
      'Open Organization Setup with your setup link',
      [
        'Organization Setup is reached with the one-time setup link the platform sends you, or — once single sign-on is on — by signing in through your identity provider with the EnterpriseAdmin role.',
      ],
      true,
    );
  }

  const chromeOf = (p: Principal, o: Org): Chrome => ({
    orgName: o.name,
    who: p.who,
    readOnly: p.readOnly,
    csrf: p.csrf,
    signedIn: p.kind === 'user',
  });

  interface Ctx {
    p: Principal;
    org: Org;
    chrome: Chrome;
    /** The request's scope: the options of its backend calls, its logger. */
    scope: RequestScope;
  }

  /** A page or form handler with the principal resolved, CSRF checked on POST and errors rendered as pages. */
  const page =
    (pattern: string, fn: (req: Request, res: Response, ctx: Ctx) => Promise<void>, opts: { changes?: boolean } = {}) =>
    async (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = `${P}${pattern}`;
      const scope = scopeOf(res);
      try {
        const p = await principal(req, res, scope);
        if (opts.changes) {
          const sent = field(req, 'csrf');
          if (!sent || !safeEqual(sent, p.csrf))
            throw new Refusal(403, 'This form has expired', [
              'Nothing was changed: the form did not carry this session’s security token (it may be from an earlier session, or from another site).',
              'Go back, reload the page and submit the form again.',
            ]);
          if (p.readOnly)
            throw new Refusal(403, 'You can only view Organization Setup', [
              'Your role is Admin: Organization Setup is read only for you. Changes need the EnterpriseAdmin role.',
            ]);
        }
        const org = (await backends.directory.getOrg({ tenantId: p.tenantId }, scope)).org!;
        await fn(req, res, { p, org, chrome: chromeOf(p, org), scope });
      } catch (err) {
        next(err);
      }
    };

  /** A form field or query parameter as one string ('' when absent or not a single value). */
  const field = (req: Request, name: string): string => {
    const form: unknown = req.body;
    const v = form && typeof form === 'object' ? (form as Record<string, unknown>)[name] : undefined;
    return typeof v === 'string' ? v : '';
  };
  const q = (req: Request, name: string): string => {
    const v = req.query[name];
    return typeof v === 'string' ? v.slice(0, 300) : '';
  };

  async function sourceLabel(tenant: string, scope: RequestScope): Promise<string> {
    const { connectors } = await backends.directory.listConnectors({ tenantId: tenant }, scope);
    return (connectors[0] && choiceOf(typeName(connectors[0].type))?.source) || 'SCIM';
  }

  async function connectorInfo(o: Org, c: Connector, scope: RequestScope): Promise<ConnectorInfo> {
    const [summary, oidc] = await Promise.all([
      backends.credentials.describeCredentials({ tenantId: o.id, connectorId: c.id }, scope).then(
        (r) => r.summary,
        () => undefined,
      ),
      backends.identity.getOidcSettings({ tenantId: o.id }, scope).then(
        (r) => r.settings,
        () => undefined,
      ),
    ]);
    const type = typeName(c.type);
    return {
      id: c.id,
      type,
      label: choiceOf(type)?.label ?? type,
      enabled: c.enabled,
      scimUrls: [
        { label: 'SCIM 2.0 base URL', value: scimBaseUrls(deps.publicUrl, o.id).baseUrl },
        { label: 'SCIM 1.1 base URL (Okta SCIM 1.1 apps)', value: scimBaseUrls(deps.publicUrl, o.id).v1BaseUrl },
      ],
      companyId: summary?.basicUsername || o.companyId,
      bearerLast4: summary?.bearerTokenLast4 || undefined,
      passkeyLast4: summary?.basicPasswordLast4 || undefined,
      issuedAt: summary?.issuedAt,
      redirectUris: redirectUrisOf(deps.publicUrl, deps.appRedirectUris),
      sso: oidc?.issuer ? { issuer: oidc.issuer, clientId: oidc.clientId } : undefined,
    };
  }

  const connectorOf = async (ctx: Ctx, id: string) =>
    (await backends.directory.getConnector({ tenantId: ctx.org.id, connectorId: id }, ctx.scope)).connector!;

  // ---- the setup link

  router.get('/start', async (req, res, next) => {
    res.locals.route = `${P}/start`;
    const scope = scopeOf(res);
    try {
      const token = q(req, 'token');
      const { link } = await backends.identity.checkSetupLink({ token }, scope);
      const org = (await backends.directory.getOrg({ tenantId: link!.tenantId }, scope)).org!;
      send(res, 200, startPage({ orgName: org.name, expiresAt: link!.expiresAt, token }));
    } catch (err) {
      next(err);
    }
  });
  router.post('/start', async (req, res, next) => {
    res.locals.route = `${P}/start`;
    const scope = scopeOf(res);
    try {
      const r = await backends.identity.redeemSetupLink({ token: field(req, 'token') }, scope);
      setCookie(res, cookies, r.sessionToken, r.session!.expiresAt ?? new Date(Date.now() + 3600_000));
      headers(res);
      res.redirect(303, `${deps.publicUrl}${P}`);
    } catch (err) {
      next(err);
    }
  });
  router.post(
    '/sign-out',
    page(
      '/sign-out',
      async (req, res, ctx) => {
        const t = cookie(req, SETUP_COOKIE);
        if (ctx.p.kind === 'link' && t) await backends.identity.endSetupSession({ sessionToken: t }, ctx.scope);
        clearCookie(res, cookies);
        send(
          res,
          200,
          messagePage({
            title: 'You have left Organization Setup',
            paragraphs: [
              ctx.p.kind === 'link'
                ? 'Your setup session has ended. To come back, ask the platform for a new setup link, or sign in through your identity provider once single sign-on is on.'
                : 'Your platform session is still open.',
            ],
          }),
        );
      },
      { changes: true },
    ),
  );

  // ---- overview and connectors

  router.get(
    '/',
    page('/', async (req, res, ctx) => {
      const { enabled } = await backends.entitlement.checkEntitlement(
        {
          tenantId: ctx.org.id,
          name: ENTERPRISE_TOOLKIT,
        },
        ctx.scope,
      );
      const connectors = enabled
        ? await Promise.all(
            (await backends.directory.listConnectors({ tenantId: ctx.org.id }, ctx.scope)).connectors.map((c) =>
              connectorInfo(ctx.org, c, ctx.scope),
            ),
          )
        : [];
      send(res, 200, overviewPage({ chrome: ctx.chrome, toolkit: enabled, connectors, done: req.query.done }));
    }),
  );

  router.post(
    '/connectors',
    page(
      '/connectors',
      async (req, res, ctx) => {
        const type = field(req, 'type');
        if (!choiceOf(type)) {
          const connectors = await Promise.all(
            (await backends.directory.listConnectors({ tenantId: ctx.org.id }, ctx.scope)).connectors.map((c) =>
              connectorInfo(ctx.org, c, ctx.scope),
            ),
          );
          return send(
            res,
            400,
            overviewPage({
              chrome: ctx.chrome,
              toolkit: true,
              connectors,
              errors: [{ field: 'type-okta', message: 'Select the identity provider you use' }],
            }),
          );
        }
        const { connector, secrets } = await actions.createConnector(ctx.org, type, ctx.p.actor, ctx.scope);
        const info = await connectorInfo(ctx.org, connector, ctx.scope);
        send(
          res,
          201,
          connectorPage({
            chrome: ctx.chrome,
            c: info,
            secrets: { bearerToken: secrets.bearerToken, passkey: secrets.basicPassword, kind: 'created' },
          }),
        );
      },
      { changes: true },
    ),
  );

  router.get(
    '/connectors/:id',
    page('/connectors/:id', async (req, res, ctx) => {
      const c = await connectorOf(ctx, String(req.params.id));
      send(
        res,
        200,
        connectorPage({ chrome: ctx.chrome, c: await connectorInfo(ctx.org, c, ctx.scope), done: req.query.done }),
      );
    }),
  );
  router.get(
    '/connectors/:id/guide',
    page('/connectors/:id/guide', async (req, res, ctx) => {
      const c = await connectorOf(ctx, String(req.params.id));
      send(res, 200, guidePage({ chrome: ctx.chrome, c: await connectorInfo(ctx.org, c, ctx.scope) }));
    }),
  );
  router.get(
    '/connectors/:id/reset',
    page('/connectors/:id/reset', async (req, res, ctx) => {
      const c = await connectorOf(ctx, String(req.params.id));
      send(res, 200, resetPage({ chrome: ctx.chrome, c: await connectorInfo(ctx.org, c, ctx.scope) }));
    }),
  );
  router.post(
    '/connectors/:id/reset',
    page(
      '/connectors/:id/reset',
      async (req, res, ctx) => {
        const c = await connectorOf(ctx, String(req.params.id));
        const secrets = await actions.rotateCredentials(ctx.org, c, ctx.p.actor, ctx.scope);
        const shown: NewSecrets = { bearerToken: secrets.bearerToken, passkey: secrets.basicPassword, kind: 'reset' };
        send(
          res,
          200,
          connectorPage({ chrome: ctx.chrome, c: await connectorInfo(ctx.org, c, ctx.scope), secrets: shown }),
        );
      },
      { changes: true },
    ),
  );
  router.post(
    '/connectors/:id/provisioning',
    page(
      '/connectors/:id/provisioning',
      async (req, res, ctx) => {
        const c = await connectorOf(ctx, String(req.params.id));
        const value = field(req, 'enabled');
        if (value !== 'on' && value !== 'off')
          throw new HttpError(400, 'invalid_request', 'choose whether provisioning is on or off');
        await actions.setProvisioning(c, value === 'on', ctx.p.actor, ctx.scope);
        res.redirect(303, `${deps.publicUrl}${P}/connectors/${c.id}?done=provisioning-${value}`);
      },
      { changes: true },
    ),
  );
  router.post(
    '/connectors/:id/sso',
    page(
      '/connectors/:id/sso',
      async (req, res, ctx) => {
        const c = await connectorOf(ctx, String(req.params.id));
        const form = { issuer: field(req, 'issuer').trim(), clientId: field(req, 'clientId').trim() };
        const errors: FieldError[] = [];
        if (!form.issuer) errors.push({ field: 'issuer', message: 'Enter the issuer URL of your identity provider' });
        if (!form.clientId)
          errors.push({ field: 'clientId', message: 'Enter the client ID of the OpenID Connect app' });
        const rerender = async (status: number, errs: FieldError[], problem?: ReturnType<typeof html>) =>
          send(
            res,
            status,
            connectorPage({
              chrome: ctx.chrome,
              c: await connectorInfo(ctx.org, c, ctx.scope),
              ssoForm: form,
              errors: errs,
              ssoProblem: problem,
            }),
          );
        if (errors.length) {
          await deps.audit.record(
            ctx.org.id,
            {
              action: 'sso.configure',
              resourceType: 'connector',
              resourceId: c.id,
              resourceName: 'oidc',
              actor: ctx.p.actor,
              outcome: 'failure',
              details: { reason: 'invalid_request', missing: errors.map((e) => e.field) },
            },
            ctx.scope,
          );
          return rerender(400, errors);
        }
        try {
          await actions.configureSso(ctx.org, c, form, ctx.p.actor, ctx.scope);
        } catch (err) {
          const d = describeError(err, deps.logger, ctx.scope.context);
          if (d.status >= 500 && d.code !== 'issuer_unreachable') throw err;
          const md = (k: string) => (isServiceError(err) ? metadataValue(err, k) : undefined);
          const configured = md('configured-issuer');
          const announced = md('announced-issuer');
          if (d.code === 'issuer_mismatch' && configured && announced) {
            return rerender(
              400,
              [
                {
                  field: 'issuer',
                  message: `The identity provider at this URL announces the issuer ${announced}, not ${configured}. Enter the issuer exactly as your identity provider announces it`,
                },
              ],
              html`<div class="warning"><h3>The issuers do not match</h3><dl class="values"><div><dt>Issuer you entered</dt><dd><code>${configured}</code></dd></div><div><dt>Issuer the identity provider announces</dt><dd><code>${announced}</code></dd></div></dl>
<p>With an Okta custom domain, the issuer is the URL on the custom domain when the authorization server's Issuer setting says so (Security → API → Authorization Servers). Enter that URL here, or change the setting in Okta to match the URL you entered.</p></div>`,
            );
          }
          if (d.code === 'issuer_unreachable' || d.code === 'invalid_idp_response')
            return rerender(d.code === 'issuer_unreachable' ? 502 : 400, [
              { field: 'issuer', message: `The issuer could not be used: ${d.message}` },
            ]);
          if (d.code === 'invalid_client_id') return rerender(400, [{ field: 'clientId', message: d.message }]);
          if (d.status === 400) return rerender(400, [{ field: 'issuer', message: d.message }]);
          throw err;
        }
        res.redirect(303, `${deps.publicUrl}${P}/connectors/${c.id}?done=sso-on#sso`);
      },
      { changes: true },
    ),
  );
  router.post(
    '/connectors/:id/sso/off',
    page(
      '/connectors/:id/sso/off',
      async (req, res, ctx) => {
        const c = await connectorOf(ctx, String(req.params.id));
        await actions.disableSso(ctx.org, ctx.p.actor, ctx.scope);
        res.redirect(303, `${deps.publicUrl}${P}/connectors/${c.id}?done=sso-off#sso`);
      },
      { changes: true },
    ),
  );

  // ---- users

  async function renderUsers(
    res: Response,
    ctx: Ctx,
    view: {
      q: string;
      after: string;
      status?: number;
      errors?: FieldError[];
      open?: { id: string; role: string; active: string };
      done?: unknown;
    },
  ) {
    const [out, source, connectors] = await Promise.all([
      backends.directory.listUsers(
        { tenantId: ctx.org.id, limit: 50, pageToken: view.after, query: view.q },
        ctx.scope,
      ),
      sourceLabel(ctx.org.id, ctx.scope),
      backends.directory.listConnectors({ tenantId: ctx.org.id }, ctx.scope),
    ]);
    send(
      res,
      view.status ?? 200,
      usersPage({
        chrome: ctx.chrome,
        users: out.users,
        total: out.total,
        q: view.q,
        next: out.nextPageToken,
        first: !view.after,
        roleOf: (u) => roleName(u.role) ?? '',
        source,
        provisioningOn: connectors.connectors.some((c) => c.enabled),
        errors: view.errors,
        open: view.open,
        done: view.done,
      }),
    );
  }

  router.get(
    '/users',
    page('/users', async (req, res, ctx) =>
      renderUsers(res, ctx, { q: q(req, 'q').trim(), after: q(req, 'after'), done: req.query.done }),
    ),
  );
  router.post(
    '/users/:id',
    page(
      '/users/:id',
      async (req, res, ctx) => {
        const id = String(req.params.id);
        const role = field(req, 'role');
        const active = field(req, 'active');
        const open = { id, role, active };
        const back = { q: field(req, 'q'), after: field(req, 'after'), open };
        if (!ROLE_NAMES.includes(role))
          return renderUsers(res, ctx, {
            ...back,
            status: 400,
            errors: [{ field: `role-${id}`, message: 'Choose a role from the list' }],
          });
        if (active !== 'true' && active !== 'false')
          return renderUsers(res, ctx, {
            ...back,
            status: 400,
            errors: [{ field: `active-${id}-yes`, message: 'Choose whether the user is active' }],
          });
        try {
          await backends.directory.updateUser(
            {
              tenantId: ctx.org.id,
              userId: id,
              role: ROLE_NAMES.indexOf(role),
              active: active === 'true',
              actor: ctx.p.actor,
            },
            ctx.scope,
          );
        } catch (err) {
          const d = describeError(err, deps.logger, ctx.scope.context);
          if (d.status >= 500 || d.status === 404) throw err;
          return renderUsers(res, ctx, {
            ...back,
            status: d.status,
            errors: [{ field: `role-${id}`, message: d.message }],
          });
        }
        res.redirect(303, `${deps.publicUrl}${P}/users?done=user-updated#user-${encodeURIComponent(id)}`);
      },
      { changes: true },
    ),
  );

  // ---- teams

  async function renderTeams(
    res: Response,
    ctx: Ctx,
    view: {
      after: string;
      status?: number;
      errors?: FieldError[];
      values?: Record<string, string>;
      open?: string;
      done?: unknown;
    },
  ) {
    const [out, source] = await Promise.all([
      backends.directory.listTeams({ tenantId: ctx.org.id, limit: 50, pageToken: view.after }, ctx.scope),
      sourceLabel(ctx.org.id, ctx.scope),
    ]);
    send(
      res,
      view.status ?? 200,
      teamsPage({
        chrome: ctx.chrome,
        teams: out.teams,
        next: out.nextPageToken,
        first: !view.after,
        source,
        errors: view.errors,
        values: view.values,
        open: view.open,
        done: view.done,
      }),
    );
  }
  const teamName = (name: string, fieldId: string): FieldError | undefined =>
    !name
      ? { field: fieldId, message: 'Enter a team name' }
      : name.length > 200
        ? { field: fieldId, message: 'Team name must be 200 characters or fewer' }
        : undefined;
  /** A refusal of the directory shown next to the field; unexpected errors and "not found" become pages. */
  const fieldRefusal = (err: unknown, fieldId: string, scope: RequestScope): FieldError => {
    const d = describeError(err, deps.logger, scope.context);
    if (d.status >= 500 || d.status === 404) throw err;
    return { field: fieldId, message: d.message.charAt(0).toUpperCase() + d.message.slice(1) };
  };

  router.get(
    '/teams',
    page('/teams', async (req, res, ctx) => renderTeams(res, ctx, { after: q(req, 'after'), done: req.query.done })),
  );
  router.post(
    '/teams',
    page(
      '/teams',
      async (req, res, ctx) => {
        const name = field(req, 'name').trim();
        const values = { 'team-name': name };
        const invalid = teamName(name, 'team-name');
        if (invalid) return renderTeams(res, ctx, { after: '', status: 400, errors: [invalid], values });
        try {
          await backends.directory.createTeam({ tenantId: ctx.org.id, name, actor: ctx.p.actor }, ctx.scope);
        } catch (err) {
          return renderTeams(res, ctx, {
            after: '',
            status: describeError(err, deps.logger, ctx.scope.context).status,
            errors: [fieldRefusal(err, 'team-name', ctx.scope)],
            values,
          });
        }
        res.redirect(303, `${deps.publicUrl}${P}/teams?done=team-created`);
      },
      { changes: true },
    ),
  );
  router.post(
    '/teams/:id/name',
    page(
      '/teams/:id/name',
      async (req, res, ctx) => {
        const id = String(req.params.id);
        const name = field(req, 'name').trim();
        const fieldId = `name-${id}`;
        const invalid = teamName(name, fieldId);
        if (invalid)
          return renderTeams(res, ctx, {
            after: '',
            status: 400,
            errors: [invalid],
            values: { [fieldId]: name },
            open: id,
          });
        try {
          await backends.directory.updateTeam(
            { tenantId: ctx.org.id, teamId: id, name, actor: ctx.p.actor },
            ctx.scope,
          );
        } catch (err) {
          return renderTeams(res, ctx, {
            after: '',
            status: describeError(err, deps.logger, ctx.scope.context).status,
            errors: [fieldRefusal(err, fieldId, ctx.scope)],
            values: { [fieldId]: name },
            open: id,
          });
        }
        res.redirect(303, `${deps.publicUrl}${P}/teams?done=team-renamed`);
      },
      { changes: true },
    ),
  );
  router.post(
    '/teams/:id/members',
    page(
      '/teams/:id/members',
      async (req, res, ctx) => {
        const id = String(req.params.id);
        const login = field(req, 'email').trim().slice(0, 320);
        const fieldId = `member-${id}`;
        const fail = (status: number, message: string) =>
          renderTeams(res, ctx, {
            after: '',
            status,
            errors: [{ field: fieldId, message }],
            values: { [fieldId]: login },
            open: id,
          });
        if (!login) return fail(400, 'Enter the e-mail address or user name of the person to add');
        const { user } = await backends.directory.findLoginUser({ tenantId: ctx.org.id, login }, ctx.scope);
        if (!user)
          return fail(400, `There is no user with the e-mail address or user name ${login} in ${ctx.org.name}`);
        try {
          await backends.directory.addTeamMember(
            {
              tenantId: ctx.org.id,
              teamId: id,
              userId: user.id,
              actor: ctx.p.actor,
            },
            ctx.scope,
          );
        } catch (err) {
          const e = fieldRefusal(err, fieldId, ctx.scope);
          return fail(describeError(err, deps.logger, ctx.scope.context).status, e.message);
        }
        res.redirect(303, `${deps.publicUrl}${P}/teams?done=member-added`);
      },
      { changes: true },
    ),
  );

  // ---- activity

  router.get(
    '/activity',
    page('/activity', async (req, res, ctx) => {
      const filters = { action: q(req, 'action').trim(), since: q(req, 'since'), until: q(req, 'until') };
      const errors: FieldError[] = [];
      if (filters.action && !/^[a-z0-9_.]{1,100}$/i.test(filters.action))
        errors.push({
          field: 'action',
          message: 'Enter an action such as user.create, or a prefix ending in a dot such as user.',
        });
      const date = (name: 'since' | 'until') => {
        const v = filters[name];
        if (!v) return undefined;
        const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
        if (Number.isNaN(d.getTime()))
          errors.push({
            field: name,
            message: `Enter the ${name === 'since' ? 'start' : 'end'} as a date and time, for example 2026-12-06T09:30`,
          });
        return Number.isNaN(d.getTime()) ? undefined : d;
      };
      const since = date('since');
      const until = date('until');
      if (since && until && since > until) errors.push({ field: 'until', message: 'The end must be after the start' });
      if (errors.length)
        return send(
          res,
          400,
          activityPage({ chrome: ctx.chrome, entries: [], filters, next: '', first: true, errors }),
        );
      const after = q(req, 'after');
      const out = await backends.directory.listActivity(
        {
          tenantId: ctx.org.id,
          action: filters.action,
          since,
          until,
          limit: 50,
          pageToken: after,
        },
        ctx.scope,
      );
      send(
        res,
        200,
        activityPage({ chrome: ctx.chrome, entries: out.entries, filters, next: out.nextPageToken, first: !after }),
      );
    }),
  );

  router.use((req: Request, _res: Response, next: NextFunction) =>
    next(new HttpError(404, 'not_found', `There is no page ${req.originalUrl.split('?')[0]}`)),
  );

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { context } = scopeOf(res);
    if (err instanceof Refusal) {
      const signIn = err.signIn
        ? html`<p><a href="${deps.publicUrl}/oidc/login">Sign in through your identity provider</a></p>`
        : html``;
      return send(res, err.status, messagePage({ title: err.title, paragraphs: err.paragraphs, actions: signIn }));
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large')
      return send(
        res,
        413,
        messagePage({
          title: 'The form is too large',
          paragraphs: ['Nothing was changed. Forms on these pages are at most 16 KiB.'],
        }),
      );
    const reason = reasonOf(err);
    if (reason && LINK_PROBLEMS[reason]) {
      const lp = LINK_PROBLEMS[reason];
      const d = describeError(err, deps.logger, context);
      return send(
        res,
        lp.status,
        messagePage({
          title: lp.title,
          paragraphs: [
            d.message.charAt(0).toUpperCase() + d.message.slice(1) + '.',
            'No organization data is shown. Ask the platform (the person who sent you the link) for a new setup link.',
          ],
        }),
      );
    }
    const d = describeError(err, deps.logger, context);
    const title =
      d.status === 404
        ? 'Page not found'
        : d.status === 403
          ? 'Not allowed'
          : d.status >= 500
            ? 'Organization Setup is temporarily unavailable'
            : 'That did not work';
    const message = d.message.charAt(0).toUpperCase() + d.message.slice(1);
    send(
      res,
      d.status,
      messagePage({
        title,
        paragraphs: [
          d.status === 404 ? `${message}. It may belong to another organization, or it was removed.` : message,
        ],
        actions: html`<p><a href="${deps.publicUrl}${P}">Go to Organization Setup</a></p>`,
      }),
    );
  });
  return router;
}

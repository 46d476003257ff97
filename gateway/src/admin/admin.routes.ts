/**
 * The admin API of DESIGN.md (the platform's Organization Setup page): organizations, the Enterprise Toolkit
 * entitlement, connectors with their SCIM credentials, and the platform's view of users, teams and activity.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { type Connector, type ActivityEntry, type Team, type User } from '../../../proto/gen/directory/v1/directory.js';
import { scimBaseUrls } from '../scim/base-urls.js';
import type { CredentialSummary, IssueCredentialsResponse } from '../../../proto/gen/credentials/v1/credentials.js';
import { securityEvent, type Logger } from '../../../services/kit/src/logger.js';
import { safeEqual } from '../../../services/kit/src/secrets.js';
import { PLATFORM_ROLES, roleName as roleNameOf, roleNumber } from '../../../services/kit/src/roles.js';
import type { RequestBackends } from '../backends.js';
import { type EntitlementCache } from '../entitlement-cache.js';
import { bodyErrorHandler } from '../http/body-errors.js';
import { describeError, HttpError, sendAdminError } from '../http/errors.js';
import { scopeOf, type RequestScope } from '../http/request-context.js';
import type { Auditor } from '../audit.js';
import { configureOidcHandler } from '../oidc/oidc-admin.js';
import { connectorTypes, orgActions, typeName } from '../org-actions.js';
import { setupLinkUrl } from '../setup/setup-paths.js';
import { connectorEvents } from './connector-events.js';
import { eventsRouter } from './events.routes.js';
import { webhooksRouter } from './webhooks.routes.js';
import { queryText, type AdminHandler } from './admin-route.js';

export interface AdminRouterDeps {
  backends: RequestBackends;
  adminToken: string;
  publicUrl: string;
  appRedirectUris: string[];
  entitlements: EntitlementCache;
  audit: Auditor;
  logger: Logger;
}

const TYPES = connectorTypes;
const OPERATOR = 'operator';
const ADMIN_BODY_LIMIT = 64 * 1024;

export function adminRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  const { backends } = deps;
  const changeEvents = connectorEvents(backends, deps.logger);
  const actions = orgActions({
    backends,
    audit: deps.audit,
    publicUrl: deps.publicUrl,
    appRedirectUris: deps.appRedirectUris,
    changeEvents,
  });
  const configureOidc = configureOidcHandler({
    backends,
    publicUrl: deps.publicUrl,
    appRedirectUris: deps.appRedirectUris,
    logger: deps.logger,
    changeEvents,
  });

  router.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const token = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
    if (!token || !safeEqual(token, deps.adminToken)) {
      securityEvent(scopeOf(res).log, 'auth.failure', {
        surface: 'admin',
        reason: token ? 'invalid_admin_token' : header ? 'malformed' : 'missing',
        client: req.ip,
      });
      res.set('www-authenticate', 'Bearer realm="admin"');
      return sendAdminError(res, {
        status: 401,
        code: 'unauthenticated',
        message: 'the admin API requires "Authorization: Bearer <ADMIN_TOKEN>"',
        headers: {},
      });
    }
    next();
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    const length = Number(req.get('content-length') ?? 0);
    if ((length > 0 || req.get('transfer-encoding')) && !req.is('application/json')) {
      return sendAdminError(res, {
        status: 415,
        code: 'unsupported_media_type',
        message: 'send JSON with "Content-Type: application/json"',
        headers: {},
      });
    }
    next();
  });
  router.use(express.json({ limit: ADMIN_BODY_LIMIT }));

  const route = (pattern: string, fn: AdminHandler) => async (req: Request, res: Response) => {
    res.locals.route = `/admin/v1${pattern}`;
    if (req.params.org) res.locals.tenant = String(req.params.org).slice(0, 64);
    const scope = scopeOf(res);
    try {
      await fn(req, res, scope);
    } catch (err) {
      sendAdminError(res, describeError(err, deps.logger, scope.context));
    }
  };

  const body = (req: Request): Record<string, unknown> => {
    const b: unknown = req.body;
    return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
  };
  const org = async (req: Request, scope: RequestScope) => {
    const id = String(req.params.org);
    return (await backends.directory.getOrg({ tenantId: id }, scope)).org!;
  };
  const scimBaseUrl = (tenant: string) => scimBaseUrls(deps.publicUrl, tenant).baseUrl;
  const redirectUris = () => [`${deps.publicUrl}/oidc/callback`, ...deps.appRedirectUris];

  async function connectorView(c: Connector, scope: RequestScope, secrets?: IssueCredentialsResponse) {
    let summary: CredentialSummary | undefined = secrets?.summary;
    if (!summary)
      summary = (
        await backends.credentials
          .describeCredentials({ tenantId: c.tenantId, connectorId: c.id }, scope)
          .catch(() => undefined)
      )?.summary;
    const oidc = await backends.identity.getOidcSettings({ tenantId: c.tenantId }, scope).then(
      (r) => r.settings,
      () => undefined,
    );
    return {
      id: c.id,
      type: typeName(c.type),
      enabled: c.enabled,
      createdAt: c.createdAt?.toISOString(),
      updatedAt: c.updatedAt?.toISOString(),
      scim: {
        ...scimBaseUrls(deps.publicUrl, c.tenantId),
        ...(secrets ? { bearerToken: secrets.bearerToken } : {}),
        bearerTokenLast4: summary?.bearerTokenLast4,
        basic: {
          username: summary?.basicUsername,
          ...(secrets ? { password: secrets.basicPassword } : {}),
          passwordLast4: summary?.basicPasswordLast4,
        },
        credentialsIssuedAt: summary?.issuedAt?.toISOString(),
        credentialsRevoked: summary?.revoked ?? false,
      },
      oidc: {
        redirectUris: redirectUris(),
        ...(oidc?.issuer ? { issuer: oidc.issuer, clientId: oidc.clientId, enabled: true } : { enabled: false }),
      },
    };
  }

  // Organizations
  router.post(
    '/orgs',
    route('/orgs', async (req, res, scope) => {
      const name = body(req).name;
      if (typeof name !== 'string' || !name.trim() || name.length > 200)
        throw new HttpError(400, 'invalid_request', '"name" is required: a string of 1 to 200 characters');
      const created = (await backends.directory.createOrg({ name: name.trim(), actor: OPERATOR }, scope)).org!;
      res.status(201).json({
        id: created.id,
        name: created.name,
        companyId: created.companyId,
        createdAt: created.createdAt?.toISOString(),
        scimBaseUrl: scimBaseUrl(created.id),
      });
    }),
  );
  router.get(
    '/orgs',
    route('/orgs', async (req, res, scope) => {
      const out = await backends.directory.listOrgs(
        {
          limit: Number(req.query.limit ?? 100) || 100,
          pageToken: queryText(req, 'pageToken'),
        },
        scope,
      );
      res.json({
        orgs: out.orgs.map((o) => ({
          id: o.id,
          name: o.name,
          companyId: o.companyId,
          createdAt: o.createdAt?.toISOString(),
        })),
        nextPageToken: out.nextPageToken || undefined,
      });
    }),
  );
  router.get(
    '/orgs/:org',
    route('/orgs/:org', async (req, res, scope) => {
      const o = await org(req, scope);
      res.json({
        id: o.id,
        name: o.name,
        companyId: o.companyId,
        createdAt: o.createdAt?.toISOString(),
        scimBaseUrl: scimBaseUrl(o.id),
      });
    }),
  );

  // Entitlements
  router.get(
    '/orgs/:org/entitlements',
    route('/orgs/:org/entitlements', async (req, res, scope) => {
      const o = await org(req, scope);
      const out = await backends.entitlement.listEntitlements({ tenantId: o.id }, scope);
      res.json({
        entitlements: out.entitlements.map((e) => ({
          name: e.name,
          enabled: e.enabled,
          updatedAt: e.updatedAt?.toISOString(),
          updatedBy: e.updatedBy,
        })),
      });
    }),
  );
  const setEntitlement = (enabled: boolean) =>
    route('/orgs/:org/entitlements/:name', async (req, res, scope) => {
      const o = await org(req, scope);
      const name = String(req.params.name);
      const call = enabled ? backends.entitlement.grantEntitlement : backends.entitlement.revokeEntitlement;
      const out = await call({ tenantId: o.id, name, actor: OPERATOR }, scope);
      deps.entitlements.forget(o.id);
      if (out.changed)
        await deps.audit.record(
          o.id,
          {
            action: enabled ? 'entitlement.grant' : 'entitlement.revoke',
            resourceType: 'entitlement',
            resourceId: name,
            resourceName: name,
          },
          scope,
        );
      const e = out.entitlement!;
      res.json({
        name: e.name,
        enabled: e.enabled,
        updatedAt: e.updatedAt?.toISOString(),
        updatedBy: e.updatedBy,
        changed: out.changed,
      });
    });
  router.put('/orgs/:org/entitlements/:name', setEntitlement(true));
  router.delete('/orgs/:org/entitlements/:name', setEntitlement(false));

  // Connectors
  router.post(
    '/orgs/:org/connectors',
    route('/orgs/:org/connectors', async (req, res, scope) => {
      const o = await org(req, scope);
      const type = body(req).type;
      if (typeof type !== 'string' || !Object.hasOwn(TYPES, type))
        throw new HttpError(400, 'invalid_request', `"type" must be one of ${Object.keys(TYPES).join(', ')}`);
      const { connector, secrets } = await actions.createConnector(o, type, OPERATOR, scope);
      res.status(201).json(await connectorView(connector, scope, secrets));
    }),
  );
  router.get(
    '/orgs/:org/connectors',
    route('/orgs/:org/connectors', async (req, res, scope) => {
      const o = await org(req, scope);
      const out = await backends.directory.listConnectors({ tenantId: o.id }, scope);
      res.json({ connectors: await Promise.all(out.connectors.map((c) => connectorView(c, scope))) });
    }),
  );
  const connector = async (req: Request, scope: RequestScope) => {
    const o = await org(req, scope);
    return (await backends.directory.getConnector({ tenantId: o.id, connectorId: String(req.params.id) }, scope))
      .connector!;
  };
  router.get(
    '/orgs/:org/connectors/:id',
    route('/orgs/:org/connectors/:id', async (req, res, scope) => {
      res.json(await connectorView(await connector(req, scope), scope));
    }),
  );
  router.post(
    '/orgs/:org/connectors/:id/rotate',
    route('/orgs/:org/connectors/:id/rotate', async (req, res, scope) => {
      const c = await connector(req, scope);
      const o = await org(req, scope);
      const secrets = await actions.rotateCredentials(o, c, OPERATOR, scope);
      res.json({
        ...(await connectorView(c, scope, secrets)),
        notice:
          'The previous bearer token and Integration Passkey no longer work. Enter the new values in your identity provider now; provisioning fails until you do.',
      });
    }),
  );
  router.put('/orgs/:org/connectors/:id/oidc', (req, res) => {
    res.locals.route = '/admin/v1/orgs/:org/connectors/:id/oidc';
    return configureOidc(req, res);
  });
  router.patch(
    '/orgs/:org/connectors/:id',
    route('/orgs/:org/connectors/:id', async (req, res, scope) => {
      const c = await connector(req, scope);
      const enabled = body(req).enabled;
      if (typeof enabled !== 'boolean')
        throw new HttpError(400, 'invalid_request', '"enabled" (boolean) is the only field that can be changed');
      const updated = await actions.setProvisioning(c, enabled, OPERATOR, scope);
      res.json(await connectorView(updated, scope));
    }),
  );
  router.delete(
    '/orgs/:org/connectors/:id',
    route('/orgs/:org/connectors/:id', async (req, res, scope) => {
      const c = await connector(req, scope);
      await backends.credentials.revokeCredentials({ tenantId: c.tenantId, connectorId: c.id, actor: OPERATOR }, scope);
      await deps.audit.record(
        c.tenantId,
        {
          action: 'credentials.revoke',
          resourceType: 'connector',
          resourceId: c.id,
          resourceName: typeName(c.type),
        },
        scope,
      );
      if (c.enabled) await changeEvents.connectorSwitched(c.tenantId, c.id, false, scope);
      await backends.directory.deleteConnector({ tenantId: c.tenantId, connectorId: c.id, actor: OPERATOR }, scope);
      await deps.audit.record(
        c.tenantId,
        {
          action: 'connector.delete',
          resourceType: 'connector',
          resourceId: c.id,
          resourceName: typeName(c.type),
        },
        scope,
      );
      securityEvent(scope.log, 'connector.deleted', { tenant: c.tenantId, connectorId: c.id, actor: OPERATOR });
      await backends.identity
        .revokeSessions({ tenantId: c.tenantId, userId: '' }, scope)
        .catch((err) => scope.log.warn('could not end sessions of deleted connector', { err }));
      res.status(204).end();
    }),
  );

  // The platform's view
  router.get(
    '/orgs/:org/users',
    route('/orgs/:org/users', async (req, res, scope) => {
      const o = await org(req, scope);
      const out = await backends.directory.listUsers(
        {
          tenantId: o.id,
          limit: Number(req.query.limit ?? 100) || 100,
          pageToken: queryText(req, 'pageToken'),
          query: queryText(req, 'q'),
        },
        scope,
      );
      res.json({
        users: out.users.map(userView),
        total: out.total,
        nextPageToken: out.nextPageToken || undefined,
      });
    }),
  );
  router.patch(
    '/orgs/:org/users/:id',
    route('/orgs/:org/users/:id', async (req, res, scope) => {
      const o = await org(req, scope);
      const b = body(req);
      const unknown = Object.keys(b).filter((k) => k !== 'role' && k !== 'active');
      if (unknown.length || !Object.keys(b).length)
        throw new HttpError(
          400,
          'invalid_request',
          `"role" (${PLATFORM_ROLES.join(', ')} or null) and "active" (boolean) are the fields that can be changed`,
        );
      if (b.active !== undefined && typeof b.active !== 'boolean')
        throw new HttpError(400, 'invalid_request', '"active" must be a boolean');
      let role: number | undefined;
      if (b.role !== undefined) {
        role = typeof b.role === 'string' ? roleNumber(b.role) : 0;
        if (b.role !== null && role === 0)
          throw new HttpError(
            400,
            'invalid_request',
            `"role" must be one of ${PLATFORM_ROLES.join(', ')} or null (app-only access)`,
          );
      }
      const out = await backends.directory.updateUser(
        {
          tenantId: o.id,
          userId: String(req.params.id),
          role,
          active: b.active,
          actor: OPERATOR,
        },
        scope,
      );
      res.json(userView(out.user!));
    }),
  );
  router.get(
    '/orgs/:org/teams',
    route('/orgs/:org/teams', async (req, res, scope) => {
      const o = await org(req, scope);
      const out = await backends.directory.listTeams(
        {
          tenantId: o.id,
          limit: Number(req.query.limit ?? 100) || 100,
          pageToken: queryText(req, 'pageToken'),
        },
        scope,
      );
      res.json({ teams: out.teams.map(teamView), nextPageToken: out.nextPageToken || undefined });
    }),
  );
  router.post(
    '/orgs/:org/teams',
    route('/orgs/:org/teams', async (req, res, scope) => {
      const o = await org(req, scope);
      const name = body(req).name;
      if (typeof name !== 'string' || !name.trim() || name.length > 200)
        throw new HttpError(400, 'invalid_request', '"name" is required: a string of 1 to 200 characters');
      const out = await backends.directory.createTeam({ tenantId: o.id, name: name.trim(), actor: OPERATOR }, scope);
      res.status(201).json(teamView(out.team!));
    }),
  );
  router.patch(
    '/orgs/:org/teams/:team',
    route('/orgs/:org/teams/:team', async (req, res, scope) => {
      const o = await org(req, scope);
      const name = body(req).name;
      if (typeof name !== 'string' || !name.trim() || name.length > 200)
        throw new HttpError(
          400,
          'invalid_request',
          '"name" is the field that can be changed: a string of 1 to 200 characters',
        );
      const out = await backends.directory.updateTeam(
        {
          tenantId: o.id,
          teamId: String(req.params.team),
          name: name.trim(),
          actor: OPERATOR,
        },
        scope,
      );
      res.json(teamView(out.team!));
    }),
  );
  router.post(
    '/orgs/:org/teams/:team/members',
    route('/orgs/:org/teams/:team/members', async (req, res, scope) => {
      const o = await org(req, scope);
      const userId = body(req).userId;
      if (typeof userId !== 'string' || !userId) throw new HttpError(400, 'invalid_request', '"userId" is required');
      const out = await backends.directory.addTeamMember(
        {
          tenantId: o.id,
          teamId: String(req.params.team),
          userId,
          actor: OPERATOR,
        },
        scope,
      );
      res.json(teamView(out.team!));
    }),
  );
  router.get(
    '/orgs/:org/activity',
    route('/orgs/:org/activity', async (req, res, scope) => {
      const o = await org(req, scope);
      const date = (name: string) => {
        const v = req.query[name];
        if (v === undefined) return undefined;
        const d = typeof v === 'string' ? new Date(v) : new Date(NaN);
        if (Number.isNaN(d.getTime()))
          throw new HttpError(400, 'invalid_request', `"${name}" must be an ISO 8601 date-time`);
        return d;
      };
      const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 500);
      const out = await backends.directory.listActivity(
        {
          tenantId: o.id,
          action: queryText(req, 'action'),
          since: date('since'),
          until: date('until'),
          limit,
          pageToken: queryText(req, 'pageToken'),
        },
        scope,
      );
      res.json({ entries: out.entries.map(activityView), nextPageToken: out.nextPageToken || undefined });
    }),
  );

  // Organization Setup access (issue 11): one-time setup links for the customer's admin, and SSO off.
  router.post(
    '/orgs/:org/setup-links',
    route('/orgs/:org/setup-links', async (req, res, scope) => {
      const o = await org(req, scope);
      const seconds = body(req).expiresInSeconds;
      if (
        seconds !== undefined &&
        (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 7 * 86400)
      ) {
        throw new HttpError(
          400,
          'invalid_request',
          '"expiresInSeconds" must be a whole number of seconds from 1 to 604800 (7 days); the default is 3600',
        );
      }
      const { link, token } = await backends.identity.createSetupLink(
        {
          tenantId: o.id,
          expiresInSeconds: seconds ?? 0,
          actor: OPERATOR,
        },
        scope,
      );
      res
        .status(201)
        .set('cache-control', 'no-store')
        .json({ id: link!.id, url: setupLinkUrl(deps.publicUrl, token), expiresAt: link!.expiresAt?.toISOString() });
    }),
  );
  router.get(
    '/orgs/:org/setup-links',
    route('/orgs/:org/setup-links', async (req, res, scope) => {
      const o = await org(req, scope);
      const { links } = await backends.identity.listSetupLinks({ tenantId: o.id }, scope);
      res.json({
        setupLinks: links.map((l) => ({
          id: l.id,
          createdAt: l.createdAt?.toISOString(),
          expiresAt: l.expiresAt?.toISOString(),
          createdBy: l.createdBy,
        })),
      });
    }),
  );
  router.delete(
    '/orgs/:org/setup-links/:id',
    route('/orgs/:org/setup-links/:id', async (req, res, scope) => {
      const o = await org(req, scope);
      await backends.identity.revokeSetupLink(
        { tenantId: o.id, linkId: String(req.params.id), actor: OPERATOR },
        scope,
      );
      res.status(204).end();
    }),
  );
  router.delete(
    '/orgs/:org/connectors/:id/oidc',
    route('/orgs/:org/connectors/:id/oidc', async (req, res, scope) => {
      const o = await org(req, scope);
      await connector(req, scope);
      const changed = await actions.disableSso(o, OPERATOR, scope);
      res.json({ enabled: false, changed });
    }),
  );

  // Events out (issue #15): the feed and webhook endpoints
  router.use(eventsRouter({ backends, logger: deps.logger }));
  router.use(webhooksRouter({ backends, logger: deps.logger }));

  router.use(
    route('/*', async (req) => {
      throw new HttpError(404, 'not_found', `no admin endpoint ${req.method} ${req.baseUrl}${req.path}`);
    }),
  );
  router.use(
    bodyErrorHandler({
      limitBytes: ADMIN_BODY_LIMIT,
      send: (res, f) => sendAdminError(res, { ...f, headers: {} }),
      otherwise: (res, err) => sendAdminError(res, describeError(err, deps.logger, scopeOf(res).context)),
    }),
  );
  return router;
}

export const roleName = (r: number) => roleNameOf(r) || null;

function userView(u: User) {
  return {
    id: u.id,
    userName: u.userName,
    displayName: u.displayName,
    email: u.email,
    active: u.active,
    role: roleName(u.role),
    access: u.role ? 'web' : 'app',
    provisioned: u.provisioned,
    editable: u.editable,
    externalId: u.externalId || undefined,
    createdAt: u.createdAt?.toISOString(),
    updatedAt: u.updatedAt?.toISOString(),
  };
}

function teamView(t: Team) {
  return {
    id: t.id,
    name: t.name,
    provisioned: t.provisioned,
    editable: t.editable,
    memberCount: t.memberCount,
    createdAt: t.createdAt?.toISOString(),
  };
}

function activityView(e: ActivityEntry) {
  return {
    id: e.id,
    time: e.time?.toISOString(),
    actor: e.actor,
    action: e.action,
    resource: { type: e.resourceType, id: e.resourceId, name: e.resourceName },
    outcome: e.outcome,
    requestId: e.requestId,
    details: e.detailsJson ? (JSON.parse(e.detailsJson) as unknown) : undefined,
  };
}

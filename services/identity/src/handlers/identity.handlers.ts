import { AppError } from '../../../kit/src/errors.js';
import type { Handlers } from '../../../kit/src/grpc-server.js';
import {
  Access,
  IdentityServiceService,
  type OidcSettings as OidcSettingsProto,
  type Session,
} from '../../../../proto/gen/identity/v1/identity.js';
import type { OidcSettings, SessionView } from '../domain/ports.js';
import type { SetupAccess, SetupLinkRecord, SetupSessionView } from '../domain/setup-access.js';
import type { LoginResult, SignIn } from '../domain/sign-in.js';

const settingsToProto = (s: OidcSettings): OidcSettingsProto => ({
  tenantId: s.tenantId,
  connectorId: s.connectorId,
  issuer: s.issuer,
  clientId: s.clientId,
  redirectUris: s.redirectUris,
  updatedAt: s.updatedAt,
});

const sessionToProto = (v: SessionView): Session => ({
  tenantId: v.tenantId,
  userId: v.userId,
  userName: v.userName,
  role: v.role,
  access: v.access === 'web' ? Access.ACCESS_WEB : Access.ACCESS_APP,
  createdAt: v.createdAt,
  expiresAt: v.expiresAt,
});

const resultToProto = (r: LoginResult) => ({ result: { sessionToken: r.token, session: sessionToProto(r.session) } });

const linkToProto = (l: SetupLinkRecord) => ({
  id: l.id,
  tenantId: l.tenantId,
  createdAt: l.createdAt,
  expiresAt: l.expiresAt,
  createdBy: l.createdBy,
});
const setupSessionToProto = (v: SetupSessionView) => ({
  tenantId: v.tenantId,
  actor: v.actor,
  linkId: v.linkId,
  createdAt: v.createdAt,
  expiresAt: v.expiresAt,
});

export function identityHandlers(signIn: SignIn, setup: SetupAccess): Handlers<typeof IdentityServiceService> {
  // The call's context (request id, trace, logger) is handed to the domain wherever it records, logs or calls the
  // directory; reads that do none of these do not take it.
  return {
    async configureOidc(req, ctx) {
      return { settings: settingsToProto(await signIn.configure(req, ctx)) };
    },
    async getOidcSettings(req) {
      const s = await signIn.getSettings(req.tenantId);
      return { settings: s ? settingsToProto(s) : undefined };
    },
    async beginLogin(req, ctx) {
      return signIn.begin(req, ctx);
    },
    async completeLogin(req, ctx) {
      return resultToProto(await signIn.complete(req.callbackUrl, ctx));
    },
    async exchangeAppCode(req, ctx) {
      return resultToProto(await signIn.exchange({ ...req, nonce: req.nonce || undefined }, ctx));
    },
    async getSession(req, ctx) {
      return { session: sessionToProto(await signIn.session(req.sessionToken, ctx)) };
    },
    async endSession(req, ctx) {
      if (!req.sessionToken) throw new AppError('INVALID_ARGUMENT', 'session_token is required', 'invalid_request');
      await signIn.end(req.sessionToken, ctx);
      return {};
    },
    async revokeSessions(req, ctx) {
      return { revoked: await signIn.revoke(req.tenantId, req.userId, ctx) };
    },
    async disableOidc(req, ctx) {
      return { changed: await signIn.disable(req, ctx) };
    },
    async createSetupLink(req, ctx) {
      const { link, token } = await setup.createLink(req, ctx);
      return { link: linkToProto(link), token };
    },
    async listSetupLinks(req) {
      return { links: (await setup.listLinks(req.tenantId)).map(linkToProto) };
    },
    async revokeSetupLink(req, ctx) {
      return setup.revokeLink(req, ctx);
    },
    async checkSetupLink(req) {
      return { link: linkToProto(await setup.checkLink(req.token)) };
    },
    async redeemSetupLink(req, ctx) {
      const r = await setup.redeemLink(req.token, ctx);
      return { sessionToken: r.token, session: setupSessionToProto(r.session) };
    },
    async getSetupSession(req) {
      return { session: setupSessionToProto(await setup.session(req.sessionToken)) };
    },
    async endSetupSession(req) {
      await setup.end(req.sessionToken);
      return {};
    },
  };
}

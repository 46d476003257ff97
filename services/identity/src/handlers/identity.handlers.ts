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
  return {
    async configureOidc(req) {
      return { settings: settingsToProto(await signIn.configure(req)) };
    },
    async getOidcSettings(req) {
      const s = await signIn.getSettings(req.tenantId);
      return { settings: s ? settingsToProto(s) : undefined };
    },
    async beginLogin(req) {
      return signIn.begin(req);
    },
    async completeLogin(req) {
      return resultToProto(await signIn.complete(req.callbackUrl));
    },
    async exchangeAppCode(req) {
      return resultToProto(await signIn.exchange({ ...req, nonce: req.nonce || undefined }));
    },
    async getSession(req) {
      return { session: sessionToProto(await signIn.session(req.sessionToken)) };
    },
    async endSession(req) {
      if (!req.sessionToken) throw new AppError('INVALID_ARGUMENT', 'session_token is required', 'invalid_request');
      await signIn.end(req.sessionToken);
      return {};
    },
    async revokeSessions(req) {
      return { revoked: await signIn.revoke(req.tenantId, req.userId) };
    },
    async disableOidc(req) {
      return { changed: await signIn.disable(req) };
    },
    async createSetupLink(req) {
      const { link, token } = await setup.createLink(req);
      return { link: linkToProto(link), token };
    },
    async listSetupLinks(req) {
      return { links: (await setup.listLinks(req.tenantId)).map(linkToProto) };
    },
    async revokeSetupLink(req) {
      return setup.revokeLink(req);
    },
    async checkSetupLink(req) {
      return { link: linkToProto(await setup.checkLink(req.token)) };
    },
    async redeemSetupLink(req) {
      const r = await setup.redeemLink(req.token);
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

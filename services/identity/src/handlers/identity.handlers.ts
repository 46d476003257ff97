import { AppError } from '../../../kit/src/errors.js';
import type { Handlers } from '../../../kit/src/grpc-server.js';
import { Access, IdentityServiceService, type OidcSettings as OidcSettingsProto, type Session } from '../../../../proto/gen/identity/v1/identity.js';
import type { OidcSettings, SessionView } from '../domain/ports.js';
import type { LoginResult, SignIn } from '../domain/sign-in.js';

const settingsToProto = (s: OidcSettings): OidcSettingsProto => ({ tenantId: s.tenantId, connectorId: s.connectorId, issuer: s.issuer, clientId: s.clientId, redirectUris: s.redirectUris, updatedAt: s.updatedAt });

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

export function identityHandlers(signIn: SignIn): Handlers<typeof IdentityServiceService> {
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
  };
}

/**
 * A real OpenID Provider (oidc-provider) on 127.0.0.1, standing in for a customer's Okta: one public "native"
 * client (token_endpoint_auth_method none, PKCE required), authorization code only, e-mail and profile claims in
 * userinfo (as oidc-provider does by default). The HTTP server stays on its port while the provider behind it
 * can be replaced: a rotated signing key, or another announced issuer (the Okta custom-domain case).
 *
 * Sign-in needs no browser: the interaction endpoint logs in the account named by the `x-fake-okta-login`
 * header the test browser sends ("deny:" + anything answers access_denied, like Okta for an unassigned user).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type KoaContext } from 'oidc-provider';

export interface FakeAccount {
  email?: string;
  preferred_username?: string;
  name?: string;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
  privateKey: CryptoKey;
}

export interface FakeOkta {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  clientId: string;
  /** The issuer the provider announces now. */
  issuer(): string;
  accounts: Map<string, FakeAccount>;
  /** The kid the provider signs with now. */
  signingKid(): string;
  /** The kid of every ID token issued so far, in order. */
  issuedKids: string[];
  /** A new signing key, published first in the JWKS and used from now on (the old one stays published). */
  rotateKeys(): Promise<void>;
  /** Rebuilds the provider announcing another issuer (same port, same keys). */
  announceIssuer(issuer: string): void;
  /**
   * Rewrites the claims of the next ID tokens, re-signed with the provider's key (e.g. an expired `exp`), or with
   * a key it never published: under the current kid (`forge: 'same-kid'`) or under an unknown kid.
   */
  tamperIdTokens(
    fn: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined,
    forge?: 'same-kid' | 'unknown-kid',
  ): void;
  close(): Promise<void>;
}

export const LOGIN_HEADER = 'x-fake-okta-login';

async function newSigningKey(n: number): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `key-${n}-${Math.random().toString(36).slice(2, 8)}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateJwk, privateKey };
}

export async function startFakeOkta(opts: {
  redirectUris: string[];
  clientId?: string;
  issuerOf?: (url: string) => string;
}): Promise<FakeOkta> {
  const clientId = opts.clientId ?? 'platform-native-app';
  const accounts = new Map<string, FakeAccount>();
  let keys: SigningKey[] = [await newSigningKey(1)];
  const issuedKids: string[] = [];
  let tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  let forge: 'same-kid' | 'unknown-kid' | undefined;
  const stranger = await newSigningKey(0);
  let provider: Provider;
  let handler: ReturnType<Provider['callback']>;

  const server: Server = createServer((req, res) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (req.method === 'GET' && m) {
      interact(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;

  async function interact(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const who = String(req.headers[LOGIN_HEADER] ?? '');
    if (who.startsWith('deny:')) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'User is not assigned to the client application.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: who } }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name !== 'consent') throw new Error(`unexpected prompt ${details.prompt.name}`);
    // Like a first-party app in Okta: consent is implied.
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const G = (
      provider as unknown as {
        Grant: new (init: object) => {
          addOIDCScope(s: string): void;
          addOIDCClaims(c: string[]): void;
          save(): Promise<string>;
        };
      }
    ).Grant;
    const grant = new G({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  }

  function build(issuer: string) {
    const p = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: opts.redirectUris,
        },
      ],
      jwks: { keys: keys.map((k) => k.privateJwk) },
      cookies: { keys: ['fake-okta-cookie-key'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx: unknown, sub: string) {
        const a = accounts.get(sub);
        if (!a) return undefined;
        return { accountId: sub, claims: async () => ({ sub, ...a, ...(a.email ? { email_verified: true } : {}) }) };
      },
    });
    p.use(async (ctx: KoaContext, next) => {
      await next();
      if (
        ctx.method === 'POST' &&
        ctx.path === '/token' &&
        ctx.body &&
        typeof ctx.body === 'object' &&
        'id_token' in ctx.body
      ) {
        issuedKids.push(
          JSON.parse(
            Buffer.from(String((ctx.body as { id_token: string }).id_token).split('.')[0], 'base64url').toString(),
          ).kid,
        );
      }
      if (
        tamper &&
        ctx.method === 'POST' &&
        ctx.path === '/token' &&
        ctx.status === 200 &&
        ctx.body &&
        typeof ctx.body === 'object' &&
        'id_token' in ctx.body
      ) {
        const body = ctx.body as Record<string, unknown>;
        ctx.body = { ...body, id_token: await resign(String(body.id_token), tamper) };
      }
    });
    provider = p;
    handler = p.callback();
  }

  async function resign(jwt: string, fn: (claims: Record<string, unknown>) => Record<string, unknown>) {
    const [header, payload] = jwt.split('.');
    const h = JSON.parse(Buffer.from(header, 'base64url').toString());
    const claims = fn(JSON.parse(Buffer.from(payload, 'base64url').toString()));
    const key = keys.find((k) => k.kid === h.kid) ?? keys[0];
    const signer = forge ? stranger.privateKey : key.privateKey;
    const kid = forge === 'unknown-kid' ? stranger.kid : key.kid;
    return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);
  }

  let announced = opts.issuerOf ? opts.issuerOf(url) : url;
  build(announced);

  return {
    url,
    port,
    clientId,
    issuer: () => announced,
    accounts,
    signingKid: () => keys[0].kid,
    issuedKids,
    async rotateKeys() {
      keys = [await newSigningKey(keys.length + 1), ...keys];
      build(announced);
    },
    announceIssuer(issuer: string) {
      announced = issuer;
      build(announced);
    },
    tamperIdTokens(fn, how) {
      tamper = fn;
      forge = how;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The small HTML pages of sign-in: the sign-in form, failures explained in words an administrator can act
 * on, the portal landing and the signed-out page. Every value is escaped; pages carry no script.
 */
import type { Response } from 'express';

export function esc(value: string | number | boolean | null | undefined): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Security headers of every sign-in page. No-referrer matters: the callback URL carries the authorization code. */
export function pageHeaders(res: Response) {
  res.set({
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:3px}.box{border:1px solid #d0d7de;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
.err{border-color:#cf222e}.muted{color:#59636e;font-size:.9rem}input{padding:.4rem;width:20rem;max-width:100%}button{padding:.4rem 1rem}`;

export function renderPage(title: string, bodyHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${bodyHtml}</body></html>`;
}

export function sendPage(res: Response, status: number, title: string, bodyHtml: string) {
  pageHeaders(res);
  res.status(status).type('html').send(renderPage(title, bodyHtml));
}

export function signInForm(publicUrl: string, opts: { notice?: string; login?: string } = {}): string {
  return `<h1>Sign in</h1>
${opts.notice ? `<div class="box err"><p>${esc(opts.notice)}</p></div>` : ''}
<form method="get" action="${esc(publicUrl)}/oidc/login">
<p><label for="login">Company ID</label><br><input id="login" name="login" autocomplete="organization" required value="${esc(opts.login ?? '')}"></p>
<p><button type="submit">Continue</button></p>
</form>
<p class="muted">You will continue at your organization's identity provider (for example Okta).</p>`;
}

export function signOutForm(publicUrl: string): string {
  return `<form method="post" action="${esc(publicUrl)}/oidc/logout"><button type="submit">Sign out</button></form>`;
}

/** What a failure means and what to do about it, by the reason the services reported. */
export interface FailureView {
  status: number;
  reason: string;
  message: string;
  details: Record<string, string | undefined>;
  /** Where "start again" leads, when we know the organization. */
  retryUrl?: string;
  /** The Organization Setup pages, where an administrator fixes the SSO settings. */
  setupUrl?: string;
  errorId?: string;
}

interface Explanation {
  title: string;
  advice: (f: FailureView) => string;
}

const startAgain = 'Start the sign-in again.';

/** "Organization Setup" as a link to the setup pages when the gateway's address is known. */
const setupLink = (f: FailureView, text: string) =>
  f.setupUrl ? `<a href="${esc(f.setupUrl)}">${esc(text)}</a>` : esc(text);

const EXPLANATIONS: Record<string, Explanation> = {
  issuer_mismatch: {
    title: "The identity provider's issuer does not match the platform's SSO setting",
    advice: (f) =>
      `An administrator must make the two issuers identical. Either change the issuer configured on the platform (${setupLink(f, 'Organization Setup → Single sign-on')}) to exactly the issuer of the authorization server that issues the tokens — with an Okta custom domain that is the URL on the custom domain, e.g. <code>https://login.example.com/oauth2/default</code>, as Okta shows it under Security → API → Authorization Servers — or change the authorization server's Issuer setting in Okta to the URL configured on the platform.`,
  },
  issuer_unreachable: {
    title: 'The identity provider could not be reached',
    advice: () =>
      'Check that the issuer URL configured on the platform is correct and that the identity provider is available, then try again.',
  },
  invalid_idp_response: {
    title: 'The identity provider sent a response the platform cannot use',
    advice: () =>
      'Check that the issuer URL configured on the platform points to an OpenID Connect authorization server.',
  },
  sso_not_configured: {
    title: 'Single sign-on is not set up for this organization',
    advice: (f) =>
      `An administrator must enter the identity provider's issuer URL and client ID in ${setupLink(f, 'Organization Setup')} first.`,
  },
  sso_disabled: {
    title: 'Single sign-on is turned off for this organization',
    advice: () => "The organization's identity provider connector is disabled. An administrator must enable it again.",
  },
  user_not_provisioned: {
    title: 'Your account has not been provisioned to this organization',
    advice: () =>
      "You signed in at your identity provider, but it has not created your account on the platform yet. Ask your administrator to assign you to the platform's provisioning (SCIM) app in Okta or Entra ID; once your account has been pushed, sign in again.",
  },
  user_deactivated: {
    title: 'Your account is deactivated',
    advice: () =>
      'Your account exists in this organization but has been deactivated by your identity provider. Ask your administrator to reactivate it there.',
  },
  user_in_other_org: {
    title: 'You are not a member of this organization',
    advice: () =>
      "Your account belongs to another organization on this platform. Use your own organization's sign-in link, or enter your work e-mail or Company ID on the sign-in page.",
  },
  missing_login_claim: {
    title: 'The identity provider did not say who you are',
    advice: () =>
      'It sent neither an e-mail address nor a user name. An administrator must grant the "email" and "profile" scopes to the OIDC app in the identity provider.',
  },
  invalid_state: {
    title: 'This sign-in has expired or was already used',
    advice: () =>
      `Sign-ins must be finished within 10 minutes, in the browser where they started, and each sign-in response can be used only once. ${startAgain}`,
  },
  invalid_grant: {
    title: 'The identity provider refused the sign-in code',
    advice: () => `The code was already used, expired, or does not match this sign-in's PKCE verifier. ${startAgain}`,
  },
  nonce_mismatch: {
    title: 'The sign-in response could not be verified',
    advice: () => `The identity token does not belong to this sign-in (nonce mismatch). ${startAgain}`,
  },
  id_token_expired: {
    title: "The identity provider's sign-in token has expired",
    advice: () =>
      `${startAgain} If this keeps happening, the clocks of the identity provider and the platform differ: an administrator should check them.`,
  },
  invalid_id_token: {
    title: "The identity provider's sign-in token was refused",
    advice: () =>
      'The platform could not verify the identity token (signature, audience or validity). An administrator should check that the client ID configured on the platform is the Client ID of the OIDC app.',
  },
  idp_error: {
    title: 'Your identity provider refused the sign-in',
    advice: (f) =>
      f.details.idpError === 'access_denied'
        ? "If the identity provider says you are not assigned to the application: an administrator must assign you (or one of your groups) to the platform's OIDC app in Okta (Applications → the OIDC app → Assignments)."
        : 'The identity provider explained why above. An administrator can check the OIDC app settings there: sign-in redirect URIs, Authorization Code grant, PKCE and assignments.',
  },
  session_not_found: { title: 'You are not signed in', advice: () => startAgain },
  session_expired: { title: 'Your session has ended', advice: () => startAgain },
  invalid_redirect_uri: {
    title: 'The redirect URI is not registered',
    advice: () => 'Use one of the redirect URIs listed on the connector.',
  },
  invalid_org: {
    title: 'Unknown organization',
    advice: () => "Use your organization's sign-in link, or enter your work e-mail or Company ID on the sign-in page.",
  },
};

export function explain(f: FailureView): Explanation {
  return (
    EXPLANATIONS[f.reason] ??
    (f.status >= 500
      ? {
          title: 'Sign-in is temporarily unavailable',
          advice: () =>
            `Try again in a moment. If it keeps failing, give your administrator this error id: ${esc(f.errorId ?? '')}.`,
        }
      : { title: 'Sign-in failed', advice: () => startAgain })
  );
}

export function failurePage(f: FailureView): { title: string; html: string } {
  const ex = explain(f);
  const rows: Array<[string, string | undefined]> = [
    ['Issuer configured on the platform', f.details.configuredIssuer],
    ['Issuer the identity provider announced', f.details.announcedIssuer],
    ['Identity provider error', f.details.idpError],
    ['Identity provider says', f.details.idpErrorDescription],
    ['Signed in at the identity provider as', f.details.login],
  ];
  const dl = rows
    .filter(([, v]) => v)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`)
    .join('');
  const html = `<h1>${esc(ex.title)}</h1>
<div class="box err">${dl ? `<dl>${dl}</dl>` : ''}<p>${esc(capitalize(f.message))}</p></div>
<h2>What to do</h2><p>${ex.advice(f)}</p>
${f.retryUrl ? `<p><a href="${esc(f.retryUrl)}">Start the sign-in again</a></p>` : ''}
<p class="muted">Reason: <code>${esc(f.reason)}</code>${f.errorId ? ` · error id <code>${esc(f.errorId)}</code>` : ''}</p>`;
  return { title: ex.title, html };
}

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

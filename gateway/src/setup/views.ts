/**
 * The Organization Setup pages as small typed render functions (GOV.UK Design System patterns: an error summary
 * linking to each field, the message next to its field, labels on everything, one task per page, buttons that
 * say what they do, nothing said by colour alone). Every value is escaped by `html`.
 */
import { html, raw, type Html } from './html.js';
import { SETUP_BASE } from './setup-paths.js';

export interface Chrome {
  orgName: string;
  /** "Setup link …" or the signed-in person. */
  who: string;
  readOnly: boolean;
  csrf: string;
  /** Signed in through SSO: "Sign out" ends the platform session; with a setup link it ends the setup session. */
  signedIn?: boolean;
  current?: 'overview' | 'users' | 'teams' | 'activity';
}

export interface FieldError {
  field: string;
  message: string;
}

const P = SETUP_BASE;
export const assetVersion = '1';

export function layout(title: string, body: Html, chrome?: Chrome, errors: FieldError[] = []): string {
  const tab = (key: Chrome['current'], href: string, label: string) =>
    html`<a href="${href}"${chrome?.current === key ? raw(' aria-current="page"') : ''}>${label}</a>`;
  const header = chrome
    ? html`<header class="top"><span class="org">${chrome.orgName}</span> · Organization Setup<span class="who">${chrome.who}${chrome.readOnly ? ' (read only)' : ''} ·
${
  chrome.signedIn
    ? html`<form class="inline-form" method="post" action="/oidc/logout"><button type="submit" class="secondary copy">Sign out</button></form>`
    : html`<form class="inline-form" method="post" action="${P}/sign-out"><input type="hidden" name="csrf" value="${chrome.csrf}"><button type="submit" class="secondary copy">Sign out of Organization Setup</button></form>`
}</span></header>
<nav class="tabs" aria-label="Organization Setup">${tab('overview', `${P}`, 'Overview')}${tab('users', `${P}/users`, 'Users')}${tab('teams', `${P}/teams`, 'Teams')}${tab('activity', `${P}/activity`, 'Activity')}</nav>`
    : html`<header class="top"><span class="org">Organization Setup</span></header>`;
  const doc = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${errors.length ? 'Error: ' : ''}${title} – Organization Setup</title><link rel="stylesheet" href="${P}/assets/setup.css?v=${assetVersion}"></head>
<body><a class="skip" href="#main">Skip to main content</a>${header}<main id="main">${errorSummary(errors)}${body}</main>
<script src="${P}/assets/copy.js?v=${assetVersion}"></script></body></html>`;
  return doc.value;
}

export function errorSummary(errors: FieldError[]): Html {
  if (!errors.length) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">There is a problem</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul></div>`;
}

const errorFor = (errors: FieldError[], field: string) => errors.find((e) => e.field === field);

export function textField(o: {
  id: string;
  name?: string;
  label: string;
  hint?: string;
  value?: string;
  type?: string;
  errors?: FieldError[];
  autocomplete?: string;
  required?: boolean;
}): Html {
  const err = errorFor(o.errors ?? [], o.id);
  const described = [o.hint ? `${o.id}-hint` : '', err ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${err ? ' field-error' : ''}"><label for="${o.id}">${o.label}</label>${o.hint ? html`<span class="hint" id="${o.id}-hint">${o.hint}</span>` : ''}${err ? html`<span class="error-message" id="${o.id}-error"><span class="visually-hidden">Error: </span>${err.message}</span>` : ''}
<input type="${o.type ?? 'text'}" id="${o.id}" name="${o.name ?? o.id}" value="${o.value ?? ''}"${described ? raw(` aria-describedby="${described}"`) : ''}${err ? raw(' aria-invalid="true"') : ''}${o.autocomplete ? raw(` autocomplete="${o.autocomplete}"`) : raw(' autocomplete="off"')} spellcheck="false"></div>`;
}

export const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

/** A value the admin copies into the identity provider: a copy button is added by the script. */
export function copyable(label: string, value: string, id: string): Html {
  return html`<div><dt id="${id}-label">${label}</dt><dd><span class="value" id="${id}" data-copy data-copy-label="${label}">${value}</span></dd></div>`;
}

export function masked(label: string, last4: string | undefined, id: string): Html {
  return html`<div><dt>${label}</dt><dd><span class="value" id="${id}">${last4 ? `••••••••${last4}` : 'not issued'}</span><span class="muted small">shown once when created or reset; only the last four characters are kept visible</span></dd></div>`;
}

export function messagePage(o: {
  title: string;
  paragraphs: Array<string | Html>;
  chrome?: Chrome;
  actions?: Html;
}): string {
  return layout(
    o.title,
    html`<h1>${o.title}</h1>${o.paragraphs.map((p) => html`<p>${p}</p>`)}${o.actions ?? ''}`,
    o.chrome,
  );
}

export const dateTime = (d?: Date) => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '');

/** The pages of Organization Setup, one task each. Data in, HTML out; no I/O here. */
import type { ActivityEntry, Team, User } from '../../../proto/gen/directory/v1/directory.js';
import { html, raw, type Html } from './html.js';
import { SETUP_BASE } from './setup-paths.js';
import { copyable, csrfField, dateTime, layout, masked, textField, type Chrome, type FieldError } from './views.js';

const P = SETUP_BASE;

/** The identity providers offered by "Add connector". */
export const CONNECTOR_CHOICES: Array<{ type: string; label: string; source: string; hint: string }> = [
  {
    type: 'okta',
    label: 'Okta',
    source: 'Okta',
    hint: 'Provisioning from Okta (SCIM 2.0) and sign-in with an Okta OpenID Connect app.',
  },
  {
    type: 'entra',
    label: 'Microsoft Entra ID',
    source: 'Entra ID',
    hint: 'Provisioning from Microsoft Entra ID (SCIM 2.0) and sign-in with an Entra app registration.',
  },
  {
    type: 'okta-scim11',
    label: 'Okta (SCIM 1.1 app)',
    source: 'Okta',
    hint: 'Okta catalog apps that speak SCIM 1.1, such as "SCIM 1.1 Header Auth": the SCIM 1.1 base URL and an API token.',
  },
  {
    type: 'generic',
    label: 'Generic SCIM 2.0',
    source: 'SCIM',
    hint: 'Any other SCIM 2.0 client, for example OneLogin or JumpCloud.',
  },
];
export const choiceOf = (type: string) => CONNECTOR_CHOICES.find((c) => c.type === type);

export interface ConnectorInfo {
  id: string;
  type: string;
  label: string;
  /** Provisioning on. */
  enabled: boolean;
  /** The SCIM base URLs to paste, e.g. [{label: 'SCIM 2.0 base URL', value}] (SCIM 1.1 is one more entry). */
  scimUrls: Array<{ label: string; value: string }>;
  companyId: string;
  bearerLast4?: string;
  passkeyLast4?: string;
  issuedAt?: Date;
  redirectUris: string[];
  sso?: { issuer: string; clientId: string };
}

export interface NewSecrets {
  bearerToken: string;
  passkey: string;
  /** "created" or "reset". */
  kind: 'created' | 'reset';
}

const DONE: Record<string, string> = {
  'provisioning-on': 'Provisioning is on. Users and teams pushed by your identity provider are read-only here.',
  'provisioning-off':
    'Provisioning is off. Your identity provider’s requests are refused, and provisioned users and teams can be edited here.',
  'sso-on': 'Single sign-on is on. People of your organization now sign in through your identity provider.',
  'sso-off': 'Single sign-on is off. Everyone who was signed in through it has been signed out.',
  'user-updated': 'The user was updated.',
  'team-created': 'The team was created.',
  'team-renamed': 'The team was renamed.',
  'member-added': 'The member was added to the team.',
};
export const doneBanner = (key: unknown) =>
  typeof key === 'string' && DONE[key] ? html`<div class="success" role="status"><p>${DONE[key]}</p></div>` : html``;

// ---- access

export function startPage(o: { orgName: string; expiresAt?: Date; token: string }): string {
  return layout(
    'Open Organization Setup',
    html`<h1>Organization Setup for ${o.orgName}</h1>
<p class="lead">This link lets you connect ${o.orgName} to your identity provider (Okta, Microsoft Entra ID or another SCIM client): provisioning of users and teams, and single sign-on.</p>
<div class="notice"><p>The link works once. When you continue, this browser gets a setup session for ${o.orgName} that ends after 30 minutes without use, or 8 hours after you started.${o.expiresAt ? ` The link expires at ${dateTime(o.expiresAt)} if you do not use it.` : ''}</p></div>
<form method="post" action="${P}/start"><input type="hidden" name="token" value="${o.token}"><button type="submit">Continue to Organization Setup</button></form>`,
  );
}

// ---- overview

export function overviewPage(o: {
  chrome: Chrome;
  toolkit: boolean;
  connectors: ConnectorInfo[];
  errors?: FieldError[];
  done?: unknown;
}): string {
  const { chrome } = o;
  if (!o.toolkit) {
    return layout(
      'Overview',
      html`<h1>External User Authentication &amp; Provisioning</h1>
<div class="notice"><p><strong>The Enterprise Toolkit is off for ${chrome.orgName}.</strong> Connecting an identity provider (provisioning and single sign-on) is part of the Enterprise Toolkit option.</p>
<p>Enable it on the Billing page of the platform, then come back to this page.</p></div>`,
      chrome,
    );
  }
  const list = o.connectors.map(
    (c) => html`<div class="panel"><h3>${c.label} connector</h3>
<p>Provisioning: <span class="badge ${c.enabled ? 'on' : 'off'}">${c.enabled ? 'On' : 'Off'}</span> · Single sign-on: <span class="badge ${c.sso ? 'on' : 'off'}">${c.sso ? 'On' : 'Off'}</span></p>
<p><a href="${P}/connectors/${c.id}">Open the ${c.label} connector<span class="visually-hidden"> ${c.id}</span></a> · <a href="${P}/connectors/${c.id}/guide">Step-by-step instructions</a></p></div>`,
  );
  const errors = o.errors ?? [];
  const typeError = errors.find((e) => e.field === 'type-okta');
  // One connector per organization (the directory enforces it): the choice is offered until there is one.
  const add =
    chrome.readOnly || o.connectors.length
      ? html``
      : html`<h2 id="add">Add connector</h2>
<form method="post" action="${P}/connectors" novalidate>${csrfField(chrome.csrf)}
<div class="field${typeError ? ' field-error' : ''}"><fieldset aria-describedby="type-hint${typeError ? ' type-error' : ''}"><legend>Which identity provider do you use?</legend>
<span class="hint" id="type-hint">You get a SCIM URL and credentials to paste into it; the secrets are shown once.</span>
${typeError ? html`<span class="error-message" id="type-error">${typeError.message}</span>` : ''}
${CONNECTOR_CHOICES.map((c) => html`<div class="choice"><input type="radio" name="type" id="type-${c.type}" value="${c.type}"><label for="type-${c.type}"><strong>${c.label}</strong><br><span class="muted">${c.hint}</span></label></div>`)}
</fieldset></div><button type="submit">Add connector</button></form>`;
  return layout(
    'Overview',
    html`<h1>External User Authentication &amp; Provisioning</h1>${doneBanner(o.done)}
<p class="lead">Connect ${chrome.orgName} to your identity provider: it creates, updates and deactivates your people and teams here (SCIM provisioning), and they sign in through it (OpenID Connect).</p>
<p>Enterprise Toolkit: <span class="badge on">On</span></p>
<h2>Connectors</h2>${o.connectors.length ? list : html`<p>No identity provider is connected yet.</p>`}${add}`,
    { ...chrome, current: 'overview' },
    errors,
  );
}

// ---- connector

export function connectorPage(o: {
  chrome: Chrome;
  c: ConnectorInfo;
  secrets?: NewSecrets;
  ssoForm?: { issuer: string; clientId: string };
  errors?: FieldError[];
  ssoProblem?: Html;
  done?: unknown;
}): string {
  const { chrome, c } = o;
  const errors = o.errors ?? [];
  const secrets = o.secrets
    ? html`<div class="warning" role="alert"><h2>Copy these secrets now</h2><p>${o.secrets.kind === 'created' ? 'The connector was created.' : 'The credentials were reset: the previous bearer token and Integration Passkey no longer work. Provisioning fails until you enter the new values in your identity provider.'} The secrets below are shown <strong>once</strong>: after you leave this page only their last four characters are shown.</p>
<dl class="values">${copyable('Integration Passkey (Basic auth password)', o.secrets.passkey, 'new-passkey')}${copyable('Bearer token (HTTP Header / Secret Token)', o.secrets.bearerToken, 'new-bearer')}</dl></div>`
    : html``;
  const toggle = chrome.readOnly
    ? html``
    : html`<form method="post" action="${P}/connectors/${c.id}/provisioning">${csrfField(chrome.csrf)}<input type="hidden" name="enabled" value="${c.enabled ? 'off' : 'on'}">
<button type="submit" class="${c.enabled ? 'secondary' : ''}">${c.enabled ? 'Turn provisioning off' : 'Turn provisioning on'}</button></form>`;
  const ssoErrors = errors.filter((e) => e.field === 'issuer' || e.field === 'clientId');
  const form = o.ssoForm ?? { issuer: c.sso?.issuer ?? '', clientId: c.sso?.clientId ?? '' };
  const ssoForm = chrome.readOnly
    ? html``
    : html`<form method="post" action="${P}/connectors/${c.id}/sso" novalidate>${csrfField(chrome.csrf)}
${textField({ id: 'issuer', label: 'Issuer URL', hint: 'The issuer of the authorization server that signs your users in, exactly as your identity provider shows it, e.g. https://example.okta.com/oauth2/default, or the URL on your Okta custom domain.', value: form.issuer, type: 'url', errors: ssoErrors })}
${textField({ id: 'clientId', label: 'Client ID', hint: 'The Client ID of the OpenID Connect app (Okta: a Native app; Entra ID: the Application (client) ID).', value: form.clientId, errors: ssoErrors })}
<button type="submit">${c.sso ? 'Save single sign-on settings' : 'Turn on single sign-on'}</button></form>
${c.sso ? html`<form method="post" action="${P}/connectors/${c.id}/sso/off">${csrfField(chrome.csrf)}<p>Turning single sign-on off signs out everyone who signed in through it.</p><button type="submit" class="secondary">Turn single sign-on off</button></form>` : ''}`;
  return layout(
    `${c.label} connector`,
    html`<p><a href="${P}">Back to overview</a></p><h1>${c.label} connector</h1>${doneBanner(o.done)}${secrets}
<p><a href="${P}/connectors/${c.id}/guide">Step-by-step instructions for ${c.label}${c.type === 'okta' ? '' : ' and Okta'}</a>, with these values filled in.</p>
<h2 id="provisioning">Provisioning (SCIM)</h2>
<dl class="values">${c.scimUrls.map((u, i) => copyable(u.label, u.value, `scim-url-${i}`))}${copyable('Company ID (Basic auth user name)', c.companyId, 'company-id')}
${o.secrets ? html`` : html`${masked('Integration Passkey (Basic auth password)', c.passkeyLast4, 'passkey')}${masked('Bearer token', c.bearerLast4, 'bearer')}`}</dl>
${c.issuedAt ? html`<p class="muted small">Credentials issued ${dateTime(c.issuedAt)}.</p>` : ''}
${chrome.readOnly ? '' : html`<p><a class="button secondary" href="${P}/connectors/${c.id}/reset">Reset credentials</a></p>`}
<h3>Provisioning is ${c.enabled ? 'on' : 'off'}</h3>
<p>${c.enabled ? 'Your identity provider can create, update and deactivate users and teams. Users and teams it provisioned are read-only here; change them in the identity provider.' : 'Requests from your identity provider are refused. Users and teams it provisioned can be edited here; when you turn provisioning on again they become read-only again.'}</p>${toggle}
<h2 id="sso">Single sign-on (OpenID Connect)</h2>
<dl class="values">${c.redirectUris.map((u, i) => copyable(i === 0 ? 'Login redirect URI (web)' : `Login redirect URI (apps${c.redirectUris.length > 2 ? ` ${i}` : ''})`, u, `redirect-${i}`))}</dl>
<p>Single sign-on: <span class="badge ${c.sso ? 'on' : 'off'}">${c.sso ? 'On' : 'Off'}</span>${c.sso ? html` · issuer <code>${c.sso.issuer}</code> · client ID <code>${c.sso.clientId}</code>` : ''}</p>
${o.ssoProblem ?? ''}${ssoForm}`,
    { ...chrome, current: 'overview' },
    errors,
  );
}

export function resetPage(o: { chrome: Chrome; c: ConnectorInfo }): string {
  const { chrome, c } = o;
  return layout(
    'Reset credentials',
    html`<p><a href="${P}/connectors/${c.id}">Back to the ${c.label} connector</a></p><h1>Reset the credentials of the ${c.label} connector?</h1>
<div class="warning"><p><strong>Provisioning fails until you enter the new values in ${c.label === 'Generic SCIM 2.0' ? 'your identity provider' : c.label}.</strong></p>
<p>The current bearer token (ending in ${c.bearerLast4 ?? '—'}) and Integration Passkey (ending in ${c.passkeyLast4 ?? '—'}) stop working at once. The new ones are shown once, on the next page.</p></div>
<form method="post" action="${P}/connectors/${c.id}/reset">${csrfField(chrome.csrf)}<button type="submit" class="danger">Reset credentials now</button></form>
<p><a href="${P}/connectors/${c.id}">Cancel and keep the current credentials</a></p>`,
    { ...chrome, current: 'overview' },
  );
}

export function guidePage(o: { chrome: Chrome; c: ConnectorInfo }): string {
  const { chrome, c } = o;
  const v = (s: string) => html`<code>${s}</code>`;
  const scim = c.scimUrls[0]?.value ?? '';
  const passkey = c.passkeyLast4
    ? `the Integration Passkey shown when the connector was created or last reset (it ends in ${c.passkeyLast4})`
    : 'the Integration Passkey';
  const bearer = c.bearerLast4
    ? `the bearer token shown when the connector was created or last reset (it ends in ${c.bearerLast4})`
    : 'the bearer token';
  return layout(
    'Step-by-step instructions',
    html`<p><a href="${P}/connectors/${c.id}">Back to the ${c.label} connector</a></p><h1>Step-by-step instructions</h1>
<p>Follow the section for your identity provider. The values of this connector are filled in where you paste them. Lost the passkey or token? <a href="${P}/connectors/${c.id}/reset">Reset the credentials</a> to get new ones.</p>
<nav aria-label="On this page"><ul><li><a href="#okta-scim">Okta: provisioning app</a></li><li><a href="#okta-oidc">Okta: OIDC Native app for sign-in</a></li><li><a href="#entra">Microsoft Entra ID</a></li></ul></nav>
<h2 id="okta-scim">Okta: provisioning app (SCIM 2.0)</h2>
<ol class="steps">
<li>In the Okta Admin Console, open your app integration for the platform (or create one: <strong>Applications → Applications → Create App Integration</strong>), and on its <strong>General</strong> tab choose <strong>Edit</strong>, select <strong>SCIM</strong> under <em>Provisioning</em> and save.</li>
<li>On the <strong>Provisioning</strong> tab, choose <strong>Integration → Edit</strong>. <strong>SCIM connector base URL</strong>: ${v(scim)}</li>
<li><strong>Unique identifier field for users</strong>: ${v('userName')}</li>
<li><strong>Supported provisioning actions</strong>: Import New Users and Profile Updates, Push New Users, Push Profile Updates, Push Groups.</li>
<li><strong>Authentication Mode</strong>, either
 <ul><li><strong>Basic Auth</strong>: <strong>Username</strong> ${v(c.companyId)} (the Company ID) and <strong>Password</strong> ${passkey}; or</li>
 <li><strong>HTTP Header</strong>: <strong>Authorization</strong> Bearer ${bearer}.</li></ul></li>
<li>Choose <strong>Test Connector Configuration</strong>: Okta lists the actions it found. Then <strong>Save</strong>.</li>
<li>Under <strong>Provisioning → To App</strong>, choose <strong>Edit</strong> and enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and <strong>Deactivate Users</strong>. Save.</li>
<li>On the <strong>Assignments</strong> tab assign people or groups; on the <strong>Push Groups</strong> tab push the groups that should become teams. They appear on the <a href="${P}/users">Users</a> and <a href="${P}/teams">Teams</a> pages with an Okta badge.</li>
</ol>
<h2 id="okta-oidc">Okta: OIDC Native app for sign-in</h2>
<ol class="steps">
<li><strong>Applications → Applications → Create App Integration</strong>: sign-in method <strong>OIDC – OpenID Connect</strong>, application type <strong>Native Application</strong>.</li>
<li><strong>Grant type</strong>: Authorization Code only. <strong>Client authentication</strong>: none (<em>Use PKCE</em>; the platform always uses PKCE).</li>
<li><strong>Sign-in redirect URIs</strong>, one per line:<ul>${c.redirectUris.map((u) => html`<li>${v(u)}</li>`)}</ul></li>
<li><strong>Assignments</strong>: the same people or groups as the provisioning app. Save.</li>
<li>Copy the app's <strong>Client ID</strong>, and the issuer of your authorization server (<strong>Security → API → Authorization Servers → Issuer URI</strong>, e.g. ${v('https://example.okta.com/oauth2/default')}; with a custom domain, the URL on that domain). Enter both in <a href="${P}/connectors/${c.id}#sso">Single sign-on</a> on the connector page: the platform checks the issuer's discovery document when you save.</li>
</ol>
<h2 id="entra">Microsoft Entra ID</h2>
<h3>Provisioning</h3>
<ol class="steps">
<li>In the Microsoft Entra admin center: <strong>Enterprise applications → New application → Create your own application</strong>, <em>Integrate any other application you don't find in the gallery (Non-gallery)</em>.</li>
<li><strong>Provisioning → Get started</strong>; <strong>Provisioning Mode</strong>: Automatic.</li>
<li><strong>Tenant URL</strong>: ${v(scim)}</li>
<li><strong>Secret Token</strong>: ${bearer}.</li>
<li><strong>Test Connection</strong>, then <strong>Save</strong>. Under <strong>Users and groups</strong> assign people and groups, then <strong>Start provisioning</strong>.</li>
</ol>
<h3>Sign-in</h3>
<ol class="steps">
<li><strong>App registrations → New registration</strong>. Redirect URI platform <strong>Public client/native (mobile &amp; desktop)</strong>: ${v(c.redirectUris[0] ?? '')}${c.redirectUris.length > 1 ? html`; add ${c.redirectUris.slice(1).map((u) => v(u))} under <strong>Authentication</strong>` : ''}.</li>
<li>Enter the <strong>Application (client) ID</strong> as Client ID and ${v('https://login.microsoftonline.com/<your tenant id>/v2.0')} as Issuer URL in <a href="${P}/connectors/${c.id}#sso">Single sign-on</a>.</li>
</ol>`,
    { ...chrome, current: 'overview' },
  );
}

// ---- users

const ROLE_OPTIONS: Array<[string, string]> = [
  ['', 'No role (app access only)'],
  ['ReadOnly', 'ReadOnly'],
  ['User', 'User'],
  ['Admin', 'Admin'],
  ['EnterpriseAdmin', 'EnterpriseAdmin'],
];

export const badge = (provisioned: boolean, source: string) =>
  provisioned
    ? html`<span class="badge prov">Provisioned · ${source}</span>`
    : html`<span class="badge manual">Manual</span>`;

export function usersPage(o: {
  chrome: Chrome;
  users: User[];
  total: number;
  q: string;
  next: string;
  first: boolean;
  roleOf: (u: User) => string;
  source: string;
  provisioningOn: boolean;
  errors?: FieldError[];
  open?: { id: string; role: string; active: string };
  done?: unknown;
}): string {
  const { chrome } = o;
  const errors = o.errors ?? [];
  const rows = o.users.map((u) => {
    const role = o.roleOf(u);
    const openHere = o.open?.id === u.id;
    let edit: Html;
    if (chrome.readOnly) edit = html`<span class="muted">Read only</span>`;
    else if (!u.editable)
      edit = html`<span class="muted">Read-only: provisioned by ${o.source} while provisioning is on. Change it in ${o.source === 'SCIM' ? 'your identity provider' : o.source}.</span>`;
    else {
      const chosenRole = openHere ? o.open!.role : role;
      const chosenActive = openHere ? o.open!.active : u.active ? 'true' : 'false';
      const err = openHere ? errors.find((e) => e.field === `role-${u.id}`) : undefined;
      edit = html`<details${openHere ? raw(' open') : ''}><summary>Change ${u.displayName || u.userName}</summary><div class="panel">
<form method="post" action="${P}/users/${u.id}">${csrfField(chrome.csrf)}
<div class="field${err ? ' field-error' : ''}"><label for="role-${u.id}">Role</label><span class="hint" id="role-${u.id}-hint">A role gives web access; no role means app access only.</span>${err ? html`<span class="error-message" id="role-${u.id}-error">${err.message}</span>` : ''}
<select id="role-${u.id}" name="role" aria-describedby="role-${u.id}-hint${err ? ` role-${u.id}-error` : ''}">${ROLE_OPTIONS.map(([v, l]) => html`<option value="${v}"${v === chosenRole ? raw(' selected') : ''}>${l}</option>`)}</select></div>
<fieldset class="field"><legend>Status</legend>
<div class="choice"><input type="radio" id="active-${u.id}-yes" name="active" value="true"${chosenActive === 'true' ? raw(' checked') : ''}><label for="active-${u.id}-yes">Active</label></div>
<div class="choice"><input type="radio" id="active-${u.id}-no" name="active" value="false"${chosenActive === 'false' ? raw(' checked') : ''}><label for="active-${u.id}-no">Deactivated (cannot sign in)</label></div></fieldset>
<button type="submit">Save changes to ${u.displayName || u.userName}</button></form></div></details>`;
    }
    return html`<tr id="user-${u.id}"><td data-label="Name"><strong>${u.displayName || u.userName}</strong><br><span class="small">${u.email || u.userName}</span></td>
<td data-label="Source">${badge(u.provisioned, o.source)}</td><td data-label="Role">${role || 'None'}</td><td data-label="Access">${role ? 'Web and apps' : 'Apps only'}</td>
<td data-label="Status">${u.active ? 'Active' : html`<strong>Deactivated</strong>`}</td><td data-label="Change">${edit}</td></tr>`;
  });
  return layout(
    'Users',
    html`<h1>Users</h1>${doneBanner(o.done)}
<form method="get" action="${P}/users" role="search" class="filters"><div class="field"><label for="q">Search by name or e-mail</label><input type="search" id="q" name="q" value="${o.q}"></div><div class="field"><button type="submit" class="secondary">Search users</button></div></form>
<p>${o.q ? html`${o.total} ${o.total === 1 ? 'user matches' : 'users match'} “${o.q}”. <a href="${P}/users">Show all users</a>` : html`${o.total} ${o.total === 1 ? 'user' : 'users'}.`} Provisioning is ${o.provisioningOn ? 'on' : 'off'}.</p>
${o.users.length ? html`<div class="table-wrap"><table class="stack"><caption class="visually-hidden">Users</caption><thead><tr><th scope="col">Name</th><th scope="col">Source</th><th scope="col">Role</th><th scope="col">Access</th><th scope="col">Status</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table></div>` : html`<p>No users${o.q ? ' match this search' : ' yet'}.</p>`}
${pager(o.first ? '' : `${P}/users${o.q ? `?q=${encodeURIComponent(o.q)}` : ''}`, o.next ? `${P}/users?${new URLSearchParams({ ...(o.q ? { q: o.q } : {}), after: o.next })}` : '', 'users')}`,
    { ...chrome, current: 'users' },
    errors,
  );
}

function pager(firstHref: string, nextHref: string, what: string): Html {
  if (!firstHref && !nextHref) return html``;
  return html`<nav class="pager" aria-label="Pages of ${what}">${firstHref ? html`<a href="${firstHref}">First page</a>` : ''}${nextHref ? html`<a href="${nextHref}" rel="next">Next page of ${what}</a>` : ''}</nav>`;
}

// ---- teams

export function teamsPage(o: {
  chrome: Chrome;
  teams: Team[];
  next: string;
  first: boolean;
  source: string;
  errors?: FieldError[];
  values?: Record<string, string>;
  open?: string;
  done?: unknown;
}): string {
  const { chrome } = o;
  const errors = o.errors ?? [];
  const values = o.values ?? {};
  const rows = o.teams.map((t) => {
    let change: Html;
    if (chrome.readOnly) change = html`<span class="muted">Read only</span>`;
    else if (!t.editable)
      change = html`<span class="muted">Read-only: provisioned by ${o.source} while provisioning is on. Change its name and members in ${o.source === 'SCIM' ? 'your identity provider' : o.source}.</span>`;
    else
      change = html`<details${o.open === t.id ? raw(' open') : ''}><summary>Change ${t.name}</summary><div class="panel">
<form method="post" action="${P}/teams/${t.id}/name">${csrfField(chrome.csrf)}${textField({ id: `name-${t.id}`, name: 'name', label: 'New name', value: o.open === t.id ? (values[`name-${t.id}`] ?? t.name) : t.name, errors })}<button type="submit">Rename ${t.name}</button></form>
<form method="post" action="${P}/teams/${t.id}/members">${csrfField(chrome.csrf)}${textField({ id: `member-${t.id}`, name: 'email', label: 'Add a member by e-mail or user name', hint: t.provisioned ? 'Only users provisioned by your identity provider can join a provisioned team.' : undefined, value: o.open === t.id ? values[`member-${t.id}`] : '', type: 'text', errors })}<button type="submit">Add member to ${t.name}</button></form></div></details>`;
    return html`<tr id="team-${t.id}"><td data-label="Team"><strong>${t.name}</strong></td><td data-label="Source">${badge(t.provisioned, o.source)}</td><td data-label="Members">${t.memberCount}</td><td data-label="Change">${change}</td></tr>`;
  });
  const create = chrome.readOnly
    ? html``
    : html`<h2>Create a team</h2><form method="post" action="${P}/teams" novalidate>${csrfField(chrome.csrf)}${textField({ id: 'team-name', name: 'name', label: 'Team name', value: values['team-name'] ?? '', errors })}<button type="submit">Create team</button></form>`;
  return layout(
    'Teams',
    html`<h1>Teams</h1>${doneBanner(o.done)}
<p>Groups pushed by your identity provider become teams. Manual teams can have manual and provisioned members; provisioned teams only provisioned ones.</p>
${o.teams.length ? html`<div class="table-wrap"><table class="stack"><caption class="visually-hidden">Teams</caption><thead><tr><th scope="col">Team</th><th scope="col">Source</th><th scope="col">Members</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table></div>` : html`<p>No teams yet.</p>`}
${pager(o.first ? '' : `${P}/teams`, o.next ? `${P}/teams?after=${encodeURIComponent(o.next)}` : '', 'teams')}${create}`,
    { ...chrome, current: 'teams' },
    errors,
  );
}

// ---- activity

/** Who did it, in words: the actor ids of the activity log (setup link, signed-in user, connector, operator). */
export function actorLabel(actor: string): string {
  const [kind, id = ''] = actor.split(/:(.*)/s);
  if (kind === 'setup-link') return `Setup link ${id.slice(-8)}`;
  if (kind === 'user') return `User ${id}`;
  if (kind === 'connector') return 'Identity provider (SCIM)';
  if (kind === 'operator') return 'Platform operator';
  if (kind === 'system') return 'System';
  return actor;
}

export function activityPage(o: {
  chrome: Chrome;
  entries: ActivityEntry[];
  filters: { action: string; since: string; until: string };
  next: string;
  first: boolean;
  errors?: FieldError[];
}): string {
  const { chrome, filters } = o;
  const errors = o.errors ?? [];
  const details = (e: ActivityEntry) => {
    if (!e.detailsJson) return '';
    try {
      const d = JSON.parse(e.detailsJson) as Record<string, unknown>;
      return Object.entries(d)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join('; ');
    } catch {
      return '';
    }
  };
  const rows = o.entries.map(
    (
      e,
    ) => html`<tr><td data-label="Time">${dateTime(e.time)}</td><td data-label="Actor">${actorLabel(e.actor)}</td><td data-label="Action"><code>${e.action}</code></td>
<td data-label="Resource">${e.resourceName || e.resourceId}${e.resourceType ? html` <span class="muted small">(${e.resourceType})</span>` : ''}</td>
<td data-label="Outcome">${e.outcome === 'failure' ? html`<strong class="badge off">Failed</strong>` : html`<span class="badge on">Succeeded</span>`}</td><td data-label="Details" class="small">${details(e)}</td></tr>`,
  );
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const base = `${P}/activity${params.size ? `?${params}` : ''}`;
  return layout(
    'Activity',
    html`<h1>Activity</h1><p>What provisioning, sign-in configuration and this page changed, newest first. Times are UTC.</p>
<form method="get" action="${P}/activity" class="filters" novalidate>
${textField({ id: 'action', label: 'Action', hint: 'Exact, or a prefix ending in a dot: user. group. sso. credentials.', value: filters.action, errors })}
${textField({ id: 'since', label: 'From (UTC)', type: 'datetime-local', value: filters.since, errors })}
${textField({ id: 'until', label: 'Until (UTC)', type: 'datetime-local', value: filters.until, errors })}
<div class="field"><button type="submit" class="secondary">Filter activity</button></div></form>
${o.entries.length ? html`<div class="table-wrap"><table class="stack"><caption class="visually-hidden">Activity</caption><thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead><tbody>${rows}</tbody></table></div>` : html`<p>No activity${params.size ? ' matches these filters' : ' yet'}.</p>`}
${pager(o.first ? '' : base, o.next ? `${base}${params.size ? '&' : '?'}after=${encodeURIComponent(o.next)}` : '', 'activity')}`,
    { ...chrome, current: 'activity' },
    errors,
  );
}

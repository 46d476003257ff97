import { describe, expect, it } from '@jest/globals';
import { html, raw } from '../../src/setup/html.js';
import { actorLabel, usersPage } from '../../src/setup/pages.js';
import { layout, textField } from '../../src/setup/views.js';

const chrome = { orgName: '<Acme & "Co">', who: 'Setup link 1234', readOnly: false, csrf: 'c'.repeat(64) };

describe('setup views: escaping by default', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = `"><script>alert(1)</script>'`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;</p>',
    );
    expect(html`<div>${[html`<b>${'<i>'}</b>`, '<u>']}</div>`.value).toBe('<div><b>&lt;i&gt;</b>&lt;u&gt;</div>');
    expect(html`${raw('<br>')}`.value).toBe('<br>');
    expect(textField({ id: 'x', label: 'Name', value: evil }).value).not.toContain('<script>');
  });

  it('pages carry no inline script or style, and the organization name is escaped', () => {
    const page = layout('Overview', html`<h1>${chrome.orgName}</h1>`, chrome);
    expect(page).not.toMatch(/<script>|<style|style="/);
    expect(page).toContain('&lt;Acme &amp; &quot;Co&quot;&gt;');
    expect(page).not.toContain('<Acme');
  });

  it('a user name from the identity provider cannot inject markup into the users page', () => {
    const user = {
      id: 'u1',
      tenantId: 't',
      userName: '<img src=x onerror=alert(1)>',
      displayName: '<b>Eve</b>',
      email: 'eve@example.com',
      active: true,
      role: 0,
      provisioned: true,
      externalId: '',
      editable: true,
      createdAt: undefined,
      updatedAt: undefined,
    };
    const page = usersPage({
      chrome,
      users: [user],
      total: 1,
      q: '"><script>',
      next: '',
      first: true,
      roleOf: () => '',
      source: 'Okta',
      provisioningOn: false,
    });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<b>Eve</b>');
    expect(page).not.toContain('"><script>');
    expect(page).toContain('Provisioned · Okta');
  });

  it('names the actor of an activity entry in words', () => {
    expect(actorLabel('setup-link:0190abcdef12345678')).toBe('Setup link 12345678');
    expect(actorLabel('connector:c1')).toBe('Identity provider (SCIM)');
    expect(actorLabel('operator')).toBe('Platform operator');
    expect(actorLabel('user:u1')).toBe('User u1');
  });
});

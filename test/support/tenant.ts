/** Creates an organization with the Enterprise Toolkit and a connector on a running system; returns a SCIM client. */
import { http, type RunningSystem } from './system.js';

export interface ScimTenant {
  orgId: string;
  companyId: string;
  connectorId: string;
  baseUrl: string;
  token: string;
  password: string;
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): ReturnType<typeof http>;
  admin(method: string, path: string, body?: unknown): ReturnType<typeof http>;
}

export async function newScimTenant(sys: RunningSystem, name: string, type = 'okta'): Promise<ScimTenant> {
  const admin = (method: string, path: string, body?: unknown) =>
    http(method, `${sys.url}/admin/v1${path}`, { token: sys.adminToken, body, contentType: 'application/json' });
  const org = await admin('POST', '/orgs', { name });
  if (org.status !== 201) throw new Error(`org: ${org.status} ${org.text}`);
  await admin('PUT', `/orgs/${org.json.id}/entitlements/enterprise-toolkit`);
  const c = await admin('POST', `/orgs/${org.json.id}/connectors`, { type });
  if (c.status !== 201) throw new Error(`connector: ${c.status} ${c.text}`);
  const baseUrl = c.json.scim.baseUrl as string;
  const token = c.json.scim.bearerToken as string;
  return {
    orgId: org.json.id,
    companyId: org.json.companyId,
    connectorId: c.json.id,
    baseUrl,
    token,
    password: c.json.scim.basic.password,
    scim: (method, path, body, headers) => http(method, `${baseUrl}${path}`, { token, body, headers }),
    admin: (method, path, body) => admin(method, path.replace('{org}', org.json.id), body),
  };
}

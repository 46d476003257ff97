/**
 * The SCIM base URLs of an organization's connectors, built in one place (admin API, setup pages, SCIM
 * routes): SCIM 2.0 at `/scim/v2/{org}`, SCIM 1.1 (Okta's SCIM 1.1 apps) at `/scim/v1/{org}`. Both take the
 * same credentials.
 */
export interface ScimBaseUrls {
  /** SCIM 2.0 (RFC 7643/7644): Okta's SCIM 2.0 apps, Entra ID, generic clients. */
  baseUrl: string;
  /** SCIM 1.1: Okta's SCIM 1.1 catalog apps ("SCIM 1.1 Header Auth"). */
  v1BaseUrl: string;
}

export function scimBaseUrls(publicUrl: string, tenantId: string): ScimBaseUrls {
  const root = publicUrl.replace(/\/+$/, '');
  return { baseUrl: `${root}/scim/v2/${tenantId}`, v1BaseUrl: `${root}/scim/v1/${tenantId}` };
}

/** Where the Organization Setup pages live; the admin API hands out links to them. */
export const SETUP_BASE = '/setup';

/** The one-time link the operator sends to the customer's admin (the token travels in the query string once). */
export const setupLinkUrl = (publicUrl: string, token: string) =>
  `${publicUrl}${SETUP_BASE}/start?token=${encodeURIComponent(token)}`;

/**
 * Refused SCIM writes in the activity log: what was refused and why (HTTP status, scimType, the error's
 * detail), never the request body — so no password or other value the client sent reaches the log beyond
 * what the detail itself names (attribute names, ids).
 */
import type { TenantId } from '../../../kit/src/store/store.js';
import type { ActivityRepository } from './ports.js';
import type { ScimError } from './scim/scim-error.js';

export type ScimWrite = 'create' | 'replace' | 'patch' | 'delete';

export interface Refusal {
  connectorId: string;
  resourceType: 'User' | 'Group';
  write: ScimWrite;
  resourceId: string;
  /** The userName / displayName the request named, when it named one (see refusedName). */
  resourceName?: string;
  error: ScimError;
  /** Where the write came from when not a plain request, e.g. "bulk". */
  via?: string;
  /** The request id of the call that was refused (its CallContext). */
  requestId: string;
}

export class ScimRefusals {
  constructor(private readonly activity: ActivityRepository) {}

  async record(tenant: TenantId, r: Refusal): Promise<void> {
    await this.activity.record(tenant, {
      actor: `connector:${r.connectorId}`,
      action: `${r.resourceType.toLowerCase()}.${r.write}`,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      resourceName: r.resourceName ?? '',
      outcome: 'failure',
      requestId: r.requestId,
      details: {
        status: r.error.status,
        ...(r.error.scimType ? { scimType: r.error.scimType } : {}),
        reason: r.error.detail,
        ...(r.via ? { via: r.via } : {}),
      },
    });
  }
}

/**
 * The name a refused create or replace was for — the body's `userName` (users) or `displayName` (groups),
 * nothing else of it — so an admin can tell which person or team the IdP could not provision.
 */
export function refusedName(resourceType: 'User' | 'Group', body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return '';
  const wanted = resourceType === 'User' ? 'username' : 'displayname';
  const key = Object.keys(parsed).find((k) => k.toLowerCase() === wanted);
  const v = key === undefined ? undefined : (parsed as Record<string, unknown>)[key];
  return typeof v === 'string' ? v.slice(0, 256) : '';
}

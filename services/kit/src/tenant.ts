import { AppError } from './errors.js';
import { tenantId, type TenantId } from './store/store.js';

/** A tenant id from a request: missing → INVALID_ARGUMENT (a client error, not a crash). */
export function requireTenant(value: string | undefined): TenantId {
  if (!value) throw new AppError('INVALID_ARGUMENT', 'tenant_id is required', 'tenant_required');
  return tenantId(value);
}

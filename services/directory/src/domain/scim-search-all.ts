/**
 * `POST /.search` at the base URL (RFC 7644 §3.4.3): one ListResponse across Users and then Groups, paged as
 * one list (startIndex and count span both). A filter is applied to each resource type; a type whose schema
 * lacks an attribute the filter names contributes nothing (an attribute a resource does not have matches
 * nothing), and a filter neither type can evaluate is refused with the Users error.
 */
import { ScimError } from './scim/scim-error.js';
import type { ListParams } from './scim/list-params.js';
import type { ResourceModel } from './resource-model.js';
import type { ScimContext, ScimService } from './scim-service.js';

export async function searchAll(
  scim: ScimService,
  ctx: ScimContext,
  models: ResourceModel[],
  p: ListParams,
): Promise<{ total: number; startIndex: number; resources: string[] }> {
  const outcomes: Array<{ total: number; resources: string[] } | ScimError> = [];
  let offset = 0;
  let remaining = p.count;
  for (const model of models) {
    // this type's share of the page: its items from (startIndex - offset), at most what is left of count
    const startIndex = Math.max(1, p.startIndex - offset);
    try {
      const r = await scim.list(ctx, model, {
        filter: p.filter ?? '',
        startIndex,
        count: remaining,
        sortBy: p.sortBy ?? '',
        sortOrder: p.sortOrder,
        projection: { attributes: p.attributes, excludedAttributes: p.excludedAttributes },
      });
      outcomes.push({ total: r.total, resources: r.resources });
      offset += r.total;
      remaining = Math.max(0, remaining - r.resources.length);
    } catch (err) {
      if (!(err instanceof ScimError) || err.scimType !== 'invalidFilter') throw err;
      outcomes.push(err);
    }
  }
  const answered = outcomes.filter((o): o is { total: number; resources: string[] } => !(o instanceof ScimError));
  if (!answered.length) throw outcomes[0] as ScimError;
  return {
    total: answered.reduce((n, o) => n + o.total, 0),
    startIndex: p.startIndex,
    resources: answered.flatMap((o) => o.resources),
  };
}

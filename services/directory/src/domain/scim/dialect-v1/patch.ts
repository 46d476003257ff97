/**
 * SCIM 1.1 PATCH (draft-scim-api-01 §3.3.2) → the SCIM 2.0 PatchOp the engine applies. 1.1 PATCH is a partial
 * resource:
 * - `meta.attributes` lists attributes to clear; they are cleared first;
 * - a single-valued attribute (simple or complex) named in the body replaces the current one; complex ones
 *   merge sub-attributes, as 2.0 replace does; `id` equal to the resource's own is accepted (Okta sends it),
 *   another id is 400 mutability; other read-only attributes (`groups`, `meta` but its `attributes`) are ignored;
 * - a multi-valued attribute's entries are added (an entry with the same value, or for emails the same type,
 *   is updated), and entries with `"operation": "delete"` are removed: group members by id, other values by
 *   `value` (and `type` when given), deletes before additions;
 * - extension objects (`urn:scim:schemas:extension:enterprise:1.0`) patch their attributes the same way;
 *   Okta's custom namespaces are replaced whole.
 * An empty PATCH changes nothing (it still answers with the resource).
 */
import { invalidSyntax, invalidValue } from '../scim-error.js';
import { isPlainObject } from '../normalize.js';
import { isForeignExtension } from '../foreign-extensions.js';
import { ENTERPRISE_USER_SCHEMA, eqIgnoreCase, resolveAttributePath, type ResourceSchema } from '../schema.js';
import { PATCH_OP_SCHEMA, type PatchOperation } from '../patch.js';
import type { ScimObject } from '../stored-layout.js';
import { attributeNameFromV1, resourceFromV1, V1_ENTERPRISE_SCHEMA } from './codec.js';

const quote = (v: string) => JSON.stringify(v);

function isDelete(el: unknown): boolean {
  if (!isPlainObject(el)) return false;
  const k = Object.keys(el).find((x) => eqIgnoreCase(x, 'operation'));
  if (k === undefined) return false;
  const op = el[k];
  if (typeof op !== 'string' || op.toLowerCase() !== 'delete')
    throw invalidValue(`"operation" may only be "delete" (got ${JSON.stringify(op)})`);
  return true;
}

function withoutOperation(el: unknown): unknown {
  if (!isPlainObject(el)) return el;
  const out: ScimObject = {};
  for (const [k, v] of Object.entries(el)) if (!eqIgnoreCase(k, 'operation')) out[k] = v;
  return out;
}

const field = (el: ScimObject, name: string) => el[Object.keys(el).find((k) => eqIgnoreCase(k, name)) ?? name];

/** The 2.0 value filter selecting the element a 1.1 delete entry names. */
function deleteSelector(attr: string, el: unknown, i: number): string {
  const e = isPlainObject(el) ? el : { value: el };
  const value = field(e, 'value');
  const type = field(e, 'type');
  const parts: string[] = [];
  if (typeof value === 'string' || typeof value === 'number') parts.push(`value eq ${quote(String(value))}`);
  if (typeof type === 'string' && attr !== 'members') parts.push(`type eq ${quote(type)}`);
  if (!parts.length)
    throw invalidValue(
      `${attr}[${i}]: an entry with "operation": "delete" needs a "value"${attr === 'members' ? ' (the user id)' : ' or a "type"'}`,
    );
  return `${attr}[${parts.join(' and ')}]`;
}

/** A 1.1 PATCH body → a 2.0 PatchOp body for the same resource type. */
export function patchFromV1(rs: ResourceSchema, body: unknown): { schemas: string[]; Operations: PatchOperation[] } {
  if (!isPlainObject(body))
    throw invalidSyntax(`a SCIM 1.1 PATCH body must be a JSON object: the attributes to change`);
  const removes: PatchOperation[] = [];
  const deletes: PatchOperation[] = [];
  const adds: PatchOperation[] = [];
  const replace: ScimObject = {};

  const meta = body[Object.keys(body).find((k) => eqIgnoreCase(k, 'meta')) ?? 'meta'];
  if (isPlainObject(meta)) {
    const attrs = field(meta, 'attributes');
    if (attrs !== undefined && attrs !== null) {
      if (!Array.isArray(attrs) || attrs.some((a) => typeof a !== 'string'))
        throw invalidValue('meta.attributes must be a list of attribute names to clear');
      for (const a of attrs as string[]) removes.push({ op: 'remove', path: attributeNameFromV1(a) });
    }
  }

  const translated = resourceFromV1(rs, { ...body, schemas: [] });
  const visit = (key: string, value: unknown) => {
    if (isForeignExtension(key)) {
      replace[key] = value;
      return;
    }
    const r = resolveAttributePath(rs, key);
    if (!r) return; // unknown attributes are ignored, as in POST and PUT
    if (r.kind === 'extension') {
      if (!isPlainObject(value))
        throw invalidValue(
          `${key === ENTERPRISE_USER_SCHEMA ? V1_ENTERPRISE_SCHEMA : key} must be an object of attributes`,
        );
      for (const [k, v] of Object.entries(value)) visit(`${r.schema.id}:${k}`, v);
      return;
    }
    // read-only attributes are ignored, as in POST and PUT (Okta sends groups: [] back); a foreign id is not
    if (r.attr.mutability === 'readOnly' && !(r.attr.name === 'id' && !r.extension)) return;
    if (r.attr.multiValued && !r.sub && value !== null) {
      const list = Array.isArray(value) ? value : [value];
      const kept: unknown[] = [];
      list.forEach((el, i) => {
        if (isDelete(el)) deletes.push({ op: 'remove', path: deleteSelector(key, el, i) });
        else kept.push(withoutOperation(el));
      });
      if (kept.length) adds.push({ op: 'add', path: key, value: kept });
      return;
    }
    replace[key] = value;
  };
  for (const [key, value] of Object.entries(translated)) if (key !== 'schemas') visit(key, value);

  const ops: PatchOperation[] = [...removes];
  if (Object.keys(replace).length) ops.push({ op: 'replace', value: replace });
  ops.push(...deletes, ...adds);
  if (!ops.length) ops.push({ op: 'replace', value: {} });
  return { schemas: [PATCH_OP_SCHEMA], Operations: ops };
}

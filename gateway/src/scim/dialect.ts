/**
 * What differs between the SCIM 2.0 and SCIM 1.1 base URLs at the HTTP edge: the error body and the
 * ListResponse envelope. Bodies, PATCH and resources are translated by the directory (one engine).
 */
import type { Response } from 'express';
import { ScimDialect } from '../../../proto/gen/directory/v1/directory.js';
import { SCIM_CONTENT_TYPE, sendScimError, type Described } from '../http/errors.js';

export type DialectName = 'v1' | 'v2';

export const V1_CORE_SCHEMA = 'urn:scim:schemas:core:1.0';
const V2_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export const protoDialect = (d: DialectName) =>
  d === 'v1' ? ScimDialect.SCIM_DIALECT_V1 : ScimDialect.SCIM_DIALECT_V2;

/** A SCIM 1.1 error (draft-scim-api-01 §3.9): `{"Errors":[{"description","code"}]}`, code as a string. */
export function sendScimV1Error(res: Response, d: Pick<Described, 'status' | 'message' | 'headers'>) {
  res.status(d.status).set(d.headers).type(SCIM_CONTENT_TYPE);
  res.send(JSON.stringify({ Errors: [{ description: d.message, code: String(d.status) }] }));
}

export function sendDialectError(
  dialect: DialectName,
  res: Response,
  d: Pick<Described, 'status' | 'message' | 'scimType' | 'headers'>,
) {
  if (dialect === 'v1') sendScimV1Error(res, d);
  else sendScimError(res, d);
}

/** The ListResponse of a dialect, around resources already rendered as JSON text. */
export function listResponseJson(
  dialect: DialectName,
  totalResults: number,
  startIndex: number,
  resourcesJson: string[],
): string {
  const schema = dialect === 'v1' ? V1_CORE_SCHEMA : V2_LIST_SCHEMA;
  return `{"schemas":["${schema}"],"totalResults":${totalResults},"itemsPerPage":${resourcesJson.length},"startIndex":${startIndex},"Resources":[${resourcesJson.join(',')}]}`;
}

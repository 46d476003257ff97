import { describe, expect, it } from '@jest/globals';
import {
  discoveryDocument,
  invalidFilter,
  notFound,
  resolveAttributePath,
  resourceTypesDocument,
  schemaDocument,
  schemasDocument,
  ScimError,
  serviceProviderConfig,
  toScimErrorBody,
  tooMany,
  uniqueness,
  preconditionFailed,
  USER_RESOURCE,
  GROUP_RESOURCE,
} from '../../src/domain/scim/index.js';
import { scimErrorOf } from './support.js';

const BASE = 'https://gw.example.com/scim/v2/org1';
type Json = Record<string, any>;

function walk(v: unknown, visit: (key: string, value: unknown) => void) {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      visit(k, x);
      walk(x, visit);
    }
}

describe('/Schemas', () => {
  const doc = schemasDocument(BASE) as unknown as Json;

  it('is a ListResponse of the four schemas', () => {
    expect(doc.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(doc.totalResults).toBe(4);
    expect(doc.itemsPerPage).toBe(4);
    expect(doc.startIndex).toBe(1);
    expect(doc.Resources.map((s: Json) => s.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:extension:platform:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
  });

  it('has no null values and camelCase characteristics (Entra)', () => {
    walk(doc, (k, v) => {
      expect(v).not.toBeNull();
      expect(v).not.toBeUndefined();
      if (k === 'mutability') expect(['readOnly', 'readWrite', 'immutable', 'writeOnly']).toContain(v);
      if (k === 'returned') expect(['always', 'never', 'default', 'request']).toContain(v);
      if (k === 'uniqueness') expect(['none', 'server', 'global']).toContain(v);
    });
  });

  it('describes the attributes the service relies on', () => {
    const user = doc.Resources[0];
    const attr = (s: Json, n: string) => s.attributes.find((a: Json) => a.name === n);
    expect(attr(user, 'userName')).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
      mutability: 'readWrite',
      returned: 'default',
      multiValued: false,
    });
    expect(attr(user, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attr(user, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(attr(user, 'emails').subAttributes.map((a: Json) => a.name)).toEqual([
      'value',
      'display',
      'type',
      'primary',
    ]);
    expect(attr(user, 'emails').subAttributes[2].canonicalValues).toEqual(['work', 'home', 'other']);
    expect(attr(doc.Resources[1], 'manager').subAttributes.map((a: Json) => a.name)).toEqual([
      'value',
      '$ref',
      'displayName',
    ]);
    expect(attr(doc.Resources[2], 'role')).toMatchObject({
      type: 'string',
      canonicalValues: ['ReadOnly', 'User', 'Admin', 'EnterpriseAdmin'],
    });
    expect(attr(doc.Resources[3], 'members').subAttributes.map((a: Json) => a.name)).toEqual([
      'value',
      'display',
      '$ref',
      'type',
    ]);
    expect(doc.Resources[3].meta).toEqual({
      resourceType: 'Schema',
      location: `${BASE}/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`,
    });
  });

  it('lists only attributes that resolve, with and without their URN', () => {
    for (const s of doc.Resources) {
      const rs = s.id.endsWith(':Group') ? GROUP_RESOURCE : USER_RESOURCE;
      for (const a of s.attributes) {
        expect(resolveAttributePath(rs, `${s.id}:${a.name}`)).toMatchObject({
          kind: 'attribute',
          attr: { name: a.name },
        });
        expect(resolveAttributePath(rs, a.name.toUpperCase())).toMatchObject({
          kind: 'attribute',
          attr: { name: a.name },
        });
        for (const sub of a.subAttributes ?? [])
          expect(resolveAttributePath(rs, `${s.id}:${a.name}.${sub.name}`)).toMatchObject({ sub: { name: sub.name } });
      }
    }
  });

  it('serves one schema by id, case-insensitively, and 404 otherwise', () => {
    expect(schemaDocument('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP', BASE).name).toBe('Group');
    const err = scimErrorOf(() => schemaDocument('urn:nope', BASE));
    expect(err.status).toBe(404);
  });
});

describe('/ResourceTypes', () => {
  it('lists User with both extensions and Group', () => {
    const doc = resourceTypesDocument(BASE) as unknown as Json;
    expect(doc.totalResults).toBe(2);
    expect(doc.Resources[0]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [
        { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
        { schema: 'urn:ietf:params:scim:schemas:extension:platform:2.0:User', required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
    expect(doc.Resources[1]).toMatchObject({
      id: 'Group',
      endpoint: '/Groups',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:Group',
    });
    expect(doc.Resources[1]).not.toHaveProperty('schemaExtensions');
  });
});

describe('/ServiceProviderConfig', () => {
  it('advertises exactly what works', () => {
    const spc = serviceProviderConfig({
      baseUrl: BASE,
      maxResults: 200,
      documentationUri: 'https://docs.example.com/scim',
      maxPayloadSize: 1048576,
    });
    expect(spc).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: 'https://docs.example.com/scim',
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
    const schemes = spc.authenticationSchemes as Json[];
    expect(schemes.map((s) => s.type)).toEqual(['oauthbearertoken', 'httpbasic']);
    for (const s of schemes)
      expect(s).toMatchObject({
        name: expect.any(String),
        description: expect.any(String),
        specUri: expect.stringMatching(/^https:/),
        documentationUri: 'https://docs.example.com/scim',
      });
    walk(serviceProviderConfig({ baseUrl: BASE, maxResults: 1 }), (_k, v) => expect(v).not.toBeUndefined());
  });

  it('is served by discoveryDocument, with the other endpoints', () => {
    const o = { baseUrl: BASE, maxResults: 100 };
    expect(discoveryDocument('ServiceProviderConfig', '', o)).toHaveProperty('patch');
    expect(discoveryDocument('Schemas', '', o)).toHaveProperty('totalResults', 4);
    expect(discoveryDocument('ResourceTypes', 'group', o)).toHaveProperty('id', 'Group');
    expect(scimErrorOf(() => discoveryDocument('ResourceTypes', 'Device', o)).status).toBe(404);
    expect(scimErrorOf(() => discoveryDocument('Bulk', '', o)).status).toBe(404);
  });
});

describe('errors', () => {
  it('render with status as a string and scimType when the RFC has one', () => {
    expect(toScimErrorBody(notFound('User 42 not found'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'User 42 not found',
    });
    expect(toScimErrorBody(invalidFilter('bad'))).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    });
    expect([uniqueness('x').status, uniqueness('x').scimType]).toEqual([409, 'uniqueness']);
    expect([tooMany('x').status, tooMany('x').scimType]).toEqual([400, 'tooMany']);
    expect(preconditionFailed('x').status).toBe(412);
    expect(new ScimError(400, 'x')).toBeInstanceOf(Error);
  });
});

describe('/Schemas tells the truth (issue 17)', () => {
  const userSchema = () =>
    schemaDocument('urn:ietf:params:scim:schemas:core:2.0:User', 'https://x') as {
      attributes: Array<Record<string, unknown>>;
    };
  const attr = (name: string) =>
    userSchema().attributes.find((a) => a.name === name) as { subAttributes: Array<Record<string, unknown>> } & Record<
      string,
      unknown
    >;
  const sub = (name: string, s: string) => attr(name).subAttributes.find((a) => a.name === s)!;

  it('declares emails.value required: an email without a value is no email', () => {
    expect(attr('emails').required).toBe(true);
    expect(sub('emails', 'value').required).toBe(true);
  });

  it('declares the role values roles.value accepts', () => {
    expect(sub('roles', 'value').canonicalValues).toEqual(['ReadOnly', 'User', 'Admin', 'EnterpriseAdmin']);
  });

  it('declares manager.$ref read-only (it is built from manager.value)', () => {
    const ent = schemaDocument('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'https://x') as {
      attributes: Array<{ name: string; subAttributes?: Array<Record<string, unknown>> }>;
    };
    expect(
      ent.attributes.find((a) => a.name === 'manager')!.subAttributes!.find((s) => s.name === '$ref'),
    ).toMatchObject({ mutability: 'readOnly' });
  });

  it('advertises Bulk with its limits when offered', () => {
    expect(
      serviceProviderConfig({ baseUrl: 'https://x', maxResults: 100, maxPayloadSize: 2048, maxOperations: 50 }).bulk,
    ).toEqual({ supported: true, maxOperations: 50, maxPayloadSize: 2048 });
  });
});

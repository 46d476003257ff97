import { describe, expect, it } from '@jest/globals';
import {
  parseListParams,
  parseSearchRequest,
  parseSortOrder,
  SEARCH_REQUEST_SCHEMA,
} from '../../src/domain/scim/index.js';
import { scimErrorOf } from './support.js';

const o = { defaultPageSize: 100, maxPageSize: 200 };

describe('list parameters', () => {
  it("reads Okta's paging and filter", () => {
    expect(parseListParams({ filter: 'userName eq "a"', startIndex: '1', count: '100' }, o)).toEqual({
      filter: 'userName eq "a"',
      startIndex: 1,
      count: 100,
      sortOrder: 'ascending',
      attributes: [],
      excludedAttributes: [],
    });
  });

  it('applies defaults and clamps', () => {
    expect(parseListParams({}, o)).toMatchObject({ startIndex: 1, count: 100 });
    expect(parseListParams({ startIndex: '0', count: '-5' }, o)).toMatchObject({ startIndex: 1, count: 0 });
    expect(parseListParams({ startIndex: -3, count: 5000 }, o)).toMatchObject({ startIndex: 1, count: 200 });
    expect(parseListParams({ startIndex: '', count: '' }, o)).toMatchObject({ startIndex: 1, count: 100 });
    expect(parseListParams({ count: '0' }, o)).toMatchObject({ count: 0 });
    expect(parseListParams({ startIndex: '99999999999999999999' }, o).startIndex).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseListParams({}, { defaultPageSize: 500, maxPageSize: 200 }).count).toBe(200);
  });

  it('refuses non-integers with invalidValue', () => {
    for (const p of [
      { startIndex: '1.5' },
      { startIndex: 'abc' },
      { count: '10x' },
      { count: 2.5 },
      { count: true },
      { startIndex: ['1', '2'] },
    ]) {
      const err = scimErrorOf(() => parseListParams(p, o));
      expect(err.status).toBe(400);
      expect(err.scimType).toBe('invalidValue');
    }
  });

  it('reads sortBy and sortOrder in any case', () => {
    expect(parseListParams({ sortBy: ' userName ', sortOrder: 'DESCENDING' }, o)).toMatchObject({
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    expect(parseSortOrder(undefined)).toBe('ascending');
    expect(scimErrorOf(() => parseListParams({ sortOrder: 'down' }, o)).detail).toBe(
      'sortOrder must be "ascending" or "descending" (got "down")',
    );
  });

  it('splits attribute lists and takes parameter names in any case', () => {
    expect(
      parseListParams({ ATTRIBUTES: 'userName, emails.value,,', excludedattributes: ['members', 'meta,groups'] }, o),
    ).toMatchObject({
      attributes: ['userName', 'emails.value'],
      excludedAttributes: ['members', 'meta', 'groups'],
    });
  });

  it('treats a blank filter as none and refuses a non-string one', () => {
    expect(parseListParams({ filter: '  ' }, o)).not.toHaveProperty('filter');
    expect(scimErrorOf(() => parseListParams({ filter: 5 }, o)).scimType).toBe('invalidFilter');
  });
});

describe('.search bodies', () => {
  it('reads a SearchRequest', () => {
    expect(
      parseSearchRequest(
        {
          schemas: [SEARCH_REQUEST_SCHEMA],
          attributes: ['displayName', 'userName'],
          excludedAttributes: ['emails'],
          filter: 'displayName sw "smith"',
          startIndex: 1,
          count: 10,
          sortBy: 'userName',
          sortOrder: 'ascending',
        },
        o,
      ),
    ).toEqual({
      filter: 'displayName sw "smith"',
      startIndex: 1,
      count: 10,
      sortBy: 'userName',
      sortOrder: 'ascending',
      attributes: ['displayName', 'userName'],
      excludedAttributes: ['emails'],
    });
  });

  it('requires the SearchRequest schema and an object', () => {
    expect(scimErrorOf(() => parseSearchRequest({ filter: 'x pr' }, o)).detail).toMatch(
      /must list the schema urn:ietf:params:scim:api:messages:2.0:SearchRequest/,
    );
    expect(scimErrorOf(() => parseSearchRequest([], o)).scimType).toBe('invalidSyntax');
  });
});

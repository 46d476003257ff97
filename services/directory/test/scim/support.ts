/** Shared fixtures for the SCIM domain tests: stored documents built through the real validation and codec. */
import fc from 'fast-check';
import { Query } from 'mingo';
import { compileFilter as kitCompile } from '../../../kit/src/store/mingo-filter.js';
import {
  groupToStored,
  userToStored,
  validateGroup,
  validateUser,
  type MongoFilter,
  ScimError,
} from '../../src/domain/scim/index.js';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PLATFORM = 'urn:ietf:params:scim:schemas:extension:platform:2.0:User';

export type StoredDoc = Record<string, unknown> & { _id: string };

export function storedUser(
  body: Record<string, unknown>,
  id: string,
  created = '2024-01-01T00:00:00Z',
  version = 1,
): StoredDoc {
  const fields = userToStored(validateUser(body));
  return {
    ...fields,
    _id: id,
    tenantId: 't1',
    meta: { created: new Date(created), lastModified: new Date(created), version },
    provisioned: true,
  };
}

export function storedGroup(body: Record<string, unknown>, id: string, created = '2024-01-01T00:00:00Z'): StoredDoc {
  const fields = groupToStored(validateGroup(body));
  return {
    ...fields,
    _id: id,
    tenantId: 't1',
    meta: { created: new Date(created), lastModified: new Date(created), version: 1 },
    provisioned: true,
  };
}

export const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'Given', familyName: 'Family' },
  emails: [{ value: userName.includes('@') ? userName : `${userName}@example.com`, type: 'work', primary: true }],
  active: true,
  ...extra,
});

export const ada = storedUser(
  {
    userName: 'Ada@Example.com',
    externalId: 'ExT-1',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'Ada@Example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ],
    title: 'Countess',
    active: true,
    [ENTERPRISE]: { department: 'Math', employeeNumber: '42', manager: 'boss1' },
  },
  'u-ada',
  '2024-05-01T00:00:00Z',
);
export const bob = storedUser(
  {
    userName: 'bob@example.com',
    name: { givenName: 'Bob', familyName: 'Builder' },
    emails: [{ value: 'bob@example.com', type: 'work' }],
    title: 'Boss\n',
    active: 'False',
    roles: [{ value: 'Admin', primary: 'True' }],
  },
  'u-bob',
  '2010-01-01T00:00:00Z',
);
export const cyd = storedUser(
  {
    userName: 'cyd',
    externalId: 'ext-1',
    name: { givenName: 'Cyd', familyName: 'Charisse' },
    emails: [{ value: 'CYD@X.ORG' }],
    [PLATFORM]: { role: 'EnterpriseAdmin' },
  },
  'u-cyd',
  '2020-01-01T00:00:00Z',
);
export const USERS = [ada, bob, cyd];

/** Evaluates a filter with mingo and with the embedded store's query engine; both must agree. */
export function matching(filter: MongoFilter, docs: StoredDoc[] = USERS): string[] {
  const plain = new Query(filter);
  const kit = kitCompile(filter);
  const a = docs.filter((d) => plain.test(d)).map((d) => d._id);
  const b = docs.filter((d) => kit.test(d)).map((d) => d._id);
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(
      `mingo and the store engine disagree on ${JSON.stringify(filter)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
    );
  return a;
}

/** Runs `f` and returns the ScimError it throws (fails if it throws anything else or nothing). */
export function scimErrorOf(f: () => unknown): ScimError {
  try {
    f();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

export async function scimErrorOfAsync(f: () => Promise<unknown>): Promise<ScimError> {
  try {
    await f();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

/** Random text for the never-another-error properties: raw strings and soups of filter tokens. */
const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '"',
  '"x"',
  '"\\"',
  '\\',
  'and',
  'or',
  'not',
  'NOT',
  'eq',
  'ne',
  'co',
  'sw',
  'pr',
  'gt',
  'userName',
  'emails',
  'name.givenName',
  '.value',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
  'true',
  'null',
  'True',
  '1',
  '-0.5e3',
  '1e999',
  ' ',
  '\t',
  '.',
  ':',
  '$ref',
  'members',
  '\u0000',
  '😀',
];

export const filterSoup = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((t) => t.join(' ')),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }).map((t) => t.join('')),
);

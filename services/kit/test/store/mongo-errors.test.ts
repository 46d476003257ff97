import { beforeAll, describe, expect, it } from '@jest/globals';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { loadMongoDriver, mapMongoError } from '../../src/store/mongo-store.js';
import { DuplicateKeyError } from '../../src/store/store.js';

const E11000 =
  'E11000 duplicate key error collection: db.users index: tenant_userName dup key: { tenantId: "t1", userNameLower: "a" }';

describe('mapMongoError', () => {
  beforeAll(async () => {
    await loadMongoDriver();
  });

  it('turns E11000 into DuplicateKeyError naming the index', () => {
    const mapped = mapMongoError(new MongoServerError({ message: E11000, errmsg: E11000, code: 11000 }), 'users');
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect(mapped).toMatchObject({ collection: 'users', index: 'tenant_userName' });
  });

  it('looks inside bulk write errors', () => {
    const writeError = { code: 11000, errmsg: E11000.replace('tenant_userName', '_id_'), index: 1 };
    const err = new MongoBulkWriteError(
      { message: 'bulk', code: 11000, writeErrors: [writeError as never] },
      {} as never,
    );
    expect(mapMongoError(err, 'users')).toMatchObject({ name: 'DuplicateKeyError', index: '_id_' });
  });

  it('leaves other errors alone', () => {
    const other = new MongoServerError({ message: 'immutable', code: 66 });
    expect(mapMongoError(other, 'users')).toBe(other);
    const plain = new Error('x');
    expect(mapMongoError(plain, 'users')).toBe(plain);
  });
});

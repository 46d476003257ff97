/**
 * The behaviour every DocumentStore adapter must share, run against the embedded store always and against
 * MongoDB when MONGODB_URI is set (store-contract.test.ts). Expectations are MongoDB's documented semantics.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DuplicateKeyError,
  type Collection,
  type CollectionSpec,
  type Doc,
  type DocumentStore,
  type Filter,
} from '../../src/store/store.js';

export interface StoreUnderTest {
  store: DocumentStore;
  /** bulkWrite is all-or-none (embedded; MongoDB with transactions). */
  atomicBulkWrite: boolean;
  destroy(): Promise<void>;
}

type User = Doc & {
  tenantId: string;
  userName: string;
  userNameLower: string;
  age?: number;
  active: boolean;
  groups?: string[];
  emails: { value: string; valueLower: string; type: string; primary: boolean; labels?: string | string[] }[];
  nick?: string | null;
  createdAt: Date;
};

export const USERS: CollectionSpec = {
  name: 'users',
  indexes: [
    { name: 'tenant_userName', keys: { tenantId: 1, userNameLower: 1 }, unique: true },
    { name: 'tenant_email', keys: { tenantId: 1, 'emails.valueLower': 1 }, unique: true },
    { name: 'tenant_groups', keys: { tenantId: 1, groups: 1 } },
  ],
};

const email = (value: string, type: string, primary: boolean, labels?: string | string[]) => ({
  value,
  valueLower: value.toLowerCase(),
  type,
  primary,
  ...(labels && { labels }),
});

function fixture(): User[] {
  return [
    {
      _id: 'u1',
      tenantId: 't1',
      userName: 'Alice',
      userNameLower: 'alice',
      age: 31,
      active: true,
      groups: ['g1', 'g2'],
      emails: [email('Alice@x.io', 'work', true)],
      nick: 'al',
      createdAt: new Date('2024-01-01T00:00:00Z'),
    },
    {
      _id: 'u2',
      tenantId: 't1',
      userName: 'bob',
      userNameLower: 'bob',
      age: 25,
      active: false,
      groups: ['g2'],
      emails: [email('bob@x.io', 'home', true, ['x', 'y']), email('bob@work.io', 'work', false, 'z')],
      nick: null,
      createdAt: new Date('2024-02-01T00:00:00Z'),
    },
    {
      _id: 'u3',
      tenantId: 't1',
      userName: 'Carol',
      userNameLower: 'carol',
      age: 40,
      active: true,
      groups: [],
      emails: [email('carol@x.io', 'work', false)],
      createdAt: new Date('2024-03-01T00:00:00Z'),
    },
    {
      _id: 'u4',
      tenantId: 't1',
      userName: 'dave',
      userNameLower: 'dave',
      active: true,
      emails: [email('dave@x.io', 'home', true)],
      nick: 'd',
      createdAt: new Date('2024-04-01T00:00:00Z'),
    },
    {
      _id: 'u5',
      tenantId: 't2',
      userName: 'alice',
      userNameLower: 'alice',
      age: 19,
      active: true,
      groups: ['g1'],
      emails: [email('alice@x.io', 'work', true)],
      createdAt: new Date('2024-05-01T00:00:00Z'),
    },
  ];
}

const ids = (docs: Doc[]) => docs.map((d) => d._id);

const QUERIES: [string, Filter, string[]][] = [
  ['literal equality', { tenantId: 't1', age: 31 }, ['u1']],
  ['$eq', { age: { $eq: 25 } }, ['u2']],
  ['$ne', { tenantId: 't1', active: { $ne: true } }, ['u2']],
  ['$in', { userNameLower: { $in: ['alice', 'carol'] } }, ['u1', 'u3', 'u5']],
  ['$nin', { tenantId: 't1', userNameLower: { $nin: ['alice', 'bob'] } }, ['u3', 'u4']],
  ['$gt', { age: { $gt: 25 } }, ['u1', 'u3']],
  ['$gte', { age: { $gte: 25 } }, ['u1', 'u2', 'u3']],
  ['$lt', { age: { $lt: 31 } }, ['u2', 'u5']],
  ['$lte', { age: { $lte: 31 } }, ['u1', 'u2', 'u5']],
  ['$gt and $lt together', { age: { $gt: 19, $lt: 40 } }, ['u1', 'u2']],
  ['$exists: false', { age: { $exists: false } }, ['u4']],
  ['$exists: true matches null', { nick: { $exists: true } }, ['u1', 'u2', 'u4']],
  ['null matches null and missing', { nick: null }, ['u2', 'u3', 'u5']],
  ['$ne: null excludes null and missing', { nick: { $ne: null } }, ['u1', 'u4']],
  ['$ne matches missing', { nick: { $ne: 'al' } }, ['u2', 'u3', 'u4', 'u5']],
  ['$regex with $options i', { userName: { $regex: '^al', $options: 'i' } }, ['u1', 'u5']],
  ['$regex is case-sensitive by default', { userName: { $regex: '^al' } }, ['u5']],
  ['$and', { $and: [{ tenantId: 't1' }, { active: true }] }, ['u1', 'u3', 'u4']],
  ['$or', { tenantId: 't1', $or: [{ age: { $lt: 30 } }, { groups: 'g1' }] }, ['u1', 'u2']],
  ['$nor', { $nor: [{ active: true }, { age: { $lt: 20 } }] }, ['u2']],
  ['$not matches missing', { age: { $not: { $gt: 30 } } }, ['u2', 'u4', 'u5']],
  ['$elemMatch', { tenantId: 't1', emails: { $elemMatch: { type: 'work', primary: true } } }, ['u1']],
  ['dotted path into an array', { 'emails.type': 'home' }, ['u2', 'u4']],
  [
    'dotted paths match different elements',
    { tenantId: 't1', 'emails.type': 'work', 'emails.primary': true },
    ['u1', 'u2'],
  ],
  ['array contains', { groups: 'g2' }, ['u1', 'u2']],
  ['$in on an array', { tenantId: 't2', groups: { $in: ['g1'] } }, ['u5']],
  ['$size', { groups: { $size: 0 } }, ['u3']],
  ['dates compare', { createdAt: { $gte: new Date('2024-03-01T00:00:00Z') } }, ['u3', 'u4', 'u5']],
  ['multikey index path', { 'emails.valueLower': 'alice@x.io' }, ['u1', 'u5']],
  ['tenant + multikey', { tenantId: 't1', 'emails.valueLower': 'bob@work.io' }, ['u2']],
  [
    '$in on an indexed path with residual',
    { tenantId: 't1', userNameLower: { $in: ['alice', 'bob', 'zed'] }, active: true },
    ['u1'],
  ],
  ['$in through subdocuments into an array', { 'emails.labels': { $in: ['y'] } }, ['u2']],
  ['$nin through subdocuments into an array', { 'emails.labels': { $nin: ['y'] } }, ['u1', 'u3', 'u4', 'u5']],
  ['$in with null matches missing', { tenantId: 't1', age: { $in: [null, 25] } }, ['u2', 'u4']],
  ['$in with a regular expression', { userNameLower: { $in: [/^car/, 'dave'] } }, ['u3', 'u4']],
  ['nothing matches', { tenantId: 't3' }, []],
];

export function runStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let users: Collection<User>;

    beforeEach(async () => {
      sut = await makeStore();
      users = await sut.store.collection<User>(USERS);
    });
    afterEach(async () => {
      await sut.destroy();
    });

    const seed = async () => {
      for (const u of fixture()) await users.insertOne(u);
    };

    describe('CRUD', () => {
      it('inserts, finds, updates and deletes', async () => {
        await seed();
        expect(await users.findOne({ _id: 'u1' })).toEqual(fixture()[0]);
        expect(await users.countDocuments({ tenantId: 't1' })).toBe(4);
        expect(await users.updateOne({ _id: 'u1' }, { $set: { nick: 'ally' } })).toEqual({ matched: 1, modified: 1 });
        expect((await users.findOne({ _id: 'u1' }))?.nick).toBe('ally');
        expect(await users.updateOne({ _id: 'nope' }, { $set: { nick: 'x' } })).toEqual({ matched: 0, modified: 0 });
        expect(await users.deleteOne({ _id: 'u1' })).toBe(1);
        expect(await users.findOne({ _id: 'u1' })).toBeNull();
        expect(await users.deleteMany({ tenantId: 't1' })).toBe(3);
        expect(ids(await users.find({}))).toEqual(['u5']);
        expect(await users.deleteMany({ tenantId: 't1' })).toBe(0);
      });

      it('returns copies: changing a result or the inserted object changes nothing stored', async () => {
        const doc = fixture()[0];
        await users.insertOne(doc);
        doc.emails[0].value = 'changed';
        const found = (await users.findOne({ _id: 'u1' }))!;
        expect(found.emails[0].value).toBe('Alice@x.io');
        found.emails.push(email('x@y.z', 'work', false));
        found.groups!.length = 0;
        (await users.find({ _id: 'u1' }))[0].emails.length = 0;
        expect(await users.findOne({ _id: 'u1' })).toEqual(fixture()[0]);
      });

      it('keeps Dates as Dates', async () => {
        await seed();
        const found = await users.findOne({ _id: 'u2' });
        expect(found?.createdAt).toBeInstanceOf(Date);
        expect(found?.createdAt.toISOString()).toBe('2024-02-01T00:00:00.000Z');
      });

      it('updates with $unset, $inc, $push, $pull and $addToSet', async () => {
        await seed();
        await users.updateOne({ _id: 'u1' }, { $unset: { nick: '' }, $inc: { age: 2 }, $push: { groups: 'g3' } });
        await users.updateOne({ _id: 'u1' }, { $pull: { groups: 'g1' } });
        await users.updateOne({ _id: 'u1' }, { $addToSet: { groups: 'g2' } });
        const u1 = await users.findOne({ _id: 'u1' });
        expect(u1).not.toHaveProperty('nick');
        expect(u1?.age).toBe(33);
        expect(u1?.groups).toEqual(['g2', 'g3']);
        expect(await users.updateOne({ _id: 'u1' }, { $addToSet: { groups: 'g2' } })).toEqual({
          matched: 1,
          modified: 0,
        });
      });

      it('counts matched and modified documents in updateMany', async () => {
        await seed();
        expect(await users.updateMany({ tenantId: 't1' }, { $set: { active: true } })).toEqual({
          matched: 4,
          modified: 1,
        });
        expect(await users.countDocuments({ active: true })).toBe(5);
      });

      it('refuses updates MongoDB refuses', async () => {
        await seed();
        await expect(users.updateOne({ _id: 'u1' }, { nick: 'replacement' })).rejects.toThrow();
        await expect(users.updateOne({ _id: 'u1' }, { $inc: { userName: 1 } })).rejects.toThrow();
        await expect(users.updateOne({ _id: 'u1' }, { $set: { age: 1 }, $inc: { age: 1 } })).rejects.toThrow();
        await expect(users.updateOne({ _id: 'u1' }, { $set: { _id: 'other' } })).rejects.toThrow();
        expect(await users.findOne({ _id: 'u1' })).toEqual(fixture()[0]);
      });
    });

    describe('queries', () => {
      it.each(QUERIES)('%s', async (_label, filter, expected) => {
        await seed();
        expect(ids(await users.find(filter, { sort: { _id: 1 } }))).toEqual(expected);
        expect(await users.countDocuments(filter)).toBe(expected.length);
      });
    });

    describe('sort, skip, limit, projection', () => {
      beforeEach(seed);

      it('sorts missing fields first ascending and last descending', async () => {
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { age: 1, _id: 1 } }))).toEqual([
          'u4',
          'u2',
          'u1',
          'u3',
        ]);
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { age: -1, _id: 1 } }))).toEqual([
          'u3',
          'u1',
          'u2',
          'u4',
        ]);
      });

      it('skips and limits after sorting', async () => {
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { userNameLower: 1 }, skip: 1, limit: 2 }))).toEqual([
          'u2',
          'u3',
        ]);
        expect(ids(await users.find({}, { sort: { _id: -1 }, limit: 2 }))).toEqual(['u5', 'u4']);
        expect(ids(await users.find({}, { sort: { _id: 1 }, skip: 3 }))).toEqual(['u4', 'u5']);
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { _id: -1 }, skip: 1, limit: 2 }))).toEqual([
          'u3',
          'u2',
        ]);
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { _id: 1 }, skip: 10 }))).toEqual([]);
        expect(ids(await users.find({ _id: { $gt: 'u2' } }, { sort: { _id: 1 }, limit: 2 }))).toEqual(['u3', 'u4']);
        expect(ids(await users.find({ tenantId: 't1', _id: { $lt: 'u4' } }, { sort: { _id: -1 }, limit: 2 }))).toEqual([
          'u3',
          'u2',
        ]);
      });

      it('findOne honours sort', async () => {
        expect((await users.findOne({ tenantId: 't1' }, { sort: { age: -1 } }))?._id).toBe('u3');
      });

      it('projects included and excluded fields', async () => {
        expect(await users.findOne({ _id: 'u1' }, { projection: { userName: 1 } })).toEqual({
          _id: 'u1',
          userName: 'Alice',
        });
        expect(await users.findOne({ _id: 'u1' }, { projection: { _id: 0, userName: 1, age: 1 } })).toEqual({
          userName: 'Alice',
          age: 31,
        });
        expect(await users.findOne({ _id: 'u1' }, { projection: { 'emails.value': 1 } })).toEqual({
          _id: 'u1',
          emails: [{ value: 'Alice@x.io' }],
        });
        const excluded = await users.findOne({ _id: 'u1' }, { projection: { emails: 0, groups: 0 } });
        expect(excluded).not.toHaveProperty('emails');
        expect(excluded).toHaveProperty('userName', 'Alice');
        expect(await users.find({ tenantId: 't1' }, { sort: { _id: 1 }, limit: 2, projection: { _id: 1 } })).toEqual([
          { _id: 'u1' },
          { _id: 'u2' },
        ]);
      });
    });

    describe('unique indexes', () => {
      beforeEach(seed);

      const expectDuplicate = async (p: Promise<unknown>, index: string) => {
        const err = await p.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect(err).toMatchObject({ collection: 'users', index });
      };

      it('refuses a duplicate on insert and writes nothing', async () => {
        await expectDuplicate(
          users.insertOne({ ...fixture()[0], _id: 'u9', emails: [email('new@x.io', 'work', true)] }),
          'tenant_userName',
        );
        await expectDuplicate(users.insertOne({ ...fixture()[0] }), '_id_');
        expect(await users.countDocuments({})).toBe(5);
      });

      it('enforces multikey unique keys across documents, not within one', async () => {
        await expectDuplicate(
          users.insertOne({
            ...fixture()[0],
            _id: 'u9',
            userNameLower: 'new',
            emails: [email('new@x.io', 'work', true), email('BOB@x.io', 'home', false)],
          }),
          'tenant_email',
        );
        await users.insertOne({
          ...fixture()[0],
          _id: 'u9',
          userNameLower: 'new',
          emails: [email('new@x.io', 'work', true), email('NEW@x.io', 'home', false)],
        });
        await users.insertOne({ ...fixture()[1], _id: 'u10', tenantId: 't2' }); // other tenant: same keys allowed
        expect(await users.countDocuments({})).toBe(7);
      });

      it('indexes a missing field as null: two documents without it collide', async () => {
        await users.insertOne({
          _id: 'n1',
          tenantId: 't3',
          userName: 'n1',
          userNameLower: 'n1',
          active: true,
          createdAt: new Date(),
        } as unknown as User);
        await expectDuplicate(
          users.insertOne({
            _id: 'n2',
            tenantId: 't3',
            userName: 'n2',
            userNameLower: 'n2',
            active: true,
            createdAt: new Date(),
          } as unknown as User),
          'tenant_email',
        );
      });

      it('refuses a duplicate on update and leaves the document unchanged', async () => {
        await expectDuplicate(users.updateOne({ _id: 'u2' }, { $set: { userNameLower: 'alice' } }), 'tenant_userName');
        await expectDuplicate(
          users.findOneAndUpdate({ _id: 'u2' }, { $push: { emails: email('carol@x.io', 'other', false) } }),
          'tenant_email',
        );
        expect(await users.find({}, { sort: { _id: 1 } })).toEqual(fixture());
      });

      it('refuses a duplicate in updateMany (MongoDB keeps the documents updated before the failure)', async () => {
        await expectDuplicate(
          users.updateMany({ tenantId: 't1' }, { $set: { userNameLower: 'same' } }),
          'tenant_userName',
        );
      });

      it('refuses a duplicate on upsert', async () => {
        await expectDuplicate(
          users.updateOne(
            { tenantId: 't1', userNameLower: 'erin' },
            { $setOnInsert: { emails: [email('alice@x.io', 'work', true)], active: true } },
            { upsert: true },
          ),
          'tenant_email',
        );
        expect(await users.countDocuments({})).toBe(5);
      });

      it('bulkWrite with a violation', async () => {
        const ops = [
          { updateOne: { filter: { _id: 'u1' }, update: { $set: { nick: 'first' } } } },
          {
            insertOne: {
              document: { ...fixture()[0], _id: 'u9', userNameLower: 'zed', emails: [email('zed@x.io', 'work', true)] },
            },
          },
          {
            insertOne: {
              document: {
                ...fixture()[0],
                _id: 'u10',
                userNameLower: 'bob',
                emails: [email('other@x.io', 'work', true)],
              },
            },
          },
          { deleteOne: { filter: { _id: 'u3' } } },
        ];
        await expectDuplicate(users.bulkWrite(ops), 'tenant_userName');
        if (sut.atomicBulkWrite) {
          expect(await users.find({}, { sort: { _id: 1 } })).toEqual(fixture());
        } else {
          // an ordered bulk write without a transaction keeps what ran before the failure
          expect((await users.findOne({ _id: 'u1' }))?.nick).toBe('first');
          expect(await users.findOne({ _id: 'u9' })).not.toBeNull();
          expect(await users.findOne({ _id: 'u3' })).not.toBeNull();
        }
      });

      it('allows swapping unique values inside one bulkWrite', async () => {
        await users.bulkWrite([
          { updateOne: { filter: { _id: 'u1' }, update: { $set: { userNameLower: 'tmp' } } } },
          { updateOne: { filter: { _id: 'u2' }, update: { $set: { userNameLower: 'alice' } } } },
          { updateOne: { filter: { _id: 'u1' }, update: { $set: { userNameLower: 'bob' } } } },
        ]);
        expect((await users.findOne({ tenantId: 't1', userNameLower: 'bob' }))?._id).toBe('u1');
        expect((await users.findOne({ tenantId: 't1', userNameLower: 'alice' }))?._id).toBe('u2');
        expect(await users.findOne({ tenantId: 't1', userNameLower: 'tmp' })).toBeNull();
      });
    });

    describe('atomicity and upsert', () => {
      it('applies concurrent $inc without losing any', async () => {
        await users.insertOne({ ...fixture()[0], counter: 0 });
        await Promise.all(Array.from({ length: 50 }, () => users.updateOne({ _id: 'u1' }, { $inc: { counter: 1 } })));
        expect((await users.findOne({ _id: 'u1' }))?.counter).toBe(50);
        const seen = await Promise.all(
          Array.from(
            { length: 20 },
            async () =>
              (await users.findOneAndUpdate({ _id: 'u1' }, { $inc: { counter: 1 } }, { returnDocument: 'after' }))
                ?.counter,
          ),
        );
        expect([...seen].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => 51 + i));
      });

      it('upserts with the filter equalities and $setOnInsert, only on insert', async () => {
        const filter = { _id: 'up1', tenantId: 't1' };
        const update = {
          $set: { active: true },
          $setOnInsert: {
            userName: 'Up',
            userNameLower: 'up',
            emails: [],
            createdAt: new Date('2024-06-01T00:00:00Z'),
          },
        };
        expect(await users.updateOne(filter, update, { upsert: true })).toEqual({
          matched: 0,
          modified: 0,
          upsertedId: 'up1',
        });
        expect(await users.findOne({ _id: 'up1' })).toEqual({
          _id: 'up1',
          tenantId: 't1',
          active: true,
          userName: 'Up',
          userNameLower: 'up',
          emails: [],
          createdAt: new Date('2024-06-01T00:00:00Z'),
        });
        expect(
          await users.updateOne(
            filter,
            { ...update, $setOnInsert: { userName: 'Ignored' }, $set: { active: false } },
            { upsert: true },
          ),
        ).toEqual({ matched: 1, modified: 1 });
        expect(await users.findOne({ _id: 'up1' })).toMatchObject({ userName: 'Up', active: false });
      });

      it('gives an upserted document a string id when the filter has none', async () => {
        const r = await users.updateOne(
          { tenantId: 't1', userNameLower: 'gen' },
          { $setOnInsert: { userName: 'Gen', emails: [email('gen@x.io', 'work', true)] } },
          { upsert: true },
        );
        expect(typeof r.upsertedId).toBe('string');
        const doc = await users.findOne({ tenantId: 't1', userNameLower: 'gen' });
        expect(doc?._id).toBe(r.upsertedId);
        expect(doc?.userName).toBe('Gen');
      });

      it('findOneAndUpdate returns the document before or after, with upsert and projection', async () => {
        await seed();
        expect((await users.findOneAndUpdate({ _id: 'u1' }, { $set: { age: 32 } }))?.age).toBe(31);
        expect(
          await users.findOneAndUpdate(
            { _id: 'u1' },
            { $inc: { age: 1 } },
            { returnDocument: 'after', projection: { age: 1 } },
          ),
        ).toEqual({ _id: 'u1', age: 33 });
        expect(await users.findOneAndUpdate({ _id: 'zz' }, { $set: { age: 1 } })).toBeNull();
        const filter = { _id: 'u6', tenantId: 't1' };
        const update = { $setOnInsert: { userNameLower: 'u6', emails: [email('u6@x.io', 'work', true)] } };
        expect(await users.findOneAndUpdate(filter, update, { upsert: true })).toBeNull();
        expect(
          await users.findOneAndUpdate(filter, { $set: { age: 7 } }, { upsert: true, returnDocument: 'after' }),
        ).toMatchObject({ _id: 'u6', tenantId: 't1', userNameLower: 'u6', age: 7 });
      });

      it('bulkWrite applies mixed operations in order', async () => {
        await seed();
        await users.bulkWrite([
          {
            insertOne: {
              document: { ...fixture()[0], _id: 'u7', userNameLower: 'u7', emails: [email('u7@x.io', 'work', true)] },
            },
          },
          { updateOne: { filter: { _id: 'u7' }, update: { $set: { age: 70 } } } },
          { updateMany: { filter: { tenantId: 't1', active: true }, update: { $inc: { age: 1 } } } },
          {
            updateOne: {
              filter: { _id: 'u8', tenantId: 't2' },
              update: { $setOnInsert: { userNameLower: 'u8', emails: [] } },
              upsert: true,
            },
          },
          { deleteOne: { filter: { _id: 'u2' } } },
          { deleteMany: { filter: { tenantId: 't2', userNameLower: 'alice' } } },
        ]);
        expect(ids(await users.find({}, { sort: { _id: 1 } }))).toEqual(['u1', 'u3', 'u4', 'u7', 'u8']);
        expect((await users.findOne({ _id: 'u7' }))?.age).toBe(71);
        expect((await users.findOne({ _id: 'u1' }))?.age).toBe(32);
        expect((await users.findOne({ _id: 'u4' }))?.age).toBe(1); // $inc on a missing field starts from 0
        await users.bulkWrite([]);
      });
    });

    describe('units over several collections', () => {
      const COUNTERS: CollectionSpec = { name: 'counters', indexes: [] };
      const EVENTS: CollectionSpec = {
        name: 'events',
        indexes: [{ name: 'tenant_seq', keys: { tenantId: 1, seq: 1 }, unique: true }],
      };
      const newUser = (id: string): User => ({
        ...fixture()[0],
        _id: id,
        userName: id,
        userNameLower: id,
        emails: [email(`${id}@x.io`, 'work', true)],
      });

      it('commits the writes of every collection together and returns what the work returned', async () => {
        await seed();
        const events = await sut.store.collection<Doc>(EVENTS);
        const result = await sut.store.unit(async (u) => {
          await u.use(users).insertOne(newUser('n1'));
          await u.use(users).deleteOne({ _id: 'u2' });
          await u.use(events).insertOne({ _id: 'e1', tenantId: 't1', seq: 1, what: 'n1 created, u2 deleted' });
          // reads inside the unit see its own writes
          expect(await u.use(users).findOne({ _id: 'n1' }, { projection: { userName: 1 } })).toEqual({
            _id: 'n1',
            userName: 'n1',
          });
          expect(await u.use(users).countDocuments({ tenantId: 't1' })).toBe(4);
          return 'done';
        });
        expect(result).toBe('done');
        expect(ids(await users.find({ tenantId: 't1' }, { sort: { _id: 1 } }))).toEqual(['n1', 'u1', 'u3', 'u4']);
        expect(await events.countDocuments({})).toBe(1);
      });

      it('reads and increments a per-tenant counter and numbers inserts with it, gap-free under concurrency', async () => {
        const counters = await sut.store.collection<Doc>(COUNTERS);
        const events = await sut.store.collection<Doc>(EVENTS);
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            sut.store.unit(async (u) => {
              const c = await u
                .use(counters)
                .findOneAndUpdate({ _id: 't1' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
              await u.use(users).insertOne(newUser(`c${i}`));
              await u.use(events).insertOne({ _id: `ev${i}`, tenantId: 't1', seq: c!.seq, user: `c${i}` });
            }),
          ),
        );
        expect((await events.find({ tenantId: 't1' }, { sort: { seq: 1 } })).map((e) => e.seq)).toEqual(
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
        expect(await users.countDocuments({ userNameLower: { $regex: '^c' } })).toBe(12);
      });

      it('writes nothing when the work throws, or when one of its writes failed', async () => {
        if (!sut.atomicBulkWrite) return; // a standalone MongoDB has no transactions (docs/store.md)
        await seed();
        const events = await sut.store.collection<Doc>(EVENTS);
        await expect(
          sut.store.unit(async (u) => {
            await u.use(users).insertOne(newUser('n2'));
            await u.use(events).insertOne({ _id: 'e2', tenantId: 't1', seq: 2 });
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        await expect(
          sut.store.unit(async (u) => {
            await u.use(events).insertOne({ _id: 'e3', tenantId: 't1', seq: 3 });
            await u
              .use(users)
              .insertOne({ ...newUser('n3'), userNameLower: 'alice' })
              .catch(() => undefined); // duplicate
          }),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await users.findOne({ _id: 'n2' })).toBeNull();
        expect(await users.findOne({ _id: 'n3' })).toBeNull();
        expect(await events.countDocuments({})).toBe(0);
      });
    });
  });
}

/**
 * Child process for the directory crash test: on the embedded store, through the SCIM service, renames a group
 * and replaces its members in one PATCH (the name says which member it must have: "g-<k>" ↔ user k) and deletes
 * users that are members of it, in a loop, printing `ack <i>` after each. The test SIGKILLs it at a random
 * moment. Run it only as a child process (`node --import <kit>/register-ts.mjs directory-crash-writer.ts <dir>`).
 */
import { EmbeddedDocumentStore } from '../../../../kit/src/store/embedded-store.js';
import { tenantId } from '../../../../kit/src/store/store.js';
import { ScimService } from '../../../src/domain/scim-service.js';
import { groupModel, userModel } from '../../../src/domain/scim-models.js';
import { openDirectoryStore } from '../../../src/store/directory-store.js';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: directory-crash-writer.ts <dataDir>');
const docs = await EmbeddedDocumentStore.open(dir, { compactBytes: 64 * 1024 });
const store = await openDirectoryStore(docs);
const tenant = tenantId('t1');
const scim = new ScimService({ store, defaultPageSize: 100, maxPageSize: 1000 });
const connector = (await store.connectors.list(tenant))[0] ?? (await store.connectors.create(tenant, 'okta'));
const ctx = { tenant, connectorId: connector._id, baseUrl: 'http://x/scim/v2/t1', requestId: 'crash-writer' };
const none = { attributes: [], excludedAttributes: [] };
const user = (k: number) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `u${k}@crash.example`,
  name: { givenName: 'U', familyName: String(k) },
  emails: [{ value: `u${k}@crash.example`, type: 'work', primary: true }],
});
const group =
  JSON.parse(
    (await scim.list(ctx, groupModel, { filter: '', startIndex: 1, sortBy: '', sortOrder: '', projection: none }))
      .resources[0] ?? 'null',
  ) ??
  JSON.parse(
    (
      await scim.create(
        ctx,
        groupModel,
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g-start' },
        none,
      )
    ).json,
  );
for (let i = 0; ; i++) {
  const created = JSON.parse((await scim.create(ctx, userModel, user(Date.now() * 1000 + i), none)).json);
  const k = created.id;
  await scim.patch(
    ctx,
    groupModel,
    group.id,
    {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', value: { displayName: `g-${k}` } },
        { op: 'replace', path: 'members', value: [{ value: k }] },
      ],
    },
    none,
    '',
    false,
  );
  if (i % 2 === 1) await scim.delete(ctx, userModel, k, '');
  process.stdout.write(`ack ${i}\n`);
}

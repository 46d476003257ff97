/**
 * Events are part of their change's unit (embedded store, the directory's repositories, the real services):
 * a refused or failed change leaves neither its writes nor its events nor a used sequence number; listeners hear
 * of events only after their unit committed, and in sequence order; the admin path and connector changes write
 * their events in the same unit as the change.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDocumentStore } from '../../../kit/src/store/open-store.js';
import { type DocumentStore, type TenantId } from '../../../kit/src/store/store.js';
import { ConnectorType } from '../../../../proto/gen/directory/v1/directory.js';
import { testCall } from '../../../kit/test/support/call-context.js';
import { DirectoryService } from '../../src/domain/directory-service.js';
import { groupModel, userModel } from '../../src/domain/scim-models.js';
import { ScimService, type ScimContext } from '../../src/domain/scim-service.js';
import type { EventRecord } from '../../src/events/event-types.js';
import { openEventOutbox, type EventOutbox } from '../../src/events/outbox.js';
import { orgHandlers } from '../../src/handlers/org.handlers.js';
import { openDirectoryStore, type DirectoryStore } from '../../src/store/directory-store.js';

const projection = { attributes: [], excludedAttributes: [] };
const user = (userName: string) => ({
  userName,
  name: { givenName: 'A', familyName: 'B' },
  emails: [{ value: userName }],
});

describe('events in the units of their changes', () => {
  let dir: string;
  let docs: DocumentStore;
  let outbox: EventOutbox;
  let store: DirectoryStore;
  let scim: ScimService;
  let told: EventRecord[][];
  let tenant: TenantId;
  let ctx: ScimContext;
  const org = () => orgHandlers(store.orgs, store.connectors, store);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'events-units-'));
    docs = await openDocumentStore({ dataDir: dir });
    outbox = await openEventOutbox(docs, { gapGraceMs: 60_000 });
    told = [];
    store = await openDirectoryStore(docs, { onEventsCommitted: (e) => told.push(e) });
    scim = new ScimService({ store, defaultPageSize: 100, maxPageSize: 1000 });
    const o = await store.orgs.create('Units Inc');
    tenant = o._id as TenantId;
    const { connector } = await org().handlers.createConnector(
      { tenantId: tenant, type: ConnectorType.CONNECTOR_TYPE_OKTA, actor: 'operator' },
      testCall('req-connector-create'),
    );
    ctx = { tenant, connectorId: connector.id, baseUrl: 'https://gw.example/scim/v2', requestId: 'req-scim' };
  });
  afterEach(async () => {
    await docs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const feed = async () => (await outbox.listOrg(tenant, 0, 1000)).map((e) => [e.seq, e.type] as const);

  it('a refused SCIM write leaves no event and no used number; the next change takes the next number', async () => {
    await scim.create(ctx, userModel, user('ada@x.example'), projection);
    await expect(scim.create(ctx, userModel, user('ada@x.example'), projection)).rejects.toMatchObject({
      scimType: 'uniqueness',
    });
    const bob = JSON.parse((await scim.create(ctx, userModel, user('bob@x.example'), projection)).json).id as string;
    await expect(
      scim.patch(
        ctx,
        userModel,
        bob,
        { Operations: [{ op: 'replace', value: { active: false } }] },
        projection,
        '999',
        false,
      ),
    ).rejects.toMatchObject({ status: 412 });
    expect(await feed()).toEqual([
      [1, 'connector.created'],
      [2, 'user.created'],
      [3, 'user.created'],
    ]);
  });

  it('a unit that fails after its events were staged writes none of them, and no listener hears of them', async () => {
    told = [];
    await expect(
      store.unit(async (tx) => {
        await tx.activity.record(tenant, {
          actor: 'test',
          action: 'x',
          resourceType: 'User',
          resourceId: 'u',
          resourceName: 'u',
          outcome: 'success',
          requestId: '',
        });
        await tx.events.append(tenant, { actor: 'test', requestId: '' }, [
          { type: 'user.updated', resource: { type: 'user', id: 'u' }, data: {} },
        ]);
        throw new Error('the change failed after its event');
      }),
    ).rejects.toThrow('the change failed after its event');
    expect(told).toEqual([]);
    expect(await feed()).toEqual([[1, 'connector.created']]);
    expect(await store.activity.list(tenant, { limit: 10, action: 'x' })).toEqual([]);
    await scim.create(ctx, userModel, user('carol@x.example'), projection);
    expect((await feed()).map(([seq]) => seq)).toEqual([1, 2]);
  });

  it('concurrent changes of one organization: numbers 1…n without a gap, told after commit in number order', async () => {
    told = [];
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => scim.create(ctx, userModel, user(`u${i}@x.example`), projection)),
    );
    const seqs = (await outbox.listOrg(tenant, 0, 1000)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(told.flat().map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
  });

  it('a PATCH that changes nothing writes nothing: same version, no activity entry, no event', async () => {
    const created = JSON.parse((await scim.create(ctx, userModel, user('dee@x.example'), projection)).json);
    const off = { Operations: [{ op: 'replace', path: 'active', value: false }] };
    const patch = (body: unknown, ifMatch = '') =>
      scim.patch(ctx, userModel, created.id, body, projection, ifMatch, true);
    const first = JSON.parse((await patch(off))!.json);
    expect(first).toMatchObject({ active: false, meta: { version: 'W/"2"' } });
    const activity = async () => (await store.activity.list(tenant, { limit: 100 })).map((e) => e.action);
    const logged = await activity();
    const events = await feed();
    const again = await patch(off, '2');
    expect(JSON.parse(again!.json)).toEqual(first);
    expect(again!.version).toBe('2');
    await patch({ Operations: [{ op: 'replace', value: { active: false, userName: 'dee@x.example' } }] });
    expect((await store.users.get(tenant, created.id))?.meta.version).toBe(2);
    expect(await activity()).toEqual(logged);
    expect(await feed()).toEqual(events);
    // an If-Match naming another version is still refused, and a real change takes the next version
    await expect(patch(off, '1')).rejects.toMatchObject({ status: 412 });
    const on = JSON.parse((await patch({ Operations: [{ op: 'replace', path: 'active', value: true }] }))!.json);
    expect(on.meta.version).toBe('W/"3"');
    expect((await activity()).slice(0, 2)).toEqual(['user.reactivate', 'user.patch']);
    expect((await feed()).at(-1)).toEqual([events.length + 1, 'user.reactivated']);
    const group = JSON.parse((await scim.create(ctx, groupModel, { displayName: 'Ops' }, projection)).json)
      .id as string;
    const rename = { Operations: [{ op: 'replace', path: 'displayName', value: 'Ops' }] };
    await scim.patch(ctx, groupModel, group, rename, projection, '', false);
    expect((await store.groups.get(tenant, group))?.meta.version).toBe(1);
  });

  it('admin edits, group pushes and connector changes write their events in their unit, with their request ids', async () => {
    const ada = JSON.parse((await scim.create(ctx, userModel, user('ada@x.example'), projection)).json).id as string;
    const group = JSON.parse(
      (await scim.create(ctx, groupModel, { displayName: 'Eng', members: [{ value: ada }] }, projection)).json,
    ).id as string;
    await scim.delete(ctx, groupModel, group, '');
    await org().handlers.updateConnector(
      { tenantId: tenant, connectorId: ctx.connectorId, enabled: false, actor: 'operator' },
      testCall('req-connector-off'),
    );
    const admin = new DirectoryService(store);
    const by = (requestId: string) => ({ actor: 'operator', requestId });
    await admin.updateUser(tenant, ada, { active: false }, by('req-admin-1'));
    const team = await admin.createTeam(tenant, 'Support', by('req-admin-2'));
    await admin.addTeamMember(tenant, team._id, ada, by('req-admin-3'));
    await admin.addTeamMember(tenant, team._id, ada, by('req-admin-4'));
    await admin.renameTeam(tenant, team._id, 'Support EU', by('req-admin-5'));
    await org().handlers.deleteConnector(
      { tenantId: tenant, connectorId: ctx.connectorId, actor: 'operator' },
      testCall('req-connector-delete'),
    );
    const events = await outbox.listOrg(tenant, 0, 1000);
    const scimActor = `connector:${ctx.connectorId}`;
    expect(events.map((e) => [e.type, e.actor, e.requestId])).toEqual([
      ['connector.created', 'operator', 'req-connector-create'],
      ['user.created', scimActor, 'req-scim'],
      ['team.created', scimActor, 'req-scim'],
      ['team.member_added', scimActor, 'req-scim'],
      ['team.deleted', scimActor, 'req-scim'],
      ['connector.updated', 'operator', 'req-connector-off'],
      ['user.deactivated', 'operator', 'req-admin-1'],
      ['team.created', 'operator', 'req-admin-2'],
      ['team.member_added', 'operator', 'req-admin-3'],
      ['team.updated', 'operator', 'req-admin-5'],
      ['connector.deleted', 'operator', 'req-connector-delete'],
    ]);
    // the activity entries of the same changes carry the same request ids
    const entries = await store.activity.list(tenant, { limit: 100 });
    expect(entries.map((e) => [e.action, e.requestId]).reverse()).toEqual([
      ['user.create', 'req-scim'],
      ['group.create', 'req-scim'],
      ['group.delete', 'req-scim'],
      ['user.update', 'req-admin-1'],
      ['team.create', 'req-admin-2'],
      ['group.members.add', 'req-admin-3'],
      ['team.rename', 'req-admin-5'],
    ]);
    expect(events[5].data.connector).toMatchObject({ id: ctx.connectorId, enabled: false });
    expect(events[8].data).toMatchObject({
      team: { name: 'Support', memberCount: 1 },
      user: { id: ada, userName: 'ada@x.example' },
    });
  });
});

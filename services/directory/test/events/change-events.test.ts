/**
 * Which events a change writes, and their payloads (the admin API's view after the change), on the embedded store;
 * each written in a unit of the directory's repositories, as the write sites do.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDocumentStore } from '../../../kit/src/store/open-store.js';
import { tenantId, type DocumentStore } from '../../../kit/src/store/store.js';
import type { StoredResource } from '../../src/domain/resource-model.js';
import type { ConnectorRecord, DirectoryRepositories } from '../../src/domain/ports.js';
import { ChangeEvents } from '../../src/events/change-events.js';
import { openEventOutbox, type EventOutbox } from '../../src/events/outbox.js';
import { openDirectoryStore, type DirectoryStore } from '../../src/store/directory-store.js';

const t = tenantId('0000000000000000000000c3');
const at = new Date('2026-12-01T10:00:00Z');
// who made the change and under which request (the write site's call)
const byConnector = { actor: 'connector:c', requestId: 'req-scim' };
const byOperator = { actor: 'operator', requestId: 'req-admin' };
const userDoc = (over: Record<string, unknown> = {}): StoredResource => ({
  _id: 'u1',
  tenantId: t,
  userName: 'ada@x.example',
  userNameLower: 'ada@x.example',
  name: { givenName: 'Ada', familyName: 'L' },
  emails: [{ value: 'ada@x.example', primary: true }],
  active: true,
  provisioned: true,
  meta: { created: at, lastModified: at, version: 1 },
  ...over,
});

describe('change events', () => {
  let dir: string;
  let store: DocumentStore;
  let outbox: EventOutbox;
  let directory: DirectoryStore;
  const sut = new ChangeEvents();
  const run = <R>(work: (tx: DirectoryRepositories) => Promise<R>) => directory.unit(work);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'change-events-'));
    store = await openDocumentStore({ dataDir: dir });
    outbox = await openEventOutbox(store, { gapGraceMs: 1000 });
    directory = await openDirectoryStore(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('users: created, nothing for a no-op, updated before deactivated, reactivated, deleted', async () => {
    const a = userDoc();
    await run((tx) => sut.user(tx, t, byConnector, null, a));
    expect(
      await run((tx) =>
        sut.user(tx, t, byConnector, a, userDoc({ meta: { created: at, lastModified: new Date(), version: 2 } })),
      ),
    ).toEqual([]);
    const renamedAndOff = userDoc({ name: { givenName: 'Augusta', familyName: 'L' }, active: false, role: 'Admin' });
    await run((tx) => sut.user(tx, t, byConnector, a, renamedAndOff));
    await run((tx) =>
      sut.user(
        tx,
        t,
        byOperator,
        renamedAndOff,
        userDoc({ name: { givenName: 'Augusta', familyName: 'L' }, role: 'Admin' }),
      ),
    );
    await run((tx) => sut.user(tx, t, byConnector, a, null));
    const events = await outbox.listOrg(t, 0, 100);
    expect(events.map((e) => [e.seq, e.type, e.actor, e.requestId])).toEqual([
      [1, 'user.created', 'connector:c', 'req-scim'],
      [2, 'user.updated', 'connector:c', 'req-scim'],
      [3, 'user.deactivated', 'connector:c', 'req-scim'],
      [4, 'user.reactivated', 'operator', 'req-admin'],
      [5, 'user.deleted', 'connector:c', 'req-scim'],
    ]);
    expect(events[1].data.user).toEqual({
      id: 'u1',
      userName: 'ada@x.example',
      displayName: 'Augusta L',
      email: 'ada@x.example',
      active: false,
      role: 'Admin',
      access: 'web',
      provisioned: true,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    });
  });

  it('teams: created, renamed, one event per member added and removed, with the members named', async () => {
    await directory.users.insert(t, userDoc());
    const team = {
      _id: 'g1',
      tenantId: t,
      displayName: 'Eng',
      displayNameLower: 'eng',
      provisioned: true,
      meta: { created: at, lastModified: at, version: 1 },
    } as StoredResource;
    await run((tx) => sut.team(tx, t, byConnector, null, team, { added: ['u1', 'u-gone', 'u1'], removed: [] }));
    await run((tx) =>
      sut.team(
        tx,
        t,
        byConnector,
        team,
        { ...team, displayName: 'Eng EU', displayNameLower: 'eng eu' },
        { added: [], removed: ['u1'] },
      ),
    );
    await run((tx) => sut.team(tx, t, byConnector, team, team, { added: [], removed: [] }));
    const events = await outbox.listOrg(t, 0, 100);
    expect(events.map((e) => e.type)).toEqual([
      'team.created',
      'team.member_added',
      'team.member_added',
      'team.updated',
      'team.member_removed',
    ]);
    expect(events[1].data).toEqual({
      team: { id: 'g1', name: 'Eng', provisioned: true, memberCount: 0, createdAt: at.toISOString() },
      user: { id: 'u1', userName: 'ada@x.example' },
    });
    expect(events[2].data.user).toEqual({ id: 'u-gone' });
    expect(events[3].data.team).toMatchObject({ name: 'Eng EU' });
  });

  it('connector and sso events carry public values only', async () => {
    const c: ConnectorRecord = { _id: 'c1', tenantId: t, type: 'okta', enabled: true, createdAt: at, updatedAt: at };
    await run((tx) => sut.connector(tx, t, byOperator, null, c));
    await run((tx) => sut.credentialsRotated(tx, t, byOperator, c, at));
    await run((tx) =>
      sut.sso(tx, t, byOperator, 'sso.configured', c, {
        connectorId: 'c1',
        issuer: 'https://acme.okta.com',
        clientId: '0oa1',
        redirectUris: ['https://id.example/oidc/callback'],
      }),
    );
    await run((tx) => sut.sso(tx, t, byOperator, 'sso.disabled', { ...c, enabled: false }));
    await run((tx) => sut.connector(tx, t, byOperator, c, null));
    const events = await outbox.listOrg(t, 0, 100);
    expect(events.map((e) => e.type)).toEqual([
      'connector.created',
      'connector.credentials_rotated',
      'sso.configured',
      'sso.disabled',
      'connector.deleted',
    ]);
    expect(events[1].data).toEqual({
      connector: { id: 'c1', type: 'okta', enabled: true, createdAt: at.toISOString(), updatedAt: at.toISOString() },
      credentialsIssuedAt: at.toISOString(),
    });
    expect(events[2].data.sso).toEqual({
      enabled: true,
      connectorId: 'c1',
      issuer: 'https://acme.okta.com',
      clientId: '0oa1',
      redirectUris: ['https://id.example/oidc/callback'],
    });
    expect(events[3].data.sso).toEqual({ enabled: false, connectorId: 'c1' });
  });
});

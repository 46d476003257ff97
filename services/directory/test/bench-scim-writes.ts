/**
 * Figures for the directory's SCIM writes in process (not a test; no assertions): the SCIM service over the
 * directory's repositories on the embedded store with fsync on, as the directory process runs them, without gRPC:
 *   node --import ./services/kit/test/store/support/register-ts.mjs services/directory/test/bench-scim-writes.ts [N]
 * Prints CPU per operation (process.cpuUsage; steadier than wall time on a shared machine) and operations per
 * second, 16 at a time, for: creates, PATCHes that deactivate a user (a change: user, two activity entries, one
 * event), and the same PATCHes again (nothing changes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorType } from '../../../proto/gen/directory/v1/directory.js';
import { testCall } from '../../kit/test/support/call-context.js';
import { openDocumentStore } from '../../kit/src/store/open-store.js';
import type { TenantId } from '../../kit/src/store/store.js';
import { userModel } from '../src/domain/scim-models.js';
import { ScimService, type ScimContext } from '../src/domain/scim-service.js';
import { openEventOutbox } from '../src/events/outbox.js';
import { orgHandlers } from '../src/handlers/org.handlers.js';
import { openDirectoryStore } from '../src/store/directory-store.js';

const N = Number(process.argv[2] ?? 3000);
const CONCURRENCY = 16;
const projection = { attributes: [], excludedAttributes: [] };
const body = (i: number) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `user${i}@example.com`,
  externalId: `ext-${i}`,
  name: { givenName: `G${i}`, familyName: `F${i}` },
  displayName: 'G F',
  emails: [{ value: `user${i}@example.com`, type: 'work', primary: true }],
  active: true,
});
const deactivate = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'replace', path: 'active', value: false }],
};

async function phase(name: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await op(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(14)} ${((cpu.user + cpu.system) / n).toFixed(0).padStart(5)} µs CPU/op  ${((n * 1000) / ms).toFixed(0).padStart(6)}/s`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'bench-scim-writes-'));
const docs = await openDocumentStore({ dataDir: dir });
try {
  await openEventOutbox(docs, { gapGraceMs: 60_000 });
  const store = await openDirectoryStore(docs);
  const scim = new ScimService({ store, defaultPageSize: 100, maxPageSize: 1000 });
  const tenant = (await store.orgs.create('Bench'))._id as TenantId;
  const { connector } = await orgHandlers(store.orgs, store.connectors, store).handlers.createConnector(
    { tenantId: tenant, type: ConnectorType.CONNECTOR_TYPE_OKTA, actor: 'bench' },
    testCall('bench-setup'),
  );
  const ctx: ScimContext = {
    tenant,
    connectorId: connector.id,
    baseUrl: 'https://gw.example/scim/v2',
    requestId: 'bench',
  };
  const create = async (i: number) =>
    (JSON.parse((await scim.create(ctx, userModel, body(i), projection)).json) as { id: string }).id;
  await phase('warm-up', 1000, (i) => create(N + i));
  const ids: string[] = new Array<string>(N);
  await phase('create', N, async (i) => (ids[i] = await create(i)));
  await phase('patch (change)', N, (i) => scim.patch(ctx, userModel, ids[i], deactivate, projection, '', true));
  await phase('patch (no-op)', N, (i) => scim.patch(ctx, userModel, ids[i], deactivate, projection, '', true));
} finally {
  await docs.close();
  rmSync(dir, { recursive: true, force: true });
}

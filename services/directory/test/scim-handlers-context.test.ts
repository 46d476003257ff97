/**
 * The SCIM edge takes what it records and logs from the call's context: a refused write is recorded with the
 * call's request id, and a bulk operation that fails unexpectedly is logged through the call's logger, with the
 * call's request id and trace. The engine is a stand-in; the handlers are the real ones.
 */
import { describe, expect, it } from '@jest/globals';
import { ResourceType, ScimDialect } from '../../../proto/gen/directory/v1/directory.js';
import { createLogger } from '../../kit/src/logger.js';
import { testCall } from '../../kit/test/support/call-context.js';
import type { ScimContext, ScimService } from '../src/domain/scim-service.js';
import { scimFault } from '../src/domain/scim-fault.js';
import type { Refusal, ScimRefusals } from '../src/domain/scim-refusals.js';
import { scimHandlers } from '../src/handlers/scim.handlers.js';

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };
const context = {
  tenantId: 't1',
  connectorId: 'c1',
  baseUrl: 'https://gw.example/scim/v2/t1',
  dialect: ScimDialect.SCIM_DIALECT_V2,
  alternateBaseUrl: '',
};
const user = (userName: string) =>
  JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });

function edge() {
  const seen: ScimContext[] = [];
  const refused: Refusal[] = [];
  // a stand-in engine: a user named "taken@x" exists already, "crash@x" fails unexpectedly
  const engine = {
    async requireProvisioning() {},
    async create(ctx: ScimContext, _model: unknown, body: { userName?: string }) {
      seen.push(ctx);
      if (body.userName === 'taken@x') throw scimFault.uniqueness('a user with this userName already exists');
      if (body.userName === 'crash@x') throw new Error('the store went away');
      return { id: 'u1', version: '1', json: JSON.stringify({ id: 'u1', userName: body.userName }) };
    },
  } as unknown as ScimService;
  const refusals = { record: async (_tenant: unknown, r: Refusal) => void refused.push(r) } as unknown as ScimRefusals;
  const handlers = scimHandlers(engine, { defaultPageSize: 100, maxPageSize: 1000, maxBulkOperations: 10, refusals });
  return { handlers, seen, refused };
}

describe('the SCIM edge and the call context', () => {
  it("hands the engine the call's request id, and records a refused write with it", async () => {
    const { handlers, seen, refused } = edge();
    await handlers.createResource(
      { context, type: ResourceType.RESOURCE_TYPE_USER, bodyJson: user('new@x') },
      testCall('req-create-1'),
    );
    await expect(
      handlers.createResource(
        { context, type: ResourceType.RESOURCE_TYPE_USER, bodyJson: user('taken@x') },
        testCall('req-create-2'),
      ),
    ).rejects.toMatchObject({ status: 409 });
    expect(seen.map((c) => c.requestId)).toEqual(['req-create-1', 'req-create-2']);
    expect(refused).toEqual([
      expect.objectContaining({ write: 'create', resourceName: 'taken@x', requestId: 'req-create-2' }),
    ]);
  });

  it("logs a bulk operation's unexpected failure through the call's logger, with its request id and trace", async () => {
    const { handlers, seen, refused } = edge();
    const lines: string[] = [];
    const logger = createLogger('directory', 'info', {}, (l) => lines.push(l));
    const bodyJson = JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: JSON.parse(user('crash@x')) },
        { method: 'POST', path: '/Users', bulkId: 'b', data: JSON.parse(user('taken@x')) },
      ],
    });
    const call = { ...testCall('req-bulk-1', { trace: TRACE, logger }), signal: { aborted: false } };
    const out = await handlers.processBulk({ context, bodyJson, maxPayloadBytes: 0 }, call);
    // the operations get the call's request id; a bulk request, once started, is not stopped by the caller leaving
    expect(seen.map((c) => [c.requestId, c.signal])).toEqual([
      ['req-bulk-1', undefined],
      ['req-bulk-1', undefined],
    ]);
    const ops = (JSON.parse(out.bodyJson) as { Operations: Array<{ status: string }> }).Operations;
    expect(ops.map((o) => o.status)).toEqual(['500', '409']);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'bulk operation failed',
        service: 'directory',
        requestId: 'req-bulk-1',
        traceId: TRACE.traceId,
        spanId: TRACE.spanId,
      }),
    ]);
    expect(refused).toEqual([expect.objectContaining({ via: 'bulk', requestId: 'req-bulk-1' })]);
  });
});

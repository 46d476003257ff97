/** The gateway's activity-log entries name the request they were made for, given explicitly (no implicit context). */
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../services/kit/src/logger.js';
import { auditor } from '../src/audit.js';
import type { Backends } from '../src/backends.js';

function fake(fail = false) {
  const writes: Array<{ entry: Record<string, unknown>; options: unknown }> = [];
  const lines: Array<Record<string, unknown>> = [];
  const backends = {
    directory: {
      recordActivity: async (req: { entry: Record<string, unknown> }, options: unknown) => {
        if (fail) throw new Error('directory down');
        writes.push({ entry: req.entry, options });
        return { id: 'a1' };
      },
    },
  } as unknown as Pick<Backends, 'directory'>;
  const sut = auditor(
    backends,
    createLogger('gateway', 'info', {}, (l) => lines.push(JSON.parse(l))),
  );
  return { sut, writes, lines };
}

const EVENT = { action: 'entitlement.grant', resourceType: 'entitlement', resourceId: 'x', resourceName: 'x' };

describe('auditor', () => {
  it("records the request's id in the entry and writes it with the request's context", async () => {
    const { sut, writes } = fake();
    const call = { context: { requestId: 'req-audit-0001' } };
    await sut.record('acme', EVENT, call);
    expect(writes).toEqual([
      {
        entry: expect.objectContaining({ tenantId: 'acme', action: 'entitlement.grant', requestId: 'req-audit-0001' }),
        options: call,
      },
    ]);
  });

  it("a lost entry is logged with the request's id, not thrown", async () => {
    const { sut, lines } = fake(true);
    await expect(sut.record('acme', EVENT, { context: { requestId: 'req-audit-0002' } })).resolves.toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'could not record activity', requestId: 'req-audit-0002' }),
    ]);
  });
});

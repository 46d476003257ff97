/** A backend outage fails every request: the gateway logs it once per interval with a count, not once per request. */
import { describe, expect, it } from '@jest/globals';
import { Metadata, status } from '@grpc/grpc-js';
import { describeError } from '../src/http/errors.js';
import { createLogger } from '../../services/kit/src/logger.js';

describe('describeError for an unavailable backend', () => {
  it('answers 503 with an error id each time and writes one warning for 500 failures', () => {
    const lines: string[] = [];
    const logger = createLogger('gateway', 'info', {}, (l) => lines.push(l));
    const err = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: status.UNAVAILABLE,
      details: 'No connection established',
      metadata: new Metadata(),
    });
    const answers = Array.from({ length: 500 }, () => describeError(err, logger));
    expect(
      answers.every((a) => a.status === 503 && /error id /.test(a.message) && a.headers['retry-after'] === '5'),
    ).toBe(true);
    expect(new Set(answers.map((a) => a.errorId)).size).toBe(500);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      msg: 'backend unavailable',
      grpcCode: 'UNAVAILABLE',
      errorId: answers[0].errorId,
    });
  });

  it("collapses across requests and writes the one warning with the first request's id", () => {
    const lines: string[] = [];
    const logger = createLogger('gateway', 'info', {}, (l) => lines.push(l));
    const err = Object.assign(new Error('4 DEADLINE_EXCEEDED'), {
      code: status.DEADLINE_EXCEEDED,
      details: 'Deadline exceeded',
      metadata: new Metadata(),
    });
    const answers = Array.from({ length: 50 }, (_, i) =>
      describeError(err, logger, { requestId: `req-outage-${String(i).padStart(4, '0')}` }),
    );
    expect(answers.every((a) => a.status === 504)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      msg: 'backend unavailable',
      errorId: answers[0].errorId,
      requestId: 'req-outage-0000',
    });
  });

  it("logs an unexpected backend error on a line carrying the request's id and trace", () => {
    const lines: string[] = [];
    const logger = createLogger('gateway', 'info', {}, (l) => lines.push(l));
    const err = Object.assign(new Error('13 INTERNAL'), {
      code: status.INTERNAL,
      details: 'boom',
      metadata: new Metadata(),
    });
    const d = describeError(err, logger, {
      requestId: 'req-internal-0001',
      trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' },
    });
    expect(d.status).toBe(500);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'backend error',
        errorId: d.errorId,
        requestId: 'req-internal-0001',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
    ]);
  });
});

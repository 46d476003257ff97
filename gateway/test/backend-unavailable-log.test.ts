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
});

import { describe, expect, it } from '@jest/globals';
import { CollapsedWarnings } from '../src/collapsed-warnings.js';

function recorder() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  return {
    lines,
    logger: {
      warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', msg, fields }),
      error: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'error', msg, fields }),
    },
  };
}
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CollapsedWarnings', () => {
  it('logs the first occurrence at once and the repeats as one line with a count per interval', async () => {
    const { lines, logger } = recorder();
    const sut = new CollapsedWarnings(logger, 150);
    for (let i = 0; i < 500; i++) sut.warn('redis', 'Redis unavailable', { i });
    expect(lines).toEqual([{ level: 'warn', msg: 'Redis unavailable', fields: { i: 0 } }]);
    await wait(250);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'warn', fields: { repeated: 499, intervalSeconds: 0.15, i: 499 } });
    expect(lines[1].msg).toMatch(/Redis unavailable \(repeated 499 times/);
    sut.close();
  });

  it('keeps keys apart, and starts over after a quiet interval', async () => {
    const { lines, logger } = recorder();
    const sut = new CollapsedWarnings(logger, 100);
    sut.warn('a', 'A');
    sut.error('b', 'B');
    sut.warn('a', 'A');
    expect(lines.map((l) => l.msg)).toEqual(['A', 'B']);
    await wait(150); // 'a' flushed with a count of 1, 'b' had no repeat
    expect(lines.map((l) => l.msg)).toEqual(['A', 'B', 'A (repeated 1 times in 0.1 s)']);
    await wait(150); // a quiet interval: both keys closed
    sut.warn('b', 'B again');
    expect(lines[lines.length - 1]).toMatchObject({ level: 'warn', msg: 'B again' });
    sut.close();
  });

  it("writes a first occurrence through the given request's logger, the count through its own", () => {
    const own = recorder();
    const request = recorder();
    const sut = new CollapsedWarnings(own.logger, 60_000);
    sut.warn('k', 'K', { n: 1 }, request.logger);
    sut.warn('k', 'K', { n: 2 }, recorder().logger);
    expect(request.lines).toEqual([{ level: 'warn', msg: 'K', fields: { n: 1 } }]);
    expect(own.lines).toEqual([]);
    sut.close();
    expect(own.lines).toEqual([{ level: 'warn', msg: 'K (repeated 1 times)', fields: { n: 2, repeated: 1 } }]);
    expect(request.lines).toHaveLength(1);
  });

  it('writes what is still counted when closed', () => {
    const { lines, logger } = recorder();
    const sut = new CollapsedWarnings(logger, 60_000);
    sut.warn('k', 'K');
    sut.warn('k', 'K');
    sut.warn('k', 'K');
    sut.close();
    expect(lines.map((l) => l.fields?.repeated)).toEqual([undefined, 2]);
  });
});

import { describe, expect, test } from '@jest/globals';
import { createLogger, requestLogger, securityEvent } from '../src/logger.js';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = createLogger('svc', level, { region: 'eu' }, (l) => lines.push(l));
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger (pino)', () => {
  test('one JSON object per line with level name, ISO time, service, base fields and message', () => {
    const { logger, lines, parsed } = capture();
    logger.info('hello', { n: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [e] = parsed();
    expect(e).toMatchObject({ level: 'info', service: 'svc', region: 'eu', msg: 'hello', n: 1 });
    expect(new Date(String(e.time)).toISOString()).toBe(e.time);
  });

  test('lines below the configured level are not written', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((e) => e.level)).toEqual(['warn', 'error']);
    expect(logger.enabled('info')).toBe(false);
    expect(logger.enabled('error')).toBe(true);
  });

  test("a request's logger puts its request id and trace on every line, below its level nothing", () => {
    const { logger, parsed } = capture('info');
    const log = requestLogger(logger, {
      requestId: 'req-87654321',
      trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' },
    });
    log.debug('not written');
    log.info('first', { n: 1 });
    log.child({ component: 'c' }).warn('second');
    requestLogger(logger, { requestId: 'req-untraced' }).error('third');
    logger.info('outside');
    expect(log.enabled('debug')).toBe(false);
    const [first, second, third, outside] = parsed();
    expect(parsed()).toHaveLength(4);
    expect(first).toMatchObject({
      level: 'info',
      msg: 'first',
      n: 1,
      service: 'svc',
      requestId: 'req-87654321',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(second).toMatchObject({ level: 'warn', component: 'c', requestId: 'req-87654321' });
    expect(third).toMatchObject({ level: 'error', requestId: 'req-untraced' });
    expect(third.traceId).toBeUndefined();
    expect(outside.requestId).toBeUndefined();
    expect(requestLogger(logger, undefined)).toBe(logger);
  });

  test('secret-looking keys are redacted at any depth, in fields and child bindings', () => {
    const { logger, lines } = capture();
    logger.info('x', {
      password: 'p4ss',
      nested: { bearerToken: 'tok-123', list: [{ clientSecret: 's3cr3t' }] },
      authorization: 'Bearer abc',
      ok: 'visible',
    });
    logger.child({ cookie: 'session=zzz', component: 'c' }).warn('y');
    const all = lines.join('\n');
    for (const secret of ['p4ss', 'tok-123', 's3cr3t', 'Bearer abc', 'session=zzz']) expect(all).not.toContain(secret);
    expect(all).toContain('visible');
    expect(JSON.parse(lines[1])).toMatchObject({ component: 'c', cookie: '[redacted]', level: 'warn' });
  });

  test('errors become name, message and stack', () => {
    const { logger, parsed } = capture();
    logger.error('failed', { err: new TypeError('boom') });
    expect(parsed()[0].err).toMatchObject({ name: 'TypeError', message: 'boom' });
  });

  test('securityEvent writes one warn line with the event type and reason', () => {
    const { logger, parsed } = capture();
    securityEvent(logger, 'auth.failure', { surface: 'scim', reason: 'invalid_credentials', tenant: 'org-1' });
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 'warn',
        event: 'security',
        type: 'auth.failure',
        reason: 'invalid_credentials',
        tenant: 'org-1',
      }),
    ]);
  });
});

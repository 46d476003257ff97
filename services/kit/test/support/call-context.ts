/** A CallContext for calling a handler directly in a test, as implement() would hand it over. */
import { Metadata } from '@grpc/grpc-js';
import type { CallContext } from '../../src/grpc-server.js';
import { createLogger, requestLogger, type Logger } from '../../src/logger.js';

const quiet = createLogger('test', 'error');

/** The call `requestId`; its logger is `logger`'s (a quiet one by default) carrying the call's ids. */
export function testCall(requestId: string, opts: { trace?: CallContext['trace']; logger?: Logger } = {}): CallContext {
  const { trace } = opts;
  return {
    requestId,
    ...(trace ? { trace } : {}),
    log: requestLogger(opts.logger ?? quiet, { requestId, trace }),
    metadata: new Metadata(),
  };
}

/**
 * `npm run bench:logger`: the cost of one log line, pino-based kit logger vs the hand-written logger it replaced
 * (kept below, verbatim apart from its name, as the baseline). Both write the same lines (an access-log line,
 * a warn line with nested fields, a line inside a request context: the baseline's AsyncLocalStorage, the kit's per-request logger) to stdout as each does by default —
 * process.stdout.write for the baseline, pino's synchronous fd writer for the kit logger. Run it with stdout on
 * /dev/null (the npm script does); figures go to stderr. Figures only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createLogger, requestLogger } from '../services/kit/src/logger.js';

const N = Number(process.argv[2] || 100_000);
const ROUNDS = 7;

// ---- baseline: the previous services/kit/src/logger.ts ----
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const baselineContext = new AsyncLocalStorage<{ requestId: string }>();
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|verifier|^code$|credential/i;
function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}
function baselineLogger(service: string, level: Level, write: (line: string) => void) {
  const min = order[level];
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    const requestId = baselineContext.getStore()?.requestId;
    const entry = {
      time: new Date().toISOString(),
      level: lvl,
      service,
      msg,
      ...(requestId ? { requestId } : {}),
      ...(fields ? (redact(fields) as object) : {}),
    };
    write(JSON.stringify(entry));
  };
  return {
    info: (m: string, f?: Record<string, unknown>) => emit('info', m, f),
    warn: (m: string, f?: Record<string, unknown>) => emit('warn', m, f),
    debug: (m: string, f?: Record<string, unknown>) => emit('debug', m, f),
  };
}

const access = {
  method: 'GET',
  route: '/scim/v2/:org/Users',
  status: 200,
  ms: 1.234,
  tenant: 'org-01HZX3',
  remote: '10.0.0.7',
};
const warnFields = {
  reason: 'invalid_credentials',
  tenant: 'org-01HZX3',
  details: { attempts: 3, connector: { id: 'c-1', type: 'okta' } },
};

type Sink = {
  info: (m: string, f?: Record<string, unknown>) => void;
  warn: (m: string, f?: Record<string, unknown>) => void;
  debug: (m: string, f?: Record<string, unknown>) => void;
};

/** One round: N iterations of 3 written lines and 1 filtered; returns milliseconds. */
function round(log: Sink, ctx: (fn: () => void) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    log.info('request', access);
    log.warn('security event', warnFields);
    ctx(() => log.info('call handled'));
    log.debug('filtered out', access);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

if (process.stdout.isTTY) throw new Error('redirect stdout to /dev/null: npm run bench:logger does');
const contenders: Array<[string, Sink, (fn: () => void) => void]> = [
  [
    'baseline',
    baselineLogger('gateway', 'info', (l) => process.stdout.write(l + '\n')),
    (fn) => baselineContext.run({ requestId: 'req-0123456789' }, fn),
  ],
  // the kit logger of one request (requestLogger: the ids bound explicitly, no async context)
  ['pino', requestLogger(createLogger('gateway', 'info'), { requestId: 'req-0123456789' }), (fn) => fn()],
];
// Warm-up, then rounds interleaved so that load from other processes hits both alike.
for (const [, log, ctx] of contenders) round(log, ctx);
const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) for (const [name, log, ctx] of contenders) times.get(name)!.push(round(log, ctx));
for (const [name, list] of times) {
  list.sort((a, b) => a - b);
  const median = list[Math.floor(list.length / 2)];
  console.error(
    `${name.padEnd(10)} ${((N * 4) / (median / 1000)).toFixed(0).padStart(10)} lines/s   ${((median * 1e3) / (N * 4)).toFixed(2)} µs/line (median of ${ROUNDS} interleaved rounds of ${N * 4} calls: 3 written + 1 filtered per iteration)`,
  );
}

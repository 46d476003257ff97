/**
 * Repeated warnings collapsed into one line per interval with a count. A dependency that is down fails every
 * request; logging each failure buries everything else (an outage once wrote 5,442 lines in 10 s). The first
 * occurrence of a key is logged at once; further ones within the interval are counted and reported in one line
 * (`repeated`, `intervalSeconds`) when the interval ends; a key quiet for a whole interval starts over.
 * The first occurrence may be written through the logger of the request it happened in (`log`); the counts,
 * which span many requests, always go to the collapser's own logger.
 */
import type { Logger } from './logger.js';

type Level = 'warn' | 'error';
type Sink = Pick<Logger, Level>;

interface Pending {
  level: Level;
  message: string;
  fields: Record<string, unknown>;
  count: number;
  timer: NodeJS.Timeout;
}

export class CollapsedWarnings {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly logger: Sink,
    readonly intervalMs = 10_000,
  ) {}

  /** Logs `message` now (through `log` when given), or counts it when the same key was logged within the interval. */
  warn(key: string, message: string, fields: Record<string, unknown> = {}, log?: Sink) {
    this.emit('warn', key, message, fields, log);
  }

  error(key: string, message: string, fields: Record<string, unknown> = {}, log?: Sink) {
    this.emit('error', key, message, fields, log);
  }

  private emit(level: Level, key: string, message: string, fields: Record<string, unknown>, log = this.logger) {
    const p = this.pending.get(key);
    if (p) {
      p.count++;
      p.message = message;
      p.fields = fields;
      return;
    }
    log[level](message, fields);
    this.open(key, level, message, fields);
  }

  private open(key: string, level: Level, message: string, fields: Record<string, unknown>) {
    const timer = setTimeout(() => this.flush(key), this.intervalMs);
    timer.unref();
    this.pending.set(key, { level, message, fields, count: 0, timer });
  }

  private flush(key: string) {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    if (p.count === 0) return; // quiet for a whole interval: the next occurrence is logged at once
    this.logger[p.level](`${p.message} (repeated ${p.count} times in ${this.intervalMs / 1000} s)`, {
      ...p.fields,
      repeated: p.count,
      intervalSeconds: this.intervalMs / 1000,
    });
    this.open(key, p.level, p.message, p.fields);
  }

  /** Writes what is still counted (at shutdown) and stops the timers. */
  close() {
    for (const key of [...this.pending.keys()]) {
      const p = this.pending.get(key)!;
      clearTimeout(p.timer);
      this.pending.delete(key);
      if (p.count > 0)
        this.logger[p.level](`${p.message} (repeated ${p.count} times)`, { ...p.fields, repeated: p.count });
    }
  }
}

/** Deletes events and webhook delivery logs older than the retention period (EVENTS_RETENTION), periodically. */
import type { Logger } from '../../../kit/src/logger.js';

export interface Sweepable {
  sweep(cutoff: Date): Promise<number>;
}

export function startRetentionSweeper(opts: {
  targets: Record<string, Sweepable>;
  retentionMs: number;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  let running: Promise<void> | undefined;
  const run = async () => {
    const cutoff = new Date(now() - opts.retentionMs);
    for (const [name, t] of Object.entries(opts.targets)) {
      const removed = await t.sweep(cutoff);
      if (removed) opts.logger.info('retention sweep', { collection: name, removed, olderThan: cutoff.toISOString() });
    }
  };
  const tick = () => {
    running ??= run()
      .catch((err) => opts.logger.error('retention sweep failed', { err: (err as Error).message }))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

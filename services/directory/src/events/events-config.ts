/** Settings of the outbox, the events feed and webhook delivery (read with the directory's configuration). */
import { field, type Env } from '../../../kit/src/config.js';

const DAY = 86_400_000;

/** Standard Webhooks' recommended schedule: about 27.5 hours of retries after the first attempt. */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

export const eventsFields = {
  /** How long events (and webhook delivery logs) are kept; the sweeper deletes older ones. */
  eventsRetentionMs: field.duration('EVENTS_RETENTION', '30d', 3_600_000, 3650 * DAY),
  eventsSweepIntervalMs: field.duration('EVENTS_SWEEP_INTERVAL', '1h', 1000, DAY),
  /**
   * A missing sequence number younger than this is a write still in flight: the feed stops before it. Older, it
   * is final (a writer died between allocating and inserting — impossible once the outbox write joins the
   * change's unit of work).
   */
  eventsGapGraceMs: field.duration('EVENTS_GAP_GRACE', '10s', 100, 600_000),
  webhooksAllowPrivate: {
    read(env: Env, problems: string[], warnings: string[]): boolean {
      const v = field.bool('WEBHOOKS_ALLOW_PRIVATE', false).read(env, problems, warnings);
      if (v)
        warnings.push(
          'WEBHOOKS_ALLOW_PRIVATE=true: webhooks may target plain http and loopback, private and link-local addresses (development and tests only)',
        );
      return v;
    },
  },
  /**
   * Key (base64, 32 bytes) that encrypts webhook signing secrets at rest (AES-256-GCM). Every directory replica
   * needs the same key. Absent: a key is generated in DATA_DIR (embedded store), or webhooks cannot be created
   * (MongoDB, where replicas could not share a generated key).
   */
  webhookSecretsKey: {
    read(env: Env, problems: string[], warnings: string[]): Buffer | undefined {
      const v = env.WEBHOOK_SECRETS_KEY?.trim();
      if (!v) {
        if (env.MONGODB_URI?.trim())
          warnings.push(
            'WEBHOOK_SECRETS_KEY is not set: webhook endpoints cannot be created until every directory replica has the same key (openssl rand -base64 32)',
          );
        return undefined;
      }
      const key = Buffer.from(v, 'base64');
      if (key.length !== 32) problems.push('WEBHOOK_SECRETS_KEY: must be 32 bytes in base64 (openssl rand -base64 32)');
      return key;
    },
  },
  webhooksPollIntervalMs: field.duration('WEBHOOKS_POLL_INTERVAL', '1s', 10, 60_000),
  webhooksRetryScheduleMs: {
    read(env: Env, problems: string[], warnings: string[]): number[] {
      const schedule = field.durations('WEBHOOKS_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE).read(env, problems, warnings);
      if (schedule.reduce((a, b) => a + b, 0) < DAY)
        warnings.push(
          'WEBHOOKS_RETRY_SCHEDULE retries for less than 24 hours: a receiver down for a day loses deliveries (it can still read the events feed)',
        );
      return schedule;
    },
  },
  webhooksDisableAfterMs: field.duration('WEBHOOKS_DISABLE_AFTER', '5d', 1000, 365 * DAY),
  webhooksTimeoutMs: field.duration('WEBHOOKS_TIMEOUT', '10s', 100, 60_000),
  /** How long one replica owns a stream (endpoint × organization) before another may take it over. */
  webhooksLeaseMs: field.duration('WEBHOOKS_LEASE', '60s', 1000, 3_600_000),
};

export type EventsConfig = { readonly [K in keyof typeof eventsFields]: ReturnType<(typeof eventsFields)[K]['read']> };

/** The events and webhook settings are validated at boot with the directory's configuration. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../kit/src/config.js';
import { loadDirectoryConfig } from '../../src/config.js';

describe('events and webhook settings', () => {
  it('defaults: 30 days of events, ~27.5 h of retries, private addresses refused', () => {
    const { config, warnings } = loadDirectoryConfig({});
    expect(config.eventsRetentionMs).toBe(30 * 86_400_000);
    expect(config.webhooksAllowPrivate).toBe(false);
    expect(config.webhooksRetryScheduleMs).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(config.webhooksRetryScheduleMs.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3_600_000);
    expect(config.webhookSecretsKey).toBeUndefined();
    expect(warnings.join('\n')).not.toMatch(/WEBHOOK/);
  });

  it('lists every bad variable at once', () => {
    let err: unknown;
    try {
      loadDirectoryConfig({
        WEBHOOKS_ALLOW_PRIVATE: 'maybe',
        EVENTS_RETENTION: '5 weeks',
        WEBHOOKS_RETRY_SCHEDULE: '5s,soon',
        WEBHOOK_SECRETS_KEY: 'c2hvcnQ=',
        WEBHOOKS_TIMEOUT: '5m',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of [
      'WEBHOOKS_ALLOW_PRIVATE',
      'EVENTS_RETENTION',
      'WEBHOOKS_RETRY_SCHEDULE',
      'WEBHOOK_SECRETS_KEY',
      'WEBHOOKS_TIMEOUT',
    ])
      expect(problems).toContain(name);
    expect(problems).not.toContain('c2hvcnQ=');
  });

  it('warns loudly about development settings and a missing key on MongoDB', () => {
    const { config, warnings } = loadDirectoryConfig({
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      WEBHOOKS_RETRY_SCHEDULE: '100ms,100ms',
      MONGODB_URI: 'mongodb://db:27017/x',
    });
    expect(config.webhooksAllowPrivate).toBe(true);
    expect(config.webhooksRetryScheduleMs).toEqual([100, 100]);
    expect(warnings.join('\n')).toMatch(/WEBHOOKS_ALLOW_PRIVATE=true/);
    expect(warnings.join('\n')).toMatch(/less than 24 hours/);
    expect(warnings.join('\n')).toMatch(/WEBHOOK_SECRETS_KEY is not set/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadDirectoryConfig({ WEBHOOK_SECRETS_KEY: key }).config.webhookSecretsKey).toEqual(Buffer.alloc(32, 7));
  });
});

import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, redisFields } from '../src/config.js';

describe('Redis settings', () => {
  it('default to a short command timeout, a breaker after 3 failures and a probe every second', () => {
    expect(loadConfig({}, redisFields).config).toEqual({
      redisCommandTimeoutMs: 250,
      redisBreakerFailures: 3,
      redisBreakerProbeMs: 1000,
    });
  });
  it('are validated at boot, every bad one listed', () => {
    expect(() =>
      loadConfig(
        { REDIS_COMMAND_TIMEOUT_MS: '0', REDIS_BREAKER_FAILURES: 'many', REDIS_BREAKER_PROBE_MS: '10' },
        redisFields,
      ),
    ).toThrow(ConfigError);
    try {
      loadConfig(
        { REDIS_COMMAND_TIMEOUT_MS: '0', REDIS_BREAKER_FAILURES: 'many', REDIS_BREAKER_PROBE_MS: '10' },
        redisFields,
      );
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(3);
    }
  });
});

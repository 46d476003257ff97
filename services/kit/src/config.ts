/**
 * Configuration read once at boot into a typed, frozen object. Every bad variable is reported at once;
 * insecure development defaults are returned as warnings for the caller to log loudly.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GrpcTls } from './grpc-tls.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

interface Field<T> {
  read(env: Env, problems: string[], warnings: string[]): T;
}

type Values<S> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface Loaded<S> {
  config: Values<S>;
  warnings: string[];
}

export function loadConfig<S extends Record<string, Field<unknown>>>(env: Env, spec: S): Loaded<S> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) out[key] = field.read(env, problems, warnings);
  if (problems.length) throw new ConfigError(problems);
  return { config: Object.freeze(out) as Values<S>, warnings };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "1.5m", "2h", "7d" or a bare number of milliseconds; undefined when unreadable. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']) : undefined;
}

const raw = (env: Env, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

export const field = {
  port(name: string, fallback: number): Field<number> {
    return {
      read(env, problems) {
        const v = raw(env, name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${name}: "${v}" is not a port number (0-65535)`);
        return n;
      },
    };
  },
  int(name: string, fallback: number, min: number, max: number): Field<number> {
    return {
      read(env, problems) {
        const v = raw(env, name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max)
          problems.push(`${name}: "${v}" must be an integer from ${min} to ${max}`);
        return n;
      },
    };
  },
  string(name: string, fallback: string): Field<string> {
    return { read: (env) => raw(env, name) ?? fallback };
  },
  /** A required secret; its value never appears in messages. */
  secret(name: string, minLength: number, hint: string): Field<string> {
    return {
      read(env, problems) {
        const v = raw(env, name);
        if (v === undefined) problems.push(`${name}: required (${hint})`);
        else if (v.length < minLength) problems.push(`${name}: must be at least ${minLength} characters`);
        return v ?? '';
      },
    };
  },
  list(name: string, fallback: string[]): Field<string[]> {
    return { read: (env) => (raw(env, name)?.split(',') ?? fallback).map((s) => s.trim()).filter(Boolean) };
  },
  optionalString(name: string): Field<string | undefined> {
    return { read: (env) => raw(env, name) };
  },
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): Field<T> {
    return {
      read(env, problems) {
        const v = raw(env, name);
        if (v === undefined) return fallback;
        if (!allowed.includes(v as T)) problems.push(`${name}: "${v}" must be one of ${allowed.join(', ')}`);
        return v as T;
      },
    };
  },
  /** A URL with one of the given protocols (e.g. "mongodb:"); absent means "use the embedded default". */
  optionalUrl(name: string, protocols: string[], insecureWhenAbsent?: string): Field<string | undefined> {
    return {
      read(env, problems, warnings) {
        const v = raw(env, name);
        if (v === undefined) {
          if (insecureWhenAbsent) warnings.push(`${name} is not set: ${insecureWhenAbsent}`);
          return undefined;
        }
        try {
          const u = new URL(v);
          if (!protocols.includes(u.protocol))
            problems.push(`${name}: protocol must be one of ${protocols.join(', ')} (got ${u.protocol})`);
        } catch {
          problems.push(`${name}: not a valid URL`);
        }
        return v;
      },
    };
  },
  url(name: string, fallback: string, insecureDefault?: string): Field<string> {
    return {
      read(env, problems, warnings) {
        const v = raw(env, name);
        if (v === undefined && insecureDefault) warnings.push(`${name} is not set: ${insecureDefault}`);
        const value = v ?? fallback;
        try {
          const u = new URL(value);
          if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${name}: must be an http(s) URL`);
        } catch {
          problems.push(`${name}: "${value}" is not a valid URL`);
        }
        return value.replace(/\/+$/, '');
      },
    };
  },
  /** A decimal number in [min, max], e.g. a sampling rate. */
  number(name: string, fallback: number, min: number, max: number): Field<number> {
    return {
      read(env, problems) {
        const v = raw(env, name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n) || n < min || n > max)
          problems.push(`${name}: "${v}" must be a number from ${min} to ${max}`);
        return n;
      },
    };
  },
  /** true/false (also 1/0, yes/no, on/off). */
  bool(name: string, fallback: boolean): Field<boolean> {
    return {
      read(env, problems) {
        const v = raw(env, name)?.toLowerCase();
        if (v === undefined) return fallback;
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
        problems.push(`${name}: "${v}" must be true or false`);
        return fallback;
      },
    };
  },
  /** A duration such as "500ms", "30s", "5m", "2h", "7d" (a bare number is milliseconds), as milliseconds. */
  duration(name: string, fallback: string, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): Field<number> {
    return {
      read(env, problems) {
        const v = raw(env, name) ?? fallback;
        const ms = parseDuration(v);
        if (ms === undefined || ms < minMs || ms > maxMs)
          problems.push(
            `${name}: "${v}" must be a duration like 500ms, 30s, 5m, 2h or 7d, from ${minMs} ms to ${maxMs} ms`,
          );
        return ms ?? 0;
      },
    };
  },
  /** A comma-separated list of durations (e.g. a retry schedule), as milliseconds. */
  durations(name: string, fallback: string): Field<number[]> {
    return {
      read(env, problems) {
        const v = raw(env, name) ?? fallback;
        const parts = v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const out = parts.map(parseDuration);
        if (!parts.length || out.some((ms) => ms === undefined))
          problems.push(`${name}: "${v}" must be a comma-separated list of durations like 5s,5m,30m,2h`);
        return out.map((ms) => ms ?? 0);
      },
    };
  },
  /** host:port of a peer service. */
  address(name: string, fallback: string): Field<string> {
    return {
      read(env, problems) {
        const v = raw(env, name) ?? fallback;
        if (!/^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$/.test(v)) problems.push(`${name}: "${v}" must be host:port`);
        return v;
      },
    };
  },
};

/** MONGODB_URI, warning that the embedded store is a single-process, local-disk default. */
export const mongodbUriField = () =>
  field.optionalUrl(
    'MONGODB_URI',
    ['mongodb:', 'mongodb+srv:'],
    'using the embedded store in DATA_DIR: fine for one process on one machine, not for replicas or production',
  );

/**
 * GRPC_TLS_CA_FILE, GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE (all three or none) and GRPC_TLS_SERVER_NAME: TLS with
 * client certificates between the processes (grpc-tls.ts). The files are read and parsed here, at boot.
 */
export function grpcTlsField(): Field<GrpcTls | undefined> {
  return {
    read(env, problems) {
      const names = ['GRPC_TLS_CA_FILE', 'GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE'] as const;
      const files = names.map((n) => raw(env, n));
      if (files.every((f) => f === undefined)) return undefined;
      const missing = names.filter((_, i) => files[i] === undefined);
      if (missing.length) {
        problems.push(
          `${missing.join(', ')}: required when ${names.filter((n) => !missing.includes(n as never)).join(', ')} ${names.length - missing.length > 1 ? 'are' : 'is'} set (TLS between the services needs all three)`,
        );
        return undefined;
      }
      const read = (name: string, file: string, check: (pem: Buffer) => void): Buffer | undefined => {
        try {
          const pem = readFileSync(file);
          check(pem);
          return pem;
        } catch (err) {
          problems.push(
            `${name}: cannot use "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
          return undefined;
        }
      };
      const ca = read('GRPC_TLS_CA_FILE', files[0]!, (pem) => new X509Certificate(pem));
      const cert = read('GRPC_TLS_CERT_FILE', files[1]!, (pem) => new X509Certificate(pem));
      const key = read('GRPC_TLS_KEY_FILE', files[2]!, (pem) => createPrivateKey(pem));
      if (cert && key && !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
        problems.push('GRPC_TLS_KEY_FILE: the key does not belong to the certificate in GRPC_TLS_CERT_FILE');
      if (!ca || !cert || !key) return undefined;
      return { ca, cert, key, serverName: raw(env, 'GRPC_TLS_SERVER_NAME') };
    },
  };
}

/** Settings every process shares. */
export const commonFields = {
  logLevel: field.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  nodeEnv: field.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
  shutdownGraceMs: field.int('SHUTDOWN_GRACE_MS', 10000, 0, 600000),
  grpcTls: grpcTlsField(),
};

/**
 * Redis as a dependency that fails fast (kv.ts, docs/faults.md), read by every process with REDIS_URL: each
 * command's timeout, the consecutive failures that open the circuit breaker, and how often it probes Redis.
 */
export const redisFields = {
  redisCommandTimeoutMs: field.int('REDIS_COMMAND_TIMEOUT_MS', 250, 10, 10000),
  redisBreakerFailures: field.int('REDIS_BREAKER_FAILURES', 3, 1, 1000),
  redisBreakerProbeMs: field.int('REDIS_BREAKER_PROBE_MS', 1000, 50, 60000),
};

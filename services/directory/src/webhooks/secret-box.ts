/**
 * Webhook signing secrets at rest. Signing needs the secret itself (a hash would not do), so it is stored
 * encrypted with AES-256-GCM under WEBHOOK_SECRETS_KEY (random 96-bit nonce per secret, the endpoint id as
 * associated data so a ciphertext cannot be moved to another endpoint). A database dump alone reveals no secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../../../kit/src/errors.js';

export interface SecretBox {
  seal(endpointId: string, secret: string): string;
  open(endpointId: string, sealed: string): string;
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new TypeError('the webhook secrets key must be 32 bytes');
  return {
    seal(endpointId, secret) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(endpointId, 'utf8'));
      const body = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join(
        '.',
      );
    },
    open(endpointId, sealed) {
      const [v, iv, body, tag] = sealed.split('.');
      if (v !== 'v1' || !iv || !body || !tag) throw new Error('unreadable sealed webhook secret');
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(endpointId, 'utf8'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    },
  };
}

/** Without a configured key on MongoDB, creating a webhook is refused with a message the operator can act on. */
export const noSecretBox: SecretBox = {
  seal() {
    throw new AppError(
      'FAILED_PRECONDITION',
      'webhooks need WEBHOOK_SECRETS_KEY (the same 32-byte base64 key on every directory replica) to protect signing secrets at rest',
      'webhook_key_missing',
    );
  },
  open() {
    throw new Error('WEBHOOK_SECRETS_KEY is not set');
  },
};

/** The embedded default: a key generated once into DATA_DIR (mode 0600), like the admin token. */
export function localKey(path: string): Buffer {
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

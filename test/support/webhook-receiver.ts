/**
 * A platform's webhook receiver on loopback: verifies every delivery with the official `standardwebhooks`
 * library (not our code), records it, and can be switched "down" (503) to play an outage.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  webhookId: string;
  status: number;
  verified: boolean;
  raw: string;
  body: {
    id: string;
    type: string;
    orgId: string;
    sequence: number;
    actor: string;
    requestId: string;
    timestamp: string;
    data: Record<string, any>;
  };
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  down: boolean;
  deliveries: Delivery[];
  /** Accepted (2xx) deliveries whose signature verified, first of each webhook-id. */
  accepted(): Delivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = {
    url: '',
    secret: '',
    down: false,
    deliveries: [],
    accepted() {
      const seen = new Set<string>();
      return r.deliveries.filter(
        (d) => d.status < 300 && d.verified && !seen.has(d.webhookId) && seen.add(d.webhookId),
      );
    },
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let verified = false;
      try {
        new Webhook(r.secret).verify(raw, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const status = r.down ? 503 : verified ? 204 : 400;
      r.deliveries.push({ webhookId: String(req.headers['webhook-id']), status, verified, raw, body: JSON.parse(raw) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/platform/hooks`;
  return r;
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Metrics of the outbox and webhook delivery (docs/metrics.md). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventRecord } from './event-types.js';

export interface EventsMetrics {
  eventsWritten: Counter<'type'>;
  deliveries: Counter<'outcome'>;
  deliveryDuration: Histogram<'outcome'>;
  deliveryLag: Histogram<string>;
  oldestUndelivered: Gauge<string>;
  written(events: EventRecord[]): void;
}

export function eventsMetrics(registry: Registry): EventsMetrics {
  const eventsWritten = new Counter({
    name: 'events_written_total',
    help: 'Change events written to the outbox, by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  return {
    eventsWritten,
    deliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (succeeded, failed, refused, abandoned).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deliveryDuration: new Histogram({
      name: 'webhook_delivery_duration_seconds',
      help: 'Time of one webhook HTTP attempt, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    deliveryLag: new Histogram({
      name: 'webhook_delivery_lag_seconds',
      help: 'From an event being written to its successful webhook delivery.',
      buckets: [0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 7200, 86400],
      registers: [registry],
    }),
    oldestUndelivered: new Gauge({
      name: 'webhook_oldest_undelivered_event_age_seconds',
      help: 'Age of the oldest event an enabled webhook endpoint has not received yet (0 when none).',
      registers: [registry],
    }),
    written(events) {
      for (const e of events) eventsWritten.inc({ type: e.type });
    },
  };
}

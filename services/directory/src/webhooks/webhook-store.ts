/**
 * Webhook endpoints (signing secret sealed at rest), their delivery streams (one per endpoint × organization:
 * the position reached, the retry state and the lease that lets one replica at a time deliver it) and the
 * delivery log.
 */
import { AppError } from '../../../kit/src/errors.js';
import { newId } from '../../../kit/src/ids.js';
import { last4 } from '../../../kit/src/secrets.js';
import type { Collection, CollectionSpec, DocumentStore, Filter } from '../../../kit/src/store/store.js';
import { EVENT_TYPES, isEventType } from '../events/event-types.js';
import type { SecretBox } from './secret-box.js';
import { newWebhookSecret } from './signature.js';

export type EndpointRecord = {
  _id: string;
  url: string;
  events: string[];
  /** '' for every organization. */
  orgId: string;
  enabled: boolean;
  disabledReason: string;
  description: string;
  secretSealed: string;
  secretLast4: string;
  createdAt: Date;
  updatedAt: Date;
  failingSince: Date | null;
};

export type StreamRecord = {
  _id: string;
  endpointId: string;
  tenantId: string;
  /** Last sequence number handled (delivered, skipped by the endpoint's filter, or abandoned). */
  acked: number;
  /** Failed attempts at event acked+1. */
  attempt: number;
  nextAttemptAt: number;
  leaseOwner: string;
  leaseUntil: number;
};

export type DeliveryOutcome = 'succeeded' | 'failed' | 'abandoned' | 'refused';
export type DeliveryRecord = {
  _id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  tenantId: string;
  seq: number;
  attempt: number;
  outcome: DeliveryOutcome;
  responseStatus: number;
  error: string;
  durationMs: number;
  time: Date;
  manual: boolean;
};

export const ENDPOINTS_COLLECTION: CollectionSpec = {
  name: 'webhook_endpoints',
  indexes: [{ name: 'org', keys: { orgId: 1, _id: 1 } }],
};
export const STREAMS_COLLECTION: CollectionSpec = {
  name: 'webhook_streams',
  indexes: [{ name: 'endpoint', keys: { endpointId: 1, tenantId: 1 } }],
};
export const DELIVERIES_COLLECTION: CollectionSpec = {
  name: 'webhook_deliveries',
  indexes: [
    { name: 'endpoint_id', keys: { endpointId: 1, _id: -1 } },
    { name: 'time', keys: { time: 1 } },
  ],
};

export const MAX_ENDPOINTS = 100;

/** `["*"]` or known event types, without repeats. */
export function checkEventFilter(events: unknown): string[] {
  if (!Array.isArray(events) || events.length === 0 || events.some((e) => typeof e !== 'string')) {
    throw new AppError(
      'INVALID_ARGUMENT',
      '"events" must be a non-empty array of event types, or ["*"] for every type',
      'invalid_events',
    );
  }
  const list = [...new Set(events as string[])];
  if (list.includes('*')) {
    if (list.length > 1)
      throw new AppError('INVALID_ARGUMENT', '"*" already means every event type; send ["*"] alone', 'invalid_events');
    return list;
  }
  const unknown = list.filter((e) => !isEventType(e));
  if (unknown.length)
    throw new AppError(
      'INVALID_ARGUMENT',
      `unknown event types: ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
      'invalid_events',
    );
  return list;
}

export const wants = (ep: Pick<EndpointRecord, 'events'>, type: string) =>
  ep.events.includes('*') || ep.events.includes(type);

export interface WebhookStore {
  endpoints: Collection<EndpointRecord>;
  streams: Collection<StreamRecord>;
  deliveries: Collection<DeliveryRecord>;
  create(input: {
    url: string;
    events: string[];
    orgId: string;
    description: string;
  }): Promise<{ endpoint: EndpointRecord; secret: string }>;
  get(id: string): Promise<EndpointRecord>;
  list(orgId?: string): Promise<EndpointRecord[]>;
  update(
    id: string,
    set: Partial<
      Pick<EndpointRecord, 'url' | 'events' | 'enabled' | 'description' | 'disabledReason' | 'failingSince'>
    >,
  ): Promise<EndpointRecord>;
  delete(id: string): Promise<void>;
  rotate(id: string): Promise<{ endpoint: EndpointRecord; secret: string }>;
  secretOf(ep: EndpointRecord): string;
  logDelivery(d: Omit<DeliveryRecord, '_id' | 'time'>): Promise<DeliveryRecord>;
  listDeliveries(endpointId: string, limit: number, before?: string): Promise<DeliveryRecord[]>;
  sweepDeliveries(cutoff: Date): Promise<number>;
}

export async function openWebhookStore(store: DocumentStore, box: SecretBox): Promise<WebhookStore> {
  const endpoints = await store.collection<EndpointRecord>(ENDPOINTS_COLLECTION);
  const streams = await store.collection<StreamRecord>(STREAMS_COLLECTION);
  const deliveries = await store.collection<DeliveryRecord>(DELIVERIES_COLLECTION);
  const get = async (id: string) => {
    const ep = await endpoints.findOne({ _id: id });
    if (!ep) throw new AppError('NOT_FOUND', `webhook ${id} not found`, 'webhook_not_found');
    return ep;
  };
  return {
    endpoints,
    streams,
    deliveries,
    async create(input) {
      if ((await endpoints.countDocuments({})) >= MAX_ENDPOINTS)
        throw new AppError(
          'RESOURCE_EXHAUSTED',
          `at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`,
          'too_many_webhooks',
        );
      const now = new Date();
      const id = `wh_${newId(now.getTime())}`;
      const secret = newWebhookSecret();
      const endpoint: EndpointRecord = {
        _id: id,
        ...input,
        enabled: true,
        disabledReason: '',
        secretSealed: box.seal(id, secret),
        secretLast4: last4(secret),
        createdAt: now,
        updatedAt: now,
        failingSince: null,
      };
      await endpoints.insertOne(endpoint);
      return { endpoint, secret };
    },
    get,
    list: (orgId) => endpoints.find(orgId ? { orgId } : {}, { sort: { _id: 1 } }),
    async update(id, set) {
      const updated = await endpoints.findOneAndUpdate(
        { _id: id },
        { $set: { ...set, updatedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (!updated) throw new AppError('NOT_FOUND', `webhook ${id} not found`, 'webhook_not_found');
      return updated;
    },
    async delete(id) {
      if (!(await endpoints.deleteOne({ _id: id })))
        throw new AppError('NOT_FOUND', `webhook ${id} not found`, 'webhook_not_found');
      await streams.deleteMany({ endpointId: id });
    },
    async rotate(id) {
      await get(id);
      const secret = newWebhookSecret();
      const endpoint = await endpoints.findOneAndUpdate(
        { _id: id },
        { $set: { secretSealed: box.seal(id, secret), secretLast4: last4(secret), updatedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (!endpoint) throw new AppError('NOT_FOUND', `webhook ${id} not found`, 'webhook_not_found');
      return { endpoint, secret };
    },
    secretOf: (ep) => box.open(ep._id, ep.secretSealed),
    async logDelivery(d) {
      const time = new Date();
      const rec: DeliveryRecord = { ...d, _id: newId(time.getTime()), time };
      await deliveries.insertOne(rec);
      return rec;
    },
    listDeliveries(endpointId, limit, before) {
      const filter: Filter = { endpointId, ...(before ? { _id: { $lt: before } } : {}) };
      return deliveries.find(filter, { sort: { _id: -1 }, limit });
    },
    sweepDeliveries: (cutoff) => deliveries.deleteMany({ time: { $lt: cutoff } }),
  };
}

/** The change events the directory writes to its outbox, and the shape of one event. */

export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'team.created',
  'team.updated',
  'team.deleted',
  'team.member_added',
  'team.member_removed',
  'connector.created',
  'connector.updated',
  'connector.deleted',
  'connector.credentials_rotated',
  'sso.configured',
  'sso.disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (v: string): v is EventType => (EVENT_TYPES as readonly string[]).includes(v);

/** What a write site hands the outbox: the type, the resource it concerns, the platform's view of it. */
export interface EventDraft {
  type: EventType;
  /** The resource whose order matters: deliveries of one organization go out in sequence order. */
  resource: { type: 'user' | 'team' | 'connector'; id: string };
  data: Record<string, unknown>;
}

/** Who changed what under which request: the same for every event of one change. */
export interface ChangeMeta {
  actor: string;
  requestId: string;
}

export type EventRecord = {
  /** "evt_…", also the webhook-id of its deliveries. */
  _id: string;
  tenantId: string;
  /** Per-organization, 1, 2, 3, … without gaps. */
  seq: number;
  /** The all-organizations feed key: time (ms, hex), organization, sequence — sortable as a string. */
  feedKey: string;
  type: EventType;
  time: Date;
  actor: string;
  requestId: string;
  resourceType: string;
  resourceId: string;
  data: Record<string, unknown>;
};

/**
 * Every domain event that leaves the server (webhooks, subscriptions), by its dotted name. The
 * README lists each with an example payload; a webhook endpoint subscribes to some of these.
 */
export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.stage_changed',
  'lead.qualified',
  'lead.owner_changed',
  'lead.score_changed',
  'feedback.submitted',
  'sla.at_risk',
  'sla.breached',
  'sla.met',
  'rule_set.published',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(name: string): name is EventType {
  return KNOWN.has(name);
}

/** The NOTIFY channel on which every committed event is announced (its id, type, lead, sequence). */
export const EVENTS_CHANNEL = 'smarketing_events';

/** What NOTIFY carries for one event: small (NOTIFY payloads are limited to 8000 bytes). */
export interface EventNotice {
  id: string;
  type: EventType;
  leadId: string | null;
  sequence: number | null;
}

/**
 * An event as it is delivered: the webhook body (`{ type, timestamp, data }`) plus its id. For a
 * lead event `data.leadId` and `data.sequence` are set.
 */
export interface EventEnvelope {
  id: string;
  type: EventType;
  /** ISO 8601: when the change happened (the event's occurredAt). */
  timestamp: string;
  data: Record<string, unknown>;
}

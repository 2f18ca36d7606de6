import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { EVENTS_CHANNEL, type EventEnvelope, type EventType } from './event-types';

export interface NewEvent {
  /** Given when the caller must know the id before the event is written (the SLA clock does). */
  id?: string;
  type: EventType;
  /** The lead the event is about: the event gets the lead's next sequence number. */
  leadId?: string | null;
  data: Record<string, unknown>;
}

export interface EmittedEvent {
  id: string;
  type: EventType;
  leadId: string | null;
  sequence: number | null;
}

/**
 * Writes domain events in the caller's transaction, in the given order, and announces each on
 * NOTIFY `smarketing_events` (PostgreSQL delivers a NOTIFY only when the transaction commits, so a
 * rolled-back change emits nothing, neither row nor notice).
 *
 * A lead event's sequence is the lead's last sequence + 1. The caller holds the lead's row lock
 * (every write path locks or creates the lead first), so two transactions never compute the same
 * number; the unique index (lead_id, sequence) would refuse it if one did. One statement for any
 * number of events, so the bulk re-score emits its events in one round trip.
 */
export async function emitEvents(tx: Context, events: NewEvent[]): Promise<EmittedEvent[]> {
  if (events.length === 0) return [];
  const manager = managerOf(tx);
  const rows = events.map((event, index) => ({
    ord: index,
    id: event.id ?? randomUUID(),
    type: event.type,
    lead_id: event.leadId ?? null,
    data: event.data,
  }));
  const inserted = await manager.query<
    Array<{ id: string; type: EventType; lead_id: string | null; sequence: number | null }>
  >(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(ord int, id uuid, type text, lead_id uuid, data jsonb)
     ), numbered AS (
       SELECT i.*, CASE WHEN i.lead_id IS NULL THEN NULL ELSE
           coalesce((SELECT max(o.sequence) FROM outbox_event o WHERE o.lead_id = i.lead_id), 0)
           + row_number() OVER (PARTITION BY i.lead_id ORDER BY i.ord) END AS sequence
       FROM input i
     ), inserted AS (
       INSERT INTO outbox_event (id, type, lead_id, sequence, data)
       SELECT id, type, lead_id, sequence, data FROM numbered ORDER BY ord
       RETURNING id, type, lead_id, sequence, position
     )
     SELECT id, type, lead_id, sequence,
       pg_notify($2, json_build_object('id', id, 'type', type, 'leadId', lead_id, 'sequence', sequence)::text)
     FROM inserted ORDER BY position`,
    [JSON.stringify(rows), EVENTS_CHANNEL],
  );
  return inserted.map((row) => ({ id: row.id, type: row.type, leadId: row.lead_id, sequence: row.sequence }));
}

/** One event; see emitEvents. */
export async function emitEvent(tx: Context, event: NewEvent): Promise<EmittedEvent> {
  const [emitted] = await emitEvents(tx, [event]);
  return emitted!;
}

interface EventRow {
  id: string;
  type: EventType;
  lead_id: string | null;
  sequence: number | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** The envelope of a stored event: what a webhook body and a subscription message carry. */
export function envelopeOf(row: EventRow): EventEnvelope {
  const data = row.lead_id === null ? row.data : { ...row.data, leadId: row.lead_id, sequence: row.sequence };
  return { id: row.id, type: row.type, timestamp: row.occurred_at.toISOString(), data };
}

/** Committed events by id, in the order of the ids given; unknown ids are left out. */
export async function loadEvents(db: EntityManager, ids: string[]): Promise<EventEnvelope[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<EventRow[]>(
    `SELECT id, type, lead_id, sequence, occurred_at, data FROM outbox_event WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, envelopeOf(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A lead's events in sequence order (for tests and the redelivery of one lead). */
export async function leadEvents(db: EntityManager, leadId: string): Promise<EventEnvelope[]> {
  const rows = await db.query<EventRow[]>(
    `SELECT id, type, lead_id, sequence, occurred_at, data FROM outbox_event WHERE lead_id = $1 ORDER BY sequence`,
    [leadId],
  );
  return rows.map(envelopeOf);
}

/**
 * Forgets delivered events older than `days`, with their delivery log, in batches; answers how
 * many. Kept: events not yet fanned out or still pending for some endpoint, and each lead's latest
 * event (the next one's sequence follows it).
 */
export async function sweepOutbox(db: EntityManager, days: number, batch = 5000): Promise<number> {
  let removed = 0;
  for (;;) {
    const rows = await db.query<Array<{ id: string }>>(
      `WITH gone AS (
         DELETE FROM outbox_event WHERE id IN (
           SELECT o.id FROM outbox_event o
           WHERE o.occurred_at < clock_timestamp() - interval '1 day' * $1 AND o.dispatched_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = o.id AND d.status = 'PENDING')
             AND (o.lead_id IS NULL
                  OR o.sequence < (SELECT max(m.sequence) FROM outbox_event m WHERE m.lead_id = o.lead_id))
           LIMIT $2)
         RETURNING id)
       SELECT id FROM gone`,
      [days, batch],
    );
    removed += rows.length;
    if (rows.length < batch) return removed;
  }
}

/** A lead's events and their deliveries, for erasing the lead (its events hold its personal data). */
export async function forgetLeadEvents(tx: Context, leadId: string): Promise<void> {
  await managerOf(tx).query('DELETE FROM outbox_event WHERE lead_id = $1', [leadId]);
}

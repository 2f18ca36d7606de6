import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { listenOn, type Listener } from '../db/listen';
import { RescoreJobStatus } from '../entities/enums';
import { RescoreJob } from '../entities/rescore-job.entity';
import { logger } from '../logger';
import { AppError, ErrorCode } from '../schema/errors';
import { EVENTS_CHANNEL, type EventNotice, type EventType } from './event-types';
import { envelopeOf } from './outbox';
import { PushStream } from './push-stream';

/**
 * A committed event as a subscription sees it: the outbox row plus where its lead stood right
 * after it (stage key and owner), which the subscription filters test.
 */
export interface LiveEvent {
  id: string;
  type: string;
  leadId: string | null;
  sequence: number | null;
  occurredAt: Date;
  /** As in the webhook body: the event's data, with `leadId` and `sequence` for lead events. */
  data: Record<string, unknown>;
  /** The lead's stage key right after the event. */
  stage: string | null;
  /** The lead's owner right after the event; for an SLA event, the owner of its case. */
  ownerId: string | null;
}

/** How far a subscriber may fall behind before its subscription ends (with SUBSCRIBER_TOO_SLOW). */
export const MAX_BUFFERED_EVENTS = 10_000;

/** Events fetched per query when notices pile up (a bulk re-score emits thousands at once). */
const FETCH_BATCH = 500;

/**
 * After a lost LISTEN connection, the events that occurred from this long before the loss are
 * looked up again (an event's time is its insert, and its transaction commits a little later).
 */
const CATCH_UP_MARGIN_MS = 5000;

interface EventRow {
  id: string;
  type: EventType;
  lead_id: string | null;
  sequence: number | null;
  occurred_at: Date;
  data: Record<string, unknown>;
  stage: string | null;
  owner_id: string | null;
}

/**
 * The events with the lead's stage and owner right after each: taken from the lead's own events
 * up to this one (its creation, stage changes and owner changes, ordered by its sequence, so a
 * later change committed before the fetch does not leak back), or from the lead as it is now for
 * a lead older than the outbox. An SLA event names its case owner (`data.ownerId`) itself.
 */
const EVENTS_SQL = `
  SELECT e.id, e.type, e.lead_id, e.sequence, e.occurred_at, e.data,
    CASE WHEN stage_event.found THEN stage_event.stage ELSE current_stage.key END AS stage,
    CASE WHEN e.type LIKE 'sla.%' AND e.data ? 'ownerId' THEN e.data->>'ownerId'
         WHEN owner_event.found THEN owner_event.owner_id
         ELSE l.owner_id::text END AS owner_id
  FROM outbox_event e
  LEFT JOIN lead l ON l.id = e.lead_id
  LEFT JOIN funnel_stage current_stage ON current_stage.id = l.stage_id
  LEFT JOIN LATERAL (
    SELECT true AS found, CASE p.type WHEN 'lead.created' THEN p.data->>'stage' ELSE p.data->>'to' END AS stage
    FROM outbox_event p
    WHERE p.lead_id = e.lead_id AND p.sequence <= e.sequence AND p.type IN ('lead.created', 'lead.stage_changed')
    ORDER BY p.sequence DESC LIMIT 1
  ) stage_event ON true
  LEFT JOIN LATERAL (
    SELECT true AS found, CASE p.type WHEN 'lead.created' THEN p.data->>'ownerId' ELSE p.data->>'to' END AS owner_id
    FROM outbox_event p
    WHERE p.lead_id = e.lead_id AND p.sequence <= e.sequence AND p.type IN ('lead.created', 'lead.owner_changed')
    ORDER BY p.sequence DESC LIMIT 1
  ) owner_event ON true`;

function liveEventOf(row: EventRow): LiveEvent {
  return {
    id: row.id,
    type: row.type,
    leadId: row.lead_id,
    sequence: row.sequence,
    occurredAt: row.occurred_at,
    data: envelopeOf(row).data,
    stage: row.stage,
    ownerId: row.owner_id,
  };
}

interface Subscriber {
  /** The event types it can want, to skip fetching an event nobody wants. */
  types: ReadonlySet<string> | undefined;
  wants: (event: LiveEvent) => boolean;
  stream: PushStream<LiveEvent>;
}

/**
 * One LISTEN connection per process (per database) for every subscription: a NOTIFY names a
 * committed event; the hub fetches the events it has subscribers for in batches, in the order
 * they were announced (commit order), and hands each to the subscribers whose filters accept it.
 * Started by the first subscription; stopped with the server.
 */
class LiveEventHub {
  private listener: Listener | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private pending: EventNotice[] = [];
  private draining: Promise<void> | undefined;
  /**
   * Ids announced lately (wanted or not), so the catch-up after a reconnection hands out only
   * what was announced while no one here listened.
   */
  private readonly heard = new LRUCache<string, true>({ max: 10_000 });
  /** When this hub first listened: nothing committed before concerns its subscribers. */
  private listeningSince: Date | undefined;
  private stopped = false;

  constructor(private readonly dataSource: DataSource) {}

  async subscribe(
    types: ReadonlySet<string> | undefined,
    wants: (event: LiveEvent) => boolean,
  ): Promise<PushStream<LiveEvent>> {
    if (this.stopped) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The server is shutting down; reconnect');
    await this.listening();
    const subscriber: Subscriber = {
      types,
      wants,
      stream: new PushStream<LiveEvent>(
        () => this.subscribers.delete(subscriber),
        MAX_BUFFERED_EVENTS,
        () =>
          new AppError(
            ErrorCode.SUBSCRIBER_TOO_SLOW,
            `More than ${MAX_BUFFERED_EVENTS} events waited for this subscriber; subscribe again`,
          ),
      ),
    };
    this.subscribers.add(subscriber);
    return subscriber.stream;
  }

  /** Opens the LISTEN connection unless it is open; resolves once it listens (or will retry). */
  listening(): Promise<void> {
    if (!this.listener) {
      const url = (this.dataSource.options as { url?: string }).url!;
      this.listener = listenOn(
        url,
        EVENTS_CHANNEL,
        { onNotice: (payload) => this.notice(payload), onConnected: (lostAt) => this.caughtUp(lostAt) },
        'subscriptions',
      );
    }
    return this.listener.ready;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const subscriber of this.subscribers) subscriber.stream.end();
    await this.listener?.stop();
    await this.draining;
  }

  private notice(payload: string): void {
    let notice: EventNotice;
    try {
      notice = JSON.parse(payload) as EventNotice;
    } catch {
      logger.warn({ payload: payload.slice(0, 200) }, 'unreadable event notice');
      return;
    }
    if (this.heard.has(notice.id)) return;
    this.heard.set(notice.id, true);
    if (![...this.subscribers].some((subscriber) => !subscriber.types || subscriber.types.has(notice.type))) return;
    this.pending.push(notice);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** After a reconnection, the events committed while the connection was down. */
  private caughtUp(lostAt: Date | undefined): void {
    this.listeningSince ??= new Date();
    if (!lostAt) return;
    const since = new Date(Math.max(lostAt.getTime() - CATCH_UP_MARGIN_MS, this.listeningSince.getTime()));
    this.dataSource
      .query<Array<{ id: string; type: EventType }>>(
        'SELECT id, type FROM outbox_event WHERE occurred_at >= $1 ORDER BY position',
        [since],
      )
      .then((rows) => {
        for (const row of rows) {
          this.notice(JSON.stringify({ id: row.id, type: row.type }));
        }
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'catching up on events after a reconnection failed'));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, FETCH_BATCH);
      let events: LiveEvent[];
      try {
        events = await this.fetch(batch.map((notice) => notice.id));
      } catch (error) {
        logger.warn({ err: error, events: batch.length }, 'could not read events for subscriptions');
        continue;
      }
      for (const event of events) {
        for (const subscriber of this.subscribers) {
          if (subscriber.wants(event)) subscriber.stream.push(event);
        }
      }
    }
  }

  /** The events by id, in the order given. */
  private async fetch(ids: string[]): Promise<LiveEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(`${EVENTS_SQL} WHERE e.id = ANY($1::uuid[])`, [ids]);
    const byId = new Map(rows.map((row) => [row.id, liveEventOf(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}

const hubs = new WeakMap<DataSource, LiveEventHub>();

function hubOf(dataSource: DataSource): LiveEventHub {
  let hub = hubs.get(dataSource);
  if (!hub) {
    hub = new LiveEventHub(dataSource);
    hubs.set(dataSource, hub);
  }
  return hub;
}

/**
 * A stream of the committed events that `wants` accepts, from now on. `types` (when given) are
 * the only types `wants` can accept: events of other types are not even read.
 */
export function liveEvents(
  dataSource: DataSource,
  types: ReadonlySet<string> | undefined,
  wants: (event: LiveEvent) => boolean,
): Promise<PushStream<LiveEvent>> {
  return hubOf(dataSource).subscribe(types, wants);
}

/**
 * Opens this database's LISTEN connection ahead of the first subscription (called when a
 * websocket is accepted), so a client's first subscription does not wait for it.
 */
export function prepareLiveEvents(dataSource: DataSource): void {
  hubOf(dataSource)
    .listening()
    .catch(() => undefined);
}

/** Subscriptions to events this process serves for this database (tests wait for theirs to start). */
export function liveEventSubscribers(dataSource: DataSource): number {
  return hubs.get(dataSource)?.subscriberCount ?? 0;
}

/** Ends every subscription of this database's hub and closes its LISTEN connection. */
export async function stopLiveEvents(dataSource: DataSource): Promise<void> {
  const hub = hubs.get(dataSource);
  hubs.delete(dataSource);
  await hub?.stop();
}

const FINISHED: ReadonlySet<RescoreJobStatus> = new Set([RescoreJobStatus.DONE, RescoreJobStatus.FAILED]);

/**
 * A re-score job's progress: the job now, then again whenever its counts or status change (the
 * job row is read every `intervalMs`, whichever process runs the job), ending after the job is
 * DONE or FAILED.
 */
export function rescoreProgress(dataSource: DataSource, job: RescoreJob, intervalMs: number): PushStream<RescoreJob> {
  let timer: NodeJS.Timeout | undefined;
  let open = true;
  const stream = new PushStream<RescoreJob>(
    () => {
      open = false;
      clearTimeout(timer);
    },
    MAX_BUFFERED_EVENTS,
    () => new AppError(ErrorCode.SUBSCRIBER_TOO_SLOW, 'The subscriber fell behind; subscribe again'),
  );
  const fingerprint = (row: RescoreJob): string =>
    [row.status, row.total, row.done, row.changed, row.attempts, row.error].join('|');
  let last = fingerprint(job);
  stream.push(job);
  if (FINISHED.has(job.status)) {
    stream.end();
    return stream;
  }
  const poll = async (): Promise<void> => {
    try {
      const now = await dataSource.getRepository(RescoreJob).findOneBy({ id: job.id });
      if (!now) {
        stream.end();
        return;
      }
      if (fingerprint(now) !== last) {
        last = fingerprint(now);
        stream.push(now);
      }
      if (FINISHED.has(now.status)) {
        stream.end();
        return;
      }
    } catch (error) {
      logger.warn({ err: error, jobId: job.id }, 'reading re-score progress failed; trying again');
    }
    if (open) timer = setTimeout(() => void poll(), intervalMs);
  };
  timer = setTimeout(() => void poll(), intervalMs);
  return stream;
}

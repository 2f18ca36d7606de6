import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { config } from '../config';
import { logger } from '../logger';
import { webhookAttempts, webhookDeliveryAge } from '../observability/metrics';
import { envelopeOf } from './outbox';
import { checkedAddresses, checkedLookup, RefusedTargetError } from './webhooks-target';
import type { EventType } from './event-types';

/**
 * Webhook delivery over the webhook_delivery table:
 *
 * 1. `dispatchEvents` fans committed events out: one delivery per event and active endpoint that
 *    subscribes to its type, in the events' order. One dispatcher at a time (an advisory lock), so
 *    a lead's deliveries are created in its sequence order.
 * 2. `claimDueDeliveries` takes deliveries that are due, oldest first, and only the oldest pending
 *    one per endpoint and lead: a lead's later event is never sent to an endpoint before the
 *    earlier ones were acknowledged (2xx) or dead-lettered. `FOR UPDATE SKIP LOCKED` plus a lease
 *    (`locked_until`) let several workers share the table; a crashed worker's lease expires and
 *    the delivery is retried (at least once).
 * 3. `attemptDelivery` signs (Standard Webhooks) and POSTs; a 2xx is success, anything else is
 *    retried after WEBHOOK_RETRY_BASE_MS * 2^(attempt-1) plus up to 50 % jitter (capped at an
 *    hour), dead-lettered after WEBHOOK_MAX_ATTEMPTS attempts. An endpoint whose attempts failed
 *    WEBHOOK_PAUSE_AFTER_FAILURES times in a row is paused (its events keep queueing).
 */

const DISPATCH_LOCK = 'smarketing_outbox_dispatch';
const DISPATCH_BATCH = 1000;
const MAX_BACKOFF_MS = 3_600_000;

/** Fans out up to `limit` undispatched events; answers how many (0 when another dispatcher runs). */
export async function dispatchEvents(dataSource: DataSource, limit = DISPATCH_BATCH): Promise<number> {
  return dataSource.transaction(async (manager) => {
    const [lock] = await manager.query<Array<{ locked: boolean }>>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
      [DISPATCH_LOCK],
    );
    if (!lock?.locked) return 0;
    const batch = await manager.query<Array<{ id: string }>>(
      `SELECT id FROM outbox_event WHERE dispatched_at IS NULL ORDER BY position LIMIT $1`,
      [limit],
    );
    if (batch.length === 0) return 0;
    const ids = batch.map((row) => row.id);
    await manager.query(
      `INSERT INTO webhook_delivery (endpoint_id, event_id, event_type, lead_id, position, next_attempt_at)
       SELECT e.id, o.id, o.type, o.lead_id, o.position, clock_timestamp()
       FROM outbox_event o JOIN webhook_endpoint e ON e.active AND o.type = ANY(e.event_types)
       WHERE o.id = ANY($1::uuid[])
       ORDER BY o.position
       ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [ids],
    );
    await manager.query(`UPDATE outbox_event SET dispatched_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [ids]);
    return ids.length;
  });
}

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  attempt: number;
}

/** Claims up to `limit` due deliveries for this worker (see the module comment). */
export async function claimDueDeliveries(
  dataSource: DataSource,
  limit: number,
  now = new Date(),
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const leaseMs = config.webhooks.timeoutMs * 2 + 5000;
  const rows = await dataSource.query<Array<{ id: string; endpoint_id: string; event_id: string; attempts: number }>>(
    // (An UPDATE's rows come back from TypeORM with its row count; a WITH around it answers rows.)
    `WITH claimed AS (UPDATE webhook_delivery d SET locked_until = $1::timestamptz + interval '1 millisecond' * $3, attempts = d.attempts + 1
     FROM (
       SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
       WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
         AND (d.locked_until IS NULL OR d.locked_until <= $1)
         AND e.active AND e.paused_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM webhook_delivery p
                          WHERE p.status = 'PENDING' AND p.endpoint_id = d.endpoint_id
                            AND p.lead_id = d.lead_id AND p.position < d.position)
       ORDER BY d.next_attempt_at, d.position
       LIMIT $2
       FOR UPDATE OF d SKIP LOCKED
     ) c
     WHERE d.id = c.id
     RETURNING d.id, d.endpoint_id, d.event_id, d.attempts) SELECT * FROM claimed`,
    [now, limit, leaseMs],
  );
  return rows.map((row) => ({ id: row.id, endpointId: row.endpoint_id, eventId: row.event_id, attempt: row.attempts }));
}

/** Delay before attempt `failed + 1`, after `failed` failed attempts: exponential, with jitter. */
export function retryDelayMs(failed: number, random = Math.random()): number {
  const base = config.webhooks.retryBaseMs * 2 ** Math.max(0, failed - 1);
  return Math.min(MAX_BACKOFF_MS, Math.round(base * (1 + 0.5 * random)));
}

export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The body a webhook carries, signed as sent: `{ type, timestamp, data }`. */
export function webhookBody(envelope: { type: string; timestamp: string; data: unknown }): string {
  return JSON.stringify({ type: envelope.type, timestamp: envelope.timestamp, data: envelope.data });
}

/** POSTs one signed message; never throws (a failure is an outcome). */
export async function postSigned(url: string, secret: string, eventId: string, body: string): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  try {
    const target = new URL(url);
    // Literal addresses skip `lookup`: checked here. Names are checked as they are resolved.
    if (/^[\d.]+$|^\[/.test(target.hostname)) await checkedAddresses(target.hostname);
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'smarketing-api-webhooks/1',
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(eventId, timestamp, body),
      'content-length': String(Buffer.byteLength(body)),
    };
    const client = target.protocol === 'https:' ? https : http;
    const statusCode = await new Promise<number>((resolve, reject) => {
      const request = client.request(
        target,
        { method: 'POST', headers, lookup: checkedLookup, timeout: config.webhooks.timeoutMs, agent: false },
        (response) => {
          response.resume(); // the answer's body is not read
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${config.webhooks.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
    return {
      statusCode,
      latencyMs: elapsed(),
      error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`,
    };
  } catch (error) {
    const message = error instanceof RefusedTargetError || error instanceof Error ? error.message : String(error);
    return { statusCode: null, latencyMs: elapsed(), error: message.slice(0, 500) };
  }
}

interface DeliveryRow {
  endpoint_url: string;
  secret: string;
  id: string;
  type: EventType;
  lead_id: string | null;
  sequence: number | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** Makes one attempt of a claimed delivery and records its outcome. */
export async function attemptDelivery(
  dataSource: DataSource,
  claimed: ClaimedDelivery,
): Promise<AttemptOutcome | undefined> {
  const [row] = await dataSource.query<DeliveryRow[]>(
    `SELECT e.url AS endpoint_url, e.secret, o.id, o.type, o.lead_id, o.sequence, o.occurred_at, o.data
     FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id JOIN outbox_event o ON o.id = d.event_id
     WHERE d.id = $1`,
    [claimed.id],
  );
  if (!row) return undefined; // the endpoint was deleted meanwhile
  const envelope = envelopeOf(row);
  const outcome = await postSigned(row.endpoint_url, row.secret, envelope.id, webhookBody(envelope));
  await recordOutcome(dataSource, claimed, outcome);
  webhookAttempts.inc({ outcome: outcome.error === null ? 'delivered' : 'failed' });
  if (outcome.error === null) webhookDeliveryAge.observe((Date.now() - row.occurred_at.getTime()) / 1000);
  return outcome;
}

async function recordOutcome(dataSource: DataSource, claimed: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
  const delivered = outcome.error === null;
  const dead = !delivered && claimed.attempt >= config.webhooks.maxAttempts;
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `INSERT INTO webhook_attempt (delivery_id, at, status_code, latency_ms, error) VALUES ($1, clock_timestamp(), $2, $3, $4)`,
      [claimed.id, outcome.statusCode, outcome.latencyMs, outcome.error],
    );
    await manager.query(
      `UPDATE webhook_delivery SET
         status = $2::webhook_delivery_status, locked_until = NULL,
         last_status_code = $3, last_latency_ms = $4, last_error = $5,
         delivered_at = CASE WHEN $2 = 'DELIVERED' THEN clock_timestamp() ELSE delivered_at END,
         dead_at = CASE WHEN $2 = 'DEAD' THEN clock_timestamp() ELSE dead_at END,
         next_attempt_at = CASE WHEN $2 = 'PENDING' THEN clock_timestamp() + interval '1 millisecond' * $6 ELSE NULL END
       WHERE id = $1`,
      [
        claimed.id,
        delivered ? 'DELIVERED' : dead ? 'DEAD' : 'PENDING',
        outcome.statusCode,
        outcome.latencyMs,
        outcome.error,
        retryDelayMs(claimed.attempt),
      ],
    );
    if (delivered) {
      await manager.query(
        `UPDATE webhook_endpoint SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures > 0`,
        [claimed.endpointId],
      );
      return;
    }
    const [endpoint] = await manager.query<Array<{ paused: boolean }>>(
      `WITH endpoint AS (UPDATE webhook_endpoint SET consecutive_failures = consecutive_failures + 1,
         paused_at = CASE WHEN paused_at IS NULL AND consecutive_failures + 1 >= $2 THEN clock_timestamp() ELSE paused_at END
       WHERE id = $1 RETURNING paused_at IS NOT NULL AS paused) SELECT * FROM endpoint`,
      [claimed.endpointId, config.webhooks.pauseAfterFailures],
    );
    if (dead || endpoint?.paused) {
      logger.warn(
        {
          endpointId: claimed.endpointId,
          deliveryId: claimed.id,
          attempt: claimed.attempt,
          error: outcome.error,
          paused: endpoint?.paused,
        },
        dead ? 'webhook delivery dead-lettered' : 'webhook endpoint paused',
      );
    }
  });
}

/**
 * When the next delivery could be due (the earliest retry or lease end over active, unpaused
 * endpoints), and whether events wait to be dispatched.
 */
export async function nextWork(dataSource: DataSource): Promise<{ undispatched: boolean; nextDueAt: Date | null }> {
  const [row] = await dataSource.query<Array<{ undispatched: boolean; next_due_at: Date | null }>>(
    `SELECT EXISTS (SELECT 1 FROM outbox_event WHERE dispatched_at IS NULL) AS undispatched,
       (SELECT min(greatest(d.next_attempt_at, coalesce(d.locked_until, d.next_attempt_at)))
          FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
         WHERE d.status = 'PENDING' AND e.active AND e.paused_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM webhook_delivery p
                            WHERE p.status = 'PENDING' AND p.endpoint_id = d.endpoint_id
                              AND p.lead_id = d.lead_id AND p.position < d.position)) AS next_due_at`,
  );
  return { undispatched: row?.undispatched ?? false, nextDueAt: row?.next_due_at ?? null };
}

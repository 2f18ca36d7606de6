import { Gauge } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { metricsRegistry, scrapeDataSource, withDeadline } from '../observability/metrics';

type Db = DataSource | EntityManager;

/**
 * Seconds since the oldest event that is not yet delivered everywhere it should go: not yet
 * fanned out to the endpoints, or with a delivery still pending (waiting or retrying) to an active
 * endpoint that is not paused. 0 when everything is delivered. Paused endpoints and dead letters
 * are counted per endpoint instead (endpointFailureCounts): they wait for an operator, not for us.
 */
export async function outboxLagSeconds(db: Db): Promise<number> {
  const [row] = await db.query<Array<{ lag: number | null }>>(
    `SELECT extract(epoch FROM clock_timestamp() - least(
       (SELECT min(occurred_at) FROM outbox_event WHERE dispatched_at IS NULL),
       (SELECT min(o.occurred_at) FROM webhook_delivery d
          JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.active AND e.paused_at IS NULL
          JOIN outbox_event o ON o.id = d.event_id
         WHERE d.status = 'PENDING')))::float8 AS lag`,
  );
  return Math.max(0, row?.lag ?? 0);
}

export interface EndpointFailureCounts {
  endpointId: string;
  paused: boolean;
  consecutiveFailures: number;
  /** Attempts that failed (non-2xx, no answer, refused), over the endpoint's deliveries. */
  failedAttempts: number;
  /** Deliveries dead-lettered and not replayed. */
  deadDeliveries: number;
  /** Deliveries not yet acknowledged. */
  pendingDeliveries: number;
}

/** Failure counts of the given endpoints (all when `ids` is undefined), one statement. */
export async function endpointFailureCounts(
  db: Db,
  ids?: readonly string[],
): Promise<Map<string, EndpointFailureCounts>> {
  const rows = await db.query<
    Array<{ id: string; paused: boolean; consecutive_failures: number; failed: number; dead: number; pending: number }>
  >(
    `SELECT e.id, e.paused_at IS NOT NULL AS paused, e.consecutive_failures,
       (SELECT count(*) FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
         WHERE d.endpoint_id = e.id AND a.error IS NOT NULL)::int AS failed,
       (SELECT count(*) FROM webhook_delivery d WHERE d.endpoint_id = e.id AND d.status = 'DEAD')::int AS dead,
       (SELECT count(*) FROM webhook_delivery d WHERE d.endpoint_id = e.id AND d.status = 'PENDING')::int AS pending
     FROM webhook_endpoint e WHERE $1::uuid[] IS NULL OR e.id = ANY($1::uuid[])`,
    [ids ?? null],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        endpointId: row.id,
        paused: row.paused,
        consecutiveFailures: row.consecutive_failures,
        failedAttempts: row.failed,
        deadDeliveries: row.dead,
        pendingDeliveries: row.pending,
      },
    ]),
  );
}

new Gauge({
  name: 'smarketing_outbox_lag_seconds',
  help: 'Age in seconds of the oldest event not yet delivered to every active, unpaused endpoint (0: none waiting).',
  registers: [metricsRegistry],
  async collect() {
    const dataSource = scrapeDataSource();
    if (!dataSource) return;
    const lag = await withDeadline(outboxLagSeconds(dataSource));
    if (lag !== undefined) this.set(lag);
  },
});

new Gauge({
  name: 'smarketing_webhook_endpoint_deliveries',
  help: 'Per webhook endpoint: failed attempts (failed_attempts), dead-lettered deliveries (dead), deliveries waiting (pending), failed attempts in a row (consecutive_failures), and 1 when paused (paused).',
  labelNames: ['endpoint_id', 'kind'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    const dataSource = scrapeDataSource();
    if (!dataSource) return;
    const counts = await withDeadline(endpointFailureCounts(dataSource));
    for (const row of counts?.values() ?? []) {
      const endpoint_id = row.endpointId;
      this.set({ endpoint_id, kind: 'failed_attempts' }, row.failedAttempts);
      this.set({ endpoint_id, kind: 'dead' }, row.deadDeliveries);
      this.set({ endpoint_id, kind: 'pending' }, row.pendingDeliveries);
      this.set({ endpoint_id, kind: 'consecutive_failures' }, row.consecutiveFailures);
      this.set({ endpoint_id, kind: 'paused' }, row.paused ? 1 : 0);
    }
  },
});

import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { KNOWN_CODES } from '../schema/errors';

/**
 * The Prometheus metrics of this process (prom-client), all in one registry that `/metrics`
 * serves. Labels are bounded: operation names are capped (see `operationLabel`), error codes come
 * from our list, routes from the few paths we serve.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'smarketing_' });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestDuration = new Histogram({
  name: 'smarketing_http_request_duration_seconds',
  help: 'HTTP requests by method, route (the path served, or "other"), GraphQL operation label ("none" off /graphql) and status code, from the first middleware to the last byte written.',
  labelNames: ['method', 'route', 'operation', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const graphqlDuration = new Histogram({
  name: 'smarketing_graphql_operation_duration_seconds',
  help: 'GraphQL operations by operation name and type, from the start of the request to the response being ready. Anonymous operations are "anonymous", documents that never resolved to an operation "unknown", names past the first 200 "other".',
  labelNames: ['operation', 'type'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const graphqlErrors = new Counter({
  name: 'smarketing_graphql_errors_total',
  help: 'Errors returned to GraphQL clients, by extensions.code (codes outside the known list count as "OTHER").',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

export const rateLimitRefusals = new Counter({
  name: 'smarketing_rate_limit_refusals_total',
  help: 'Operations refused with RATE_LIMITED, by bucket (mutations, metrics).',
  labelNames: ['bucket'] as const,
  registers: [metricsRegistry],
});

export const ruleEvaluationDuration = new Histogram({
  name: 'smarketing_rule_evaluation_seconds',
  help: 'Time spent evaluating scoring and qualification rules for one batch of leads (one lead for a mutation, a chunk for a re-score), by mode (engine, fast).',
  labelNames: ['mode'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const rescoredLeads = new Counter({
  name: 'smarketing_rescore_leads_total',
  help: 'Leads re-scored by background re-score jobs in this process (committed chunks).',
  registers: [metricsRegistry],
});

export const webhookAttempts = new Counter({
  name: 'smarketing_webhook_attempts_total',
  help: 'Webhook delivery attempts made by this process, by outcome (delivered: a 2xx answer; failed: anything else).',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const webhookDeliveryAge = new Histogram({
  name: 'smarketing_webhook_delivery_age_seconds',
  help: "Seconds from an event's commit (its occurredAt) to the endpoint's 2xx answer, for deliveries made by this process.",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  registers: [metricsRegistry],
});

/** The database pools this process serves requests from (one in production; tests may start several). */
const pools = new Set<DataSource>();

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

function poolOf(dataSource: DataSource): PgPool | undefined {
  if (!dataSource.isInitialized) return undefined;
  return (dataSource.driver as unknown as { master?: PgPool }).master;
}

function sumPools(read: (pool: PgPool) => number): number {
  let sum = 0;
  for (const dataSource of pools) {
    const pool = poolOf(dataSource);
    if (pool) sum += read(pool);
  }
  return sum;
}

new Gauge({
  name: 'smarketing_db_pool_connections_in_use',
  help: 'Database connections checked out of the pool right now.',
  registers: [metricsRegistry],
  collect() {
    this.set(sumPools((pool) => pool.totalCount - pool.idleCount));
  },
});

new Gauge({
  name: 'smarketing_db_pool_waiting',
  help: 'Requests waiting for a database connection from the pool right now.',
  registers: [metricsRegistry],
  collect() {
    this.set(sumPools((pool) => pool.waitingCount));
  },
});

new Gauge({
  name: 'smarketing_db_pool_connections',
  help: 'Database connections open in the pool (in use and idle).',
  registers: [metricsRegistry],
  collect() {
    this.set(sumPools((pool) => pool.totalCount));
  },
});

/** A data source a scrape-time gauge may read from (the first initialized pool), if any. */
export function scrapeDataSource(): DataSource | undefined {
  return [...pools].find((candidate) => candidate.isInitialized);
}

/** A scrape must stay cheap and quick even when the database is slow. */
export async function withDeadline<T>(work: Promise<T>, ms = 1000): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

new Gauge({
  name: 'smarketing_rescore_leads_remaining',
  help: 'Leads still to re-score in queued and running re-score jobs (read from the database at scrape time).',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    const dataSource = [...pools].find((candidate) => candidate.isInitialized);
    if (!dataSource) return;
    const rows = await withDeadline(
      dataSource.query<Array<{ status: string; remaining: number }>>(
        `SELECT status::text AS status, coalesce(sum(greatest(total - done, 0)), 0)::int AS remaining
         FROM rescore_job WHERE status IN ('QUEUED', 'RUNNING') GROUP BY status`,
      ),
    );
    this.set({ status: 'QUEUED' }, 0);
    this.set({ status: 'RUNNING' }, 0);
    for (const row of rows ?? []) this.set({ status: row.status }, row.remaining);
  },
});

/** How many jobs wait in each queue; set by the process that runs the job queue. */
let queueDepths: (() => Promise<Record<string, number>>) | undefined;

export function reportQueueDepths(source: (() => Promise<Record<string, number>>) | undefined): void {
  queueDepths = source;
}

new Gauge({
  name: 'smarketing_job_queue_depth',
  help: 'Jobs waiting in each pg-boss queue (created or retrying, not yet active); only in a process that runs the job queue.',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    if (!queueDepths) return;
    const depths = await withDeadline(queueDepths());
    for (const [queue, depth] of Object.entries(depths ?? {})) this.set({ queue }, depth);
  },
});

/** Counts this data source's pool in the pool gauges until it is destroyed. */
export function watchPool(dataSource: DataSource): () => void {
  pools.add(dataSource);
  return () => {
    pools.delete(dataSource);
  };
}

/** Distinct operation names get a label of their own up to this many; later ones are "other". */
export const MAX_OPERATION_LABELS = 200;
const operationNames = new Set<string>();

/** A bounded label for an operation name: clients choose names, so they cannot be trusted to be few. */
export function operationLabel(name: string | null | undefined, resolved: boolean): string {
  if (!resolved) return 'unknown';
  if (!name) return 'anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_LABELS) return 'other';
  operationNames.add(name);
  return name;
}

function errorCodeLabel(code: unknown): string {
  // No code at all: an error nobody recognised, which the client sees masked.
  if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) return 'INTERNAL_SERVER_ERROR';
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'OTHER';
}

/**
 * Times every GraphQL operation by name and counts the errors sent back by code (unless `record`
 * is false: metrics off). It also notes the operation name and the first error code on the
 * request's observation, for the request log.
 */
export function graphqlMetricsPlugin(record = true): ApolloServerPlugin<Context> {
  return {
    requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return Promise.resolve({
        willSendResponse({ operation, operationName, response, contextValue: context }) {
          const label = operationLabel(operation ? (operation.name?.value ?? null) : operationName, !!operation);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          if (record) graphqlDuration.observe({ operation: label, type: operation?.operation ?? 'unknown' }, seconds);
          const body = response.body;
          const errors = body.kind === 'single' ? body.singleResult.errors : undefined;
          const observation = (context ?? contextValue).observation;
          if (observation) observation.operation = label;
          for (const error of errors ?? []) {
            const code = errorCodeLabel(error.extensions?.code);
            if (record) graphqlErrors.inc({ code });
            if (observation && !observation.code) observation.code = code;
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** Counts GraphQL errors raised before an operation starts (a refused token), which no plugin sees. */
export function countGraphqlError(code: unknown): string {
  const label = errorCodeLabel(code);
  graphqlErrors.inc({ code: label });
  return label;
}

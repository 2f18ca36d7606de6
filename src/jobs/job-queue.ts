import PgBoss from 'pg-boss';
import type { QueryRunner } from 'typeorm';
import { config } from '../config';
import { logger } from '../logger';

/**
 * The pg-boss queue of this process, seen from below: the one module of src/jobs that services
 * may import (it knows no service). It installs pg-boss's schema (the release step) and sends a
 * job inside the caller's transaction. What runs the jobs, and when, is `jobs.ts`.
 */

/** The pg-boss instance that `startJobs` runs in this process; none in the CLI and most tests. */
let running: PgBoss | undefined;

/** How pg-boss is reached; `migrate` installs or upgrades its schema. */
export function createJobQueue(url: string, options: { migrate: boolean; max?: number; background?: boolean }): PgBoss {
  const background = options.background ?? true;
  return new PgBoss({
    connectionString: url,
    max: options.max ?? 3,
    application_name: 'smarketing-api-jobs',
    migrate: options.migrate,
    // Maintenance (expiring, archiving) and the cron checks run in every working process; pg-boss
    // lets one of them take each turn.
    supervise: background,
    schedule: background,
    // How often one process (whichever takes the turn) checks the cron schedules, and how often
    // every process polls for the jobs a schedule sends.
    cronMonitorIntervalSeconds: config.jobs.cronCheckSeconds,
    cronWorkerIntervalSeconds: Math.min(config.jobs.cronCheckSeconds, 5),
  });
}

/**
 * Installs (or upgrades) pg-boss's schema. Part of the release step: it runs under the migration
 * lock, because two processes installing pg-boss's schema at the same moment deadlock. The queues
 * themselves are created by `startJobs`, from the definitions in `jobs.ts`.
 */
export async function installJobQueue(url: string): Promise<void> {
  // Only the schema: no maintenance, no cron checks from this short-lived instance.
  const queue = createJobQueue(url, { migrate: true, max: 1, background: false });
  queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
  await queue.start();
  await queue.stop({ graceful: false, wait: true });
}

/** Called by `startJobs` when this process starts and stops working the queues. */
export function setRunningJobQueue(queue: PgBoss | undefined): void {
  running = queue;
}

/**
 * Sends a job in the caller's transaction, so it exists exactly when the transaction commits.
 * Returns false when this process runs no queue (CLI, tests): the caller's own record of the work
 * must then let a sweep find it (as a QUEUED rescore_job is found by the re-queue sweep). The
 * queue's policy decides whether a copy is refused (pg-boss answers null; no error).
 */
export async function enqueue(
  transaction: QueryRunner,
  queue: string,
  data: object,
  options: PgBoss.SendOptions = {},
): Promise<boolean> {
  if (!running) return false;
  await running.send(queue, data, {
    ...options,
    db: { executeSql: async (text, values) => ({ rows: (await transaction.query(text, values, true)).records }) },
  });
  return true;
}

/**
 * Sends a job outside any transaction (the work it names is already committed). Returns false
 * when this process runs no queue (CLI, tests): the caller then runs the work itself, or leaves it
 * to a sweep.
 */
export async function sendJob(queue: string, data: object, options: PgBoss.SendOptions = {}): Promise<boolean> {
  if (!running) return false;
  await running.send(queue, data, options);
  return true;
}

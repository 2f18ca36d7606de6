import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';

/**
 * How a queue of background work is described: one call per queue, listed in
 * `background-jobs.ts`. Three shapes:
 *
 * - `onCron(queue, cron, run)`: pg-boss's schedule sends one job per cron tick (minute-granular,
 *   UTC) for the whole system, whatever the number of processes: one process takes each turn
 *   checking the schedules, and pg-boss keeps one send per schedule and minute.
 * - `every(queue, seconds, run)`: for work more frequent than a minute (the stage-time pass, the
 *   rollup delta fold). A self-re-queueing chain: each run, when it ends, sends the next copy with
 *   `startAfter: seconds`. A `* * * * *` schedule and each process's start send a copy too, which
 *   the queue's policy refuses while the chain holds one, so a chain broken by a crash restarts
 *   within a minute and there is never more than one.
 * - `onDemand(queue, run)`: jobs sent by a service in its transaction (`enqueue`), e.g. the
 *   re-score after a publish or an import.
 *
 * Every queue is `stately` unless it says otherwise: pg-boss's unique index allows one queued,
 * one retrying and one active job per queue and singleton key, and a second copy is never
 * activated while one runs (in any process). A tick that comes while the previous run still
 * works queues one follow-up, never two runs at once and never a pile.
 */

export type QueuePolicy = 'standard' | 'short' | 'singleton' | 'stately';

/** What a job's code gets besides its data. */
export interface JobTools {
  dataSource: DataSource;
  /** Aborted when the process stops: a long job ends after the step in hand and is taken up again. */
  stop: AbortSignal;
  /** Sends a job to a queue, outside any transaction. */
  send: (queue: string, data: object, options?: PgBoss.SendOptions) => Promise<string | null>;
}

export type JobTiming = { cron: string } | { everySeconds: number } | { onDemand: true };

export interface JobDefinition<Data extends object = object> {
  queue: string;
  timing: JobTiming;
  policy: QueuePolicy;
  /** Also sent once when a process starts (a sweep that should not wait for its first tick). */
  atStart: boolean;
  /** Queue-level defaults for its jobs: retries, delay between them, how long a run may take. */
  options: Pick<PgBoss.Queue, 'retryLimit' | 'retryDelay' | 'expireInSeconds'>;
  run(tools: JobTools, data: Data): Promise<unknown>;
}

interface Extra {
  policy?: QueuePolicy;
  atStart?: boolean;
  retryLimit?: number;
  retryDelay?: number;
  expireInSeconds?: number;
}

function define<Data extends object>(
  queue: string,
  timing: JobTiming,
  run: (tools: JobTools, data: Data) => Promise<unknown>,
  extra: Extra,
  defaults: { retryLimit: number; expireInSeconds: number },
): JobDefinition<Data> {
  const { policy = 'stately', atStart = false, ...options } = extra;
  return { queue, timing, policy, atStart, options: { ...defaults, ...options }, run };
}

/** A job sent by pg-boss's schedule at each tick of `cron` (five fields, UTC). */
export function onCron(
  queue: string,
  cron: string,
  run: (tools: JobTools) => Promise<unknown>,
  extra: Extra = {},
): JobDefinition {
  // A failed tick is not retried: the next tick runs it again.
  return define(queue, { cron }, run, extra, { retryLimit: 0, expireInSeconds: 15 * 60 });
}

/** A job run every `seconds` (after the end of the previous run), once for the whole system. */
export function every(
  queue: string,
  seconds: number,
  run: (tools: JobTools) => Promise<unknown>,
  extra: Extra = {},
): JobDefinition {
  // Not retried: the chain's next run comes `seconds` later anyway. A run that outlives its
  // expiry (a crashed process) is failed by pg-boss's maintenance, and the chain goes on.
  return define(queue, { everySeconds: seconds }, run, extra, { retryLimit: 0, expireInSeconds: 10 * 60 });
}

/** A queue whose jobs services send (`enqueue`, in their transaction). */
export function onDemand<Data extends object>(
  queue: string,
  run: (tools: JobTools, data: Data) => Promise<unknown>,
  extra: Extra = {},
): JobDefinition<Data> {
  return define(queue, { onDemand: true }, run, extra, { retryLimit: 2, expireInSeconds: 15 * 60 });
}

import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { config } from '../config';
import { logger } from '../logger';
import { reportQueueDepths } from '../observability/metrics';
import { startWebhookWorker } from '../events/webhooks-worker';
import { backgroundJobs } from './background-jobs';
import type { JobDefinition, JobTools } from './job-definition';
import { createJobQueue, setRunningJobQueue } from './job-queue';

/** Held while a process creates the queues and schedules, so starting replicas take turns. */
const SETUP_LOCK = "hashtext('smarketing.job-queues')";

/** The `* * * * *` schedule that restarts an `every` chain a crash broke (refused while it holds one). */
const KEEPER_CRON = '* * * * *';

/**
 * Creates the queues (with their policies) and the schedules of `jobs`, and drops schedules no
 * definition names any more, so a removed job stops being sent. Under an advisory lock: pg-boss
 * creates a queue's partition table, and two processes doing it at once would race.
 */
async function setUp(queue: PgBoss, dataSource: DataSource, jobs: JobDefinition[]): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(${SETUP_LOCK})`);
    try {
      for (const job of jobs) {
        const options = { name: job.queue, policy: job.policy, ...job.options };
        await queue.createQueue(job.queue, options);
        // A queue made before (another policy, other retries): its settings apply to jobs sent from now on.
        await queue.updateQueue(job.queue, options);
        if ('cron' in job.timing) await queue.schedule(job.queue, job.timing.cron, {}, { tz: 'UTC' });
        if ('everySeconds' in job.timing) await queue.schedule(job.queue, KEEPER_CRON, {}, { tz: 'UTC' });
      }
      const names = new Set(jobs.map((job) => job.queue));
      for (const schedule of await queue.getSchedules()) {
        if (!names.has(schedule.name)) await queue.unschedule(schedule.name);
      }
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${SETUP_LOCK})`);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Works every background job in this process (`backgroundJobs()` unless given): each queue gets a
 * worker taking one job at a time; `every` jobs send their next copy when a run ends. pg-boss
 * keeps its tables in the `pgboss` schema of the same database. Returns the stop function: it
 * stops taking jobs, aborts `tools.stop` and waits (up to 10 s) for the runs in hand.
 */
export async function startJobs(
  dataSource: DataSource,
  url: string,
  jobs: JobDefinition[] = backgroundJobs(),
): Promise<() => Promise<void>> {
  const stopping = new AbortController();
  // pg-boss's schema was installed by the release step (installJobQueue, under the migration lock).
  const queue = createJobQueue(url, { migrate: false });
  queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
  await queue.start();
  await setUp(queue, dataSource, jobs);
  const tools: JobTools = {
    dataSource,
    stop: stopping.signal,
    send: (name, data, options = {}) => queue.send(name, data, options),
  };
  for (const job of jobs) {
    await queue.work<object>(job.queue, { pollingIntervalSeconds: config.jobs.pollSeconds }, async ([received]) => {
      if (!received) return;
      try {
        await job.run(tools, received.data);
      } catch (error) {
        logger.warn({ err: error, queue: job.queue }, 'background job failed');
        throw error; // pg-boss records it, and retries it when the queue allows
      } finally {
        if ('everySeconds' in job.timing) await chain(queue, job, job.timing.everySeconds);
      }
    });
  }
  // Chains and start-up sweeps: refused by the stately queue when a copy is already queued.
  for (const job of jobs) {
    if (job.atStart || 'everySeconds' in job.timing) await queue.send(job.queue, {}, {});
  }
  setRunningJobQueue(queue);
  // The webhook delivery loop of this process (woken by commits, retries and its queue's jobs).
  const stopWebhooks = await startWebhookWorker(dataSource, url, tools.send);
  reportQueueDepths(async () => {
    const depths: Record<string, number> = {};
    for (const job of jobs) depths[job.queue] = (await queue.getQueueSize(job.queue)) ?? 0;
    return depths;
  });
  return async () => {
    setRunningJobQueue(undefined);
    reportQueueDepths(undefined);
    stopping.abort(); // a running re-score ends after the chunk in hand
    await stopWebhooks();
    await queue.stop({ graceful: true, timeout: 10_000, wait: true });
  };
}

/** The next run of an `every` job, `seconds` from now; the queue refuses it when one is queued. */
async function chain(queue: PgBoss, job: JobDefinition, seconds: number): Promise<void> {
  await queue
    .send(job.queue, {}, { startAfter: seconds })
    .catch((error: unknown) => logger.warn({ err: error, queue: job.queue }, 'could not queue the next run'));
}

import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { RescoreJobStatus } from '../entities/enums';
import { createLoaders } from '../loaders';
import { logger } from '../logger';
import {
  RESCORE_CHUNK,
  RESCORE_QUEUE,
  createRescoreJob,
  rescoreRetryOptions,
  runRescoreJob,
} from '../services/rescore.service';
import { inTransaction } from '../services/transaction';
import type { JobTools } from './job-definition';

function systemContext(dataSource: DataSource): Context {
  return { requestId: 'jobs', user: null, dataSource, loaders: createLoaders(dataSource) };
}

/** One re-score job (sent by a publish, a rollback, the daily schedule or the sweep). */
export async function runQueuedRescore({ dataSource, stop }: JobTools, data: { jobId: string }): Promise<void> {
  const result = await runRescoreJob(dataSource, data.jobId, RESCORE_CHUNK, stop);
  if (result.status === RescoreJobStatus.DONE) {
    logger.info({ jobId: result.id, total: result.total, changed: result.changed }, 're-score finished');
  }
}

/**
 * The daily re-score: facts such as "days since the last activity" or "days in stage" change with
 * time alone, so every lead is evaluated again once a day.
 */
export async function queueDailyRescore({ dataSource }: JobTools): Promise<void> {
  await inTransaction(systemContext(dataSource), (tx) => createRescoreJob(tx, 'daily', null));
}

/**
 * Re-score jobs a crash left QUEUED or RUNNING, or queued by a process without a queue (a CLI), are
 * sent again. A job that pg-boss already holds (queued, retrying or running in some process) is
 * left alone, and the `stately` re-score queue refuses a second queued copy anyway; pg-boss offers
 * no lookup by singleton key, so its table is read.
 */
export async function requeueUnfinishedRescoreJobs({ dataSource, send }: JobTools): Promise<number> {
  const unfinished = await dataSource.query<Array<{ id: string }>>(
    `SELECT r.id FROM rescore_job r
      WHERE r.status IN ('QUEUED', 'RUNNING')
        AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                         WHERE j.name = $1 AND j.singleton_key = r.id::text AND j.state < 'completed')`,
    [RESCORE_QUEUE],
  );
  for (const job of unfinished) {
    await send(RESCORE_QUEUE, { jobId: job.id }, { ...rescoreRetryOptions(), singletonKey: job.id });
  }
  return unfinished.length;
}

import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { RescoreJobStatus } from '../entities/enums';
import { MetricsRebuildJob } from '../entities/metrics-rebuild-job.entity';
import { enqueue } from '../jobs/job-queue';
import { logger } from '../logger';
import { countLeadsInRange, leadIdsInRange, rebuildDaysOf, rebuildLeadRollups } from '../rollups/repair';
import { badInput, notFound } from '../schema/errors';
import { assertId } from './references';
import { recordAudit } from './audit';
import { inTransaction } from './transaction';

export const METRICS_REBUILD_QUEUE = 'rebuild-metrics';
const BATCH = 1000;

/**
 * Records a rebuild of the rollups of the leads created in [from, to) (all when both are null) and
 * queues it with the caller's transaction. Without a queue in this process the job waits QUEUED
 * until a worker starts and its sweep picks it up.
 */
export async function createMetricsRebuildJob(
  tx: Context,
  from: Date | null,
  to: Date | null,
): Promise<{ job: MetricsRebuildJob; queued: boolean }> {
  if (from && to && from.getTime() >= to.getTime()) throw badInput('to', 'to must be after from');
  const repo = repositoryOf(tx, MetricsRebuildJob);
  const job = await repo.save(repo.create({ from, to, requestedById: tx.user?.id ?? null }));
  await recordAudit(tx, 'metrics', null, 'rebuild', null, { jobId: job.id, from, to });
  const queued = await enqueue(
    managerOf(tx).queryRunner!,
    METRICS_REBUILD_QUEUE,
    { jobId: job.id },
    { singletonKey: job.id },
  );
  return { job, queued };
}

/**
 * rebuildMetrics: records and queues the job; a process without a queue (tests, a CLI) runs it
 * itself in the background once recorded. Either way one run at a time (the job's advisory lock),
 * and a run cut short is resumed by the next worker's sweep.
 */
export async function requestMetricsRebuild(
  ctx: Context,
  from: Date | null,
  to: Date | null,
): Promise<MetricsRebuildJob> {
  const { job, queued } = await inTransaction(ctx, (tx) => createMetricsRebuildJob(tx, from, to));
  if (!queued) {
    runMetricsRebuildJob(ctx.dataSource, job.id).catch((error: unknown) =>
      logger.warn(
        { err: error, jobId: job.id },
        'metrics rebuild failed; it is marked FAILED, request it again with rebuildMetrics',
      ),
    );
  }
  return job;
}

export async function getMetricsRebuildJobOrThrow(ctx: Context, id: string): Promise<MetricsRebuildJob> {
  assertId(id, 'id');
  const job = await repositoryOf(ctx, MetricsRebuildJob).findOneBy({ id });
  if (!job) throw notFound('metrics rebuild job', id, 'id');
  return job;
}

/**
 * Runs a rebuild: the per-lead rollups of its leads in batches of `batch` by id (each batch one
 * transaction that also advances the job's cursor and `done`, so a restarted job resumes after the
 * last committed batch), then the daily sums of their days in one transaction. One run per job
 * at a time (advisory lock); a second copy returns at once.
 */
export async function runMetricsRebuildJob(
  dataSource: DataSource,
  jobId: string,
  batch = BATCH,
): Promise<MetricsRebuildJob> {
  const jobs = dataSource.getRepository(MetricsRebuildJob);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lock = "hashtext('smarketing.rebuild_metrics'), hashtext($1)";
  try {
    const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(${lock}) AS locked`, [jobId])) as [
      { locked: boolean },
    ];
    if (!locked) return await jobs.findOneByOrFail({ id: jobId });
    try {
      let job = await jobs.findOneByOrFail({ id: jobId });
      if (job.status === RescoreJobStatus.DONE) return job;
      const range = { from: job.from, to: job.to };
      if (job.status !== RescoreJobStatus.RUNNING) {
        await jobs.update(
          { id: jobId },
          {
            status: RescoreJobStatus.RUNNING,
            startedAt: new Date(),
            total: await countLeadsInRange(dataSource, range),
            error: null,
          },
        );
      }
      try {
        for (let cursor = job.cursor; ;) {
          const ids = await dataSource.transaction(async (manager) => {
            const batchIds = await leadIdsInRange(manager, range, cursor, batch);
            if (batchIds.length === 0) return batchIds;
            await rebuildLeadRollups(manager, batchIds);
            await manager.query('UPDATE metrics_rebuild_job SET done = done + $2, cursor = $3 WHERE id = $1', [
              jobId,
              batchIds.length,
              batchIds[batchIds.length - 1],
            ]);
            return batchIds;
          });
          if (ids.length < batch) break;
          cursor = ids[ids.length - 1]!;
        }
        await dataSource.transaction((manager) => rebuildDaysOf(manager, range));
        await jobs.update({ id: jobId }, { status: RescoreJobStatus.DONE, finishedAt: new Date() });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await jobs.update({ id: jobId }, { status: RescoreJobStatus.FAILED, error: message, finishedAt: new Date() });
        throw error;
      }
      job = await jobs.findOneByOrFail({ id: jobId });
      logger.info({ jobId, leads: job.done }, 'metric rollups rebuilt');
      return job;
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${lock})`, [jobId]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Rebuild jobs a crash left QUEUED or RUNNING, or that a process without a queue recorded, and
 * that pg-boss does not hold: their ids, for the re-queue sweep (src/jobs) to send again.
 */
export async function unfinishedMetricsRebuilds(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<Array<{ id: string }>>(
    `SELECT r.id FROM metrics_rebuild_job r WHERE r.status IN ('QUEUED', 'RUNNING')
        AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                         WHERE j.name = $1 AND j.singleton_key = r.id::text AND j.state < 'completed')`,
    [METRICS_REBUILD_QUEUE],
  );
  return rows.map((row) => row.id);
}

import type { DataSource } from 'typeorm';
import { config } from '../config';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { RescoreJobStatus } from '../entities/enums';
import { RescoreJob } from '../entities/rescore-job.entity';
import { createLoaders } from '../loaders';
import { logger } from '../logger';
import { rescoredLeads } from '../observability/metrics';
import { enqueue } from '../jobs/job-queue';
import { assertId } from './references';
import { loadScoringInput, scoreLoaded } from './scoring.service';
import { inTransaction } from './transaction';
import { badInput, notFound } from '../schema/errors';

/** The pg-boss queue of re-score jobs (src/jobs/background-jobs.ts works it). */
export const RESCORE_QUEUE = 'rescore';
export const RESCORE_CHUNK = 1000;

/** pg-boss retries a failed run a bounded number of times (RESCORE_RETRY_LIMIT), then stops. */
export function rescoreRetryOptions(): { retryLimit: number; retryDelay: number } {
  return { retryLimit: config.ruleWork.rescoreRetryLimit, retryDelay: config.ruleWork.rescoreRetryDelaySeconds };
}

function systemContext(dataSource: DataSource): Context {
  return { requestId: 'rescore', user: null, dataSource, loaders: createLoaders(dataSource) };
}

/**
 * Records a re-score of every lead and queues it in the caller's transaction: the job exists and
 * is queued exactly when the publish commits. Without a queue in this process (CLI, tests), the
 * job waits as QUEUED until a worker starts and picks up unfinished jobs.
 */
export async function createRescoreJob(
  tx: Context,
  reason: string,
  ruleSetVersionId: string | null,
): Promise<RescoreJob> {
  const repo = repositoryOf(tx, RescoreJob);
  const job = await repo.save(repo.create({ reason, ruleSetVersionId, status: RescoreJobStatus.QUEUED }));
  await enqueue(
    managerOf(tx).queryRunner!,
    RESCORE_QUEUE,
    { jobId: job.id },
    { ...rescoreRetryOptions(), expireInSeconds: 15 * 60, singletonKey: job.id },
  );
  return job;
}

export async function getRescoreJobOrThrow(ctx: Context, id: string): Promise<RescoreJob> {
  assertId(id, 'id');
  const job = await repositoryOf(ctx, RescoreJob).findOneBy({ id });
  if (!job) throw notFound('re-score job', id, 'id');
  return job;
}

/** The latest re-score jobs, newest first: what the rules page shows as progress. */
export async function listRecentRescoreJobs(ctx: Context, first: number): Promise<RescoreJob[]> {
  if (!Number.isInteger(first) || first < 1 || first > 50) throw badInput('first', 'first must be 1 to 50');
  return repositoryOf(ctx, RescoreJob).find({ order: { createdAt: 'DESC', id: 'DESC' }, take: first });
}

/** Another worker advanced the job's cursor past where this one expected it. */
class CursorMoved extends Error {}

/** The process is shutting down: the job stops after its committed chunks and resumes on the next start. */
class Stopped extends Error {}

/** The chunk before this one failed; this one rolls back without retrying (the error has no SQLSTATE). */
class PreviousChunkFailed extends Error {}

interface Chunk {
  /** Where the chunk after this one starts (its last lead), or null when this is the last chunk. */
  next: Promise<string | null>;
  /** Settles when the chunk's transaction has committed or rolled back. */
  committed: Promise<void>;
}

/**
 * One chunk in one transaction: locks the `size` leads after `after` and loads their facts, then,
 * once `previous` has committed, evaluates them, writes the scores and advances the job's cursor
 * and counts. The cursor only advances from `after`: if another worker moved it, the chunk rolls
 * back (CursorMoved) and the run resumes from the stored cursor.
 */
function startChunk(ctx: Context, jobId: string, after: string | null, size: number, previous: Promise<void>): Chunk {
  let announce!: (next: string | null) => void;
  const next = new Promise<string | null>((resolve) => (announce = resolve));
  let chunkSize = 0;
  const committed = inTransaction(ctx, async (tx) => {
    const db = managerOf(tx);
    const rows = await db.query<Array<{ id: string }>>(
      `SELECT id FROM lead WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2 FOR UPDATE`,
      [after, size],
    );
    announce(rows.length === size ? rows[rows.length - 1]!.id : null);
    const ids = rows.map((row) => row.id);
    chunkSize = ids.length;
    const input = ids.length > 0 ? await loadScoringInput(tx, ids, new Date()) : undefined;
    await previous.catch((error: unknown) => {
      throw new PreviousChunkFailed('the previous chunk failed', { cause: error });
    });
    if (ids.length === 0) return;
    const summary = input ? await scoreLoaded(tx, input, 'fast') : { changed: 0, engineMs: 0, databaseMs: 0 };
    const advanced = await db.queryRunner!.query(
      `UPDATE rescore_job SET done = done + $2, changed = changed + $3, cursor = $4,
         engine_ms = engine_ms + $5, database_ms = database_ms + $6
       WHERE id = $1 AND cursor IS NOT DISTINCT FROM $7::uuid`,
      [jobId, ids.length, summary.changed, ids[ids.length - 1], summary.engineMs, summary.databaseMs, after],
      true,
    );
    if (advanced.affected !== 1) throw new CursorMoved();
  });
  void committed.then(
    () => rescoredLeads.inc(chunkSize),
    () => undefined,
  );
  // A chunk that failed before locking its leads has no successor.
  committed.catch(() => announce(null));
  return { next, committed };
}

/**
 * Re-scores the leads after `cursor`, two chunks at a time on two connections: while one chunk
 * is evaluated in JavaScript, the next one's leads are locked and their facts queried, so the
 * database and the rules work at the same time.
 */
async function rescoreFrom(
  ctx: Context,
  jobId: string,
  cursor: string | null,
  size: number,
  stop?: AbortSignal,
): Promise<void> {
  let current = startChunk(ctx, jobId, cursor, size, Promise.resolve());
  for (;;) {
    const after = await current.next;
    if (after === null) return current.committed;
    if (stop?.aborted) {
      await current.committed;
      throw new Stopped();
    }
    const following = startChunk(ctx, jobId, after, size, current.committed);
    try {
      await current.committed;
    } catch (error) {
      // The following chunk waits on this one and rolls back with it (PreviousChunkFailed).
      await following.committed.catch(() => undefined);
      throw error;
    }
    current = following;
  }
}

/**
 * Re-scores every lead in chunks of `chunk` leads by id. Each chunk is one transaction that locks
 * its leads, evaluates them, writes the scores and advances the job's cursor and counts, so a job
 * stopped anywhere (crash, restart) resumes after the last committed chunk, and running a chunk
 * twice gives the same scores. Once `stop` is aborted (shutdown), the run ends after the chunk in
 * hand and leaves the job RUNNING for the next start.
 */
export async function runRescoreJob(
  dataSource: DataSource,
  jobId: string,
  chunk = RESCORE_CHUNK,
  stop?: AbortSignal,
): Promise<RescoreJob> {
  // One run per job across every process: pg-boss may hand out a second copy (a retry after its
  // expiry while the first still runs), and that copy must not race the first chunk by chunk.
  // The lock is held by a connection of its own and ends with it, so a crashed run frees it.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  let broken: unknown;
  try {
    const [{ locked }] = (await runner.query(
      "SELECT pg_try_advisory_lock(hashtext('smarketing.rescore'), hashtext($1)) AS locked",
      [jobId],
    )) as [{ locked: boolean }];
    if (!locked) {
      logger.info({ jobId }, 're-score already running in another process; this copy ends');
      return await dataSource.getRepository(RescoreJob).findOneByOrFail({ id: jobId });
    }
    try {
      return await runRescoreJobHoldingLock(dataSource, jobId, chunk, stop);
    } finally {
      await runner
        .query("SELECT pg_advisory_unlock(hashtext('smarketing.rescore'), hashtext($1))", [jobId])
        .catch((error: unknown) => (broken = error));
    }
  } finally {
    // A connection that may still hold the lock is closed, never handed back to the pool.
    await (
      runner as unknown as { releasePostgresConnection(error?: unknown): Promise<void> }
    ).releasePostgresConnection(broken);
  }
}

/** The run itself, once this process holds the job's lock. */

async function runRescoreJobHoldingLock(
  dataSource: DataSource,
  jobId: string,
  chunk = RESCORE_CHUNK,
  stop?: AbortSignal,
): Promise<RescoreJob> {
  const ctx = systemContext(dataSource);
  const jobs = dataSource.getRepository(RescoreJob);
  const job = await jobs.findOneByOrFail({ id: jobId });
  if (job.status === RescoreJobStatus.DONE) return job;
  // Every run counts, whoever starts it (a pg-boss retry, the sweep after a crash), so a job that
  // kills its process cannot be started forever: past the limit it is FAILED for good.
  const maxAttempts = 1 + config.ruleWork.rescoreRetryLimit;
  if (job.attempts >= maxAttempts) {
    const reason = `gave up after ${job.attempts} attempts (RESCORE_RETRY_LIMIT=${config.ruleWork.rescoreRetryLimit}); last error: ${job.error ?? 'the run did not finish (the process stopped)'}`;
    await jobs.update({ id: jobId }, { status: RescoreJobStatus.FAILED, error: reason, finishedAt: new Date() });
    return jobs.findOneByOrFail({ id: jobId });
  }
  await jobs.increment({ id: jobId }, 'attempts', 1);
  const attempt = job.attempts + 1;
  if (job.status !== RescoreJobStatus.RUNNING) {
    const [row] = await dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM lead');
    await jobs.update(
      { id: jobId },
      { status: RescoreJobStatus.RUNNING, startedAt: job.startedAt ?? new Date(), total: row?.count ?? 0 },
    );
  }
  try {
    for (;;) {
      const { cursor } = await jobs.findOneByOrFail({ id: jobId });
      try {
        await rescoreFrom(ctx, jobId, cursor, chunk, stop);
        break;
      } catch (error) {
        if (!(error instanceof CursorMoved)) throw error;
      }
    }
    await jobs.update({ id: jobId }, { status: RescoreJobStatus.DONE, finishedAt: new Date() });
  } catch (error) {
    if (error instanceof Stopped) {
      logger.info({ jobId }, 're-score paused for shutdown; it resumes at the next start');
      await jobs.decrement({ id: jobId }, 'attempts', 1); // a pause for shutdown is not a failure
      return jobs.findOneByOrFail({ id: jobId }); // still RUNNING: the sweep picks it up again
    }
    const message = error instanceof Error ? error.message : String(error);
    const last = attempt >= maxAttempts;
    await jobs.update(
      { id: jobId },
      {
        status: RescoreJobStatus.FAILED,
        error: last
          ? `gave up after ${attempt} attempts (RESCORE_RETRY_LIMIT=${config.ruleWork.rescoreRetryLimit}); last error: ${message}`
          : `attempt ${attempt} of ${maxAttempts} failed: ${message}`,
        finishedAt: last ? new Date() : null,
      },
    );
    throw error;
  }
  return jobs.findOneByOrFail({ id: jobId });
}

import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { config } from '../config';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { RescoreJobStatus } from '../entities/enums';
import { RescoreJob } from '../entities/rescore-job.entity';
import { createLoaders } from '../loaders';
import { logger } from '../logger';
import { reportQueueDepths, rescoredLeads } from '../observability/metrics';
import { assertId } from './references';
import { loadScoringInput, scoreLoaded } from './scoring.service';
import { inTransaction } from './transaction';
import { badInput, notFound } from '../schema/errors';
import { installImportQueue, startImportWorker } from '../jobs/import.job';

const QUEUE = 'rescore';
const DAILY_QUEUE = 'rescore-daily';
export const RESCORE_CHUNK = 1000;

/** The PostgreSQL-backed queue (pg-boss) of this process, when it runs background work. */
let boss: PgBoss | undefined;

/** pg-boss retries a failed run a bounded number of times (RESCORE_RETRY_LIMIT), then stops. */
function retryOptions(): { retryLimit: number; retryDelay: number } {
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
  if (boss) {
    const runner = managerOf(tx).queryRunner!;
    await boss.send(
      QUEUE,
      { jobId: job.id },
      {
        ...retryOptions(),
        expireInSeconds: 15 * 60,
        singletonKey: job.id,
        db: { executeSql: async (text, values) => ({ rows: (await runner.query(text, values, true)).records }) },
      },
    );
  }
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

/** How pg-boss is reached; `migrate` installs or upgrades its schema. */
function jobQueue(url: string, options: { migrate: boolean; max?: number }): PgBoss {
  return new PgBoss({
    connectionString: url,
    max: options.max ?? 3,
    application_name: 'smarketing-api-jobs',
    migrate: options.migrate,
  });
}

/**
 * Installs (or upgrades) pg-boss's schema and our queues. Part of the release step: it runs under
 * the migration lock, because two processes installing pg-boss's schema at the same moment
 * deadlock. The re-score queue is `stately`: pg-boss's unique index allows one queued and one
 * active copy per re-score job, whichever process sends it.
 */
export async function installJobQueue(url: string): Promise<void> {
  const queue = jobQueue(url, { migrate: true, max: 1 });
  queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
  await queue.start();
  try {
    await queue.createQueue(QUEUE, { name: QUEUE, policy: 'stately' });
    // Databases made before the policy existed: the queue's policy applies to jobs sent from now on.
    await queue.updateQueue(QUEUE, { name: QUEUE, policy: 'stately' });
    await queue.createQueue(DAILY_QUEUE);
    await installImportQueue(queue);
  } finally {
    await queue.stop({ graceful: false, wait: true });
  }
}

/**
 * Starts the queue in this process: workers for re-score jobs (one at a time per process), the
 * daily re-score that keeps time-based facts true, and a sweep that re-queues jobs a crash left
 * QUEUED or RUNNING. pg-boss keeps its own tables in the `pgboss` schema of the same database.
 */
export async function startJobQueue(dataSource: DataSource, url: string): Promise<() => Promise<void>> {
  const stopping = new AbortController();
  // The schema and queues were installed by the release step (installJobQueue, under the lock).
  const queue = jobQueue(url, { migrate: false });
  queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
  await queue.start();
  boss = queue;
  reportQueueDepths(async () => ({
    [QUEUE]: (await queue.getQueueSize(QUEUE)) ?? 0,
    [DAILY_QUEUE]: (await queue.getQueueSize(DAILY_QUEUE)) ?? 0,
  }));
  await queue.work<{ jobId: string }>(QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const result = await runRescoreJob(dataSource, job.data.jobId, RESCORE_CHUNK, stopping.signal);
    if (result.status === RescoreJobStatus.DONE) {
      logger.info({ jobId: result.id, total: result.total, changed: result.changed }, 're-score finished');
    }
  });
  await queue.work(DAILY_QUEUE, async () => {
    await inTransaction(systemContext(dataSource), (tx) => createRescoreJob(tx, 'daily', null));
  });
  const stopImports = await startImportWorker(queue, dataSource);
  await queue.schedule(DAILY_QUEUE, '0 3 * * *', {}, { tz: 'UTC' });
  // Jobs a crash left unfinished, or queued by a process without a queue (a CLI): picked up at
  // start and then every 30 s. A job that pg-boss already holds (queued, retrying or running in
  // some process) is left alone; pg-boss offers no lookup by singleton key, so its table is read.
  const sweep = async (): Promise<void> => {
    const unfinished = await dataSource.query<Array<{ id: string }>>(
      `SELECT r.id FROM rescore_job r
        WHERE r.status IN ('QUEUED', 'RUNNING')
          AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                           WHERE j.name = $1 AND j.singleton_key = r.id::text AND j.state < 'completed')`,
      [QUEUE],
    );
    for (const job of unfinished) {
      await queue.send(QUEUE, { jobId: job.id }, { ...retryOptions(), singletonKey: job.id });
    }
  };
  await sweep();
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 're-score sweep failed'));
  }, 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    boss = undefined;
    reportQueueDepths(undefined);
    stopping.abort(); // a running job ends after the chunk in hand
    stopImports(); // so does a running import
    await queue.stop({ graceful: true, timeout: 10_000, wait: true });
  };
}

import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { ImportJob, ImportJobStatus } from '../entities/import-job.entity';
import { User } from '../entities/user.entity';
import { createLoaders } from '../loaders';
import { logger } from '../logger';
import { AppError } from '../schema/errors';
import { listStages } from './funnel.service';
import { importBatch, loadLookups, type DryRunLeads, type ImportLookups } from './import-batch';
import { IMPORT_ROLES } from './import.service';
import { scoreLeads } from './scoring.service';
import { inTransaction, sqlState } from './transaction';

/** Leads scored per transaction at the end of an import. */
const SCORE_BATCH = 1000;
/** SQLSTATEs after which a batch is read and checked again: a lead created meanwhile (23505), a deadlock. */
const BATCH_RETRY = new Set(['23505', '40001', '40P01']);

export interface RunOptions {
  /** Once aborted, the run stops after the batch in hand; the job stays RUNNING and resumes later. */
  stop?: AbortSignal;
  /** Called after each committed batch (tests stop a run between batches with it). */
  afterBatch?: (job: ImportJob) => void;
}

async function contextOf(dataSource: DataSource, job: ImportJob): Promise<Context | string> {
  const base = { requestId: `import-${job.id}`, dataSource, loaders: createLoaders(dataSource) };
  if (!job.userId) return { ...base, user: null };
  const user = await dataSource.getRepository(User).findOneBy({ id: job.userId });
  if (!user || !IMPORT_ROLES.includes(user.role)) return 'the user who started the import may no longer import';
  return { ...base, user: { id: user.id, name: user.name, role: user.role } };
}

/**
 * Runs an import to the end: chunk after chunk (one transaction each, which also moves the job's
 * cursor), then the scoring of every lead it touched by the rules in force now. One run per job
 * across processes (an advisory lock on a connection of its own). A dry run starts over from
 * its first chunk when resumed, since what it learnt lives only in memory.
 */
export async function runImportJob(
  dataSource: DataSource,
  jobId: string,
  options: RunOptions = {},
): Promise<ImportJob> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query(
      "SELECT pg_try_advisory_lock(hashtext('smarketing.import'), hashtext($1)) AS locked",
      [jobId],
    )) as [{ locked: boolean }];
    if (!locked) return await dataSource.getRepository(ImportJob).findOneByOrFail({ id: jobId });
    try {
      return await runHoldingLock(dataSource, jobId, options);
    } finally {
      await runner.query("SELECT pg_advisory_unlock(hashtext('smarketing.import'), hashtext($1))", [jobId]);
    }
  } finally {
    await runner.release();
  }
}

async function runHoldingLock(dataSource: DataSource, jobId: string, options: RunOptions): Promise<ImportJob> {
  const jobs = dataSource.getRepository(ImportJob);
  let job = await jobs.findOneByOrFail({ id: jobId });
  if (!job.stored || job.status === ImportJobStatus.DONE || job.status === ImportJobStatus.FAILED) return job;
  const ctx = await contextOf(dataSource, job);
  if (typeof ctx === 'string') {
    await jobs.update({ id: jobId }, { status: ImportJobStatus.FAILED, error: ctx, finishedAt: new Date() });
    return jobs.findOneByOrFail({ id: jobId });
  }
  if (job.dryRun && job.chunkCursor > 0) {
    await dataSource.query('DELETE FROM import_error WHERE import_id = $1', [jobId]);
    await jobs.update(
      { id: jobId },
      {
        chunkCursor: 0,
        rowsDone: 0,
        rowsRejected: 0,
        leadsCreated: 0,
        leadsUpdated: 0,
        leadsSkipped: 0,
        transitionsAdded: 0,
        activitiesAdded: 0,
        feedbackAdded: 0,
        activeMs: 0,
      },
    );
  }
  await jobs.update(
    { id: jobId },
    { status: ImportJobStatus.RUNNING, startedAt: job.startedAt ?? new Date(), attempts: job.attempts + 1 },
  );
  try {
    const lookups = await loadLookups(dataSource.manager, await listStages(ctx));
    const dryRunLeads: DryRunLeads = new Map();
    for (;;) {
      job = await jobs.findOneByOrFail({ id: jobId });
      if (job.chunkCursor >= job.chunksTotal) break;
      if (options.stop?.aborted) return job;
      await importChunk(ctx, job, lookups, dryRunLeads);
      // A bulk load outruns autovacuum's statistics: without fresh ones the planner keeps the plans
      // of small tables and each batch's rollup statements scan more. Refreshed as the import doubles.
      const done = job.chunkCursor + 1;
      if (!job.dryRun && (done & (done - 1)) === 0) await analyzeImportTables(ctx);
      options.afterBatch?.(await jobs.findOneByOrFail({ id: jobId }));
    }
    if (!job.dryRun) {
      const stopped = await scoreImported(ctx, job, options.stop);
      if (stopped) return jobs.findOneByOrFail({ id: jobId });
    }
    await jobs.update({ id: jobId }, { status: ImportJobStatus.DONE, finishedAt: new Date() });
    await dataSource.query('DELETE FROM import_chunk WHERE import_id = $1', [jobId]);
    job = await jobs.findOneByOrFail({ id: jobId });
    logger.info(
      { importId: jobId, rows: job.rowsDone, rejected: job.rowsRejected, dryRun: job.dryRun },
      'import finished',
    );
    return job;
  } catch (error) {
    logger.error({ err: error, importId: jobId }, 'import failed');
    const message = error instanceof Error ? error.message : String(error);
    await jobs.update({ id: jobId }, { status: ImportJobStatus.FAILED, error: message, finishedAt: new Date() });
    return jobs.findOneByOrFail({ id: jobId });
  }
}

const ANALYZED = [
  'lead',
  'stage_transition',
  'activity',
  'feedback',
  'lead_fact',
  'lead_campaign_credit',
  'stage_visit',
];

async function analyzeImportTables(ctx: Context): Promise<void> {
  await ctx.dataSource
    .query(`ANALYZE ${ANALYZED.join(', ')}`)
    .catch((error: unknown) => logger.warn({ err: error }, 'ANALYZE during an import failed; autovacuum follows'));
}

/** One stored chunk in one transaction: its rows, its rejected rows and the job's cursor commit together. */
async function importChunk(
  ctx: Context,
  job: ImportJob,
  lookups: ImportLookups,
  dryRunLeads: DryRunLeads,
): Promise<void> {
  const [chunk] = await ctx.dataSource.query<Array<{ lines: number[]; body: string }>>(
    'SELECT lines, body FROM import_chunk WHERE import_id = $1 AND seq = $2',
    [job.id, job.chunkCursor],
  );
  const texts = chunk ? chunk.body.split('\n') : [];
  const rows = (chunk?.lines ?? []).map((line, index) => ({ line, text: texts[index] ?? '' }));
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    // A dry run's batch reads only; its memory of leads changes once the batch is counted.
    const pending: DryRunLeads = new Map(dryRunLeads);
    try {
      await inTransaction(ctx, async (tx) => {
        const db = managerOf(tx);
        const { counts, errors } = await importBatch({
          tx,
          importId: job.id,
          onDuplicate: job.onDuplicate,
          dryRun: job.dryRun,
          lookups,
          rows,
          dryRunLeads: pending,
        });
        if (errors.length > 0) {
          await db.query(
            `INSERT INTO import_error (import_id, line, field, code, message)
             SELECT $1, u.line, u.field, u.code, u.message FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(line, field, code, message)
             ON CONFLICT DO NOTHING`,
            [
              job.id,
              errors.map((e) => e.line),
              errors.map((e) => e.field),
              errors.map((e) => e.code),
              errors.map((e) => e.message),
            ],
          );
        }
        const advanced: [unknown[], number] = await db.query(
          `UPDATE import_job SET chunk_cursor = chunk_cursor + 1, rows_done = rows_done + $3, rows_rejected = rows_rejected + $4,
             leads_created = leads_created + $5, leads_updated = leads_updated + $6, leads_skipped = leads_skipped + $7,
             transitions_added = transitions_added + $8, activities_added = activities_added + $9,
             feedback_added = feedback_added + $10, active_ms = active_ms + $11
           WHERE id = $1 AND chunk_cursor = $2`,
          [
            job.id,
            job.chunkCursor,
            counts.rows,
            counts.rejected,
            counts.leadsCreated,
            counts.leadsUpdated,
            counts.leadsSkipped,
            counts.transitions,
            counts.activities,
            counts.feedback,
            performance.now() - started,
          ],
        );
        if (advanced[1] !== 1) throw new Error('another run advanced this import; this one stops');
      });
      for (const [key, state] of pending) dryRunLeads.set(key, state);
      return;
    } catch (error) {
      const state = sqlState(error);
      // A lead held by API writes past LOCK_TIMEOUT_MS comes back as a retryable AppError.
      const busy = error instanceof AppError && error.extensions.retryable === true;
      if (!(busy || (state !== undefined && BATCH_RETRY.has(state))) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      logger.info({ importId: job.id, state, attempt }, 'import batch read again after a conflict');
    }
  }
}

/**
 * Scores and qualifies every lead the import touched by the rules in force now, as a re-score
 * would: a qualification rule may move a lead forward, as a RULE move stamped now (the import
 * never invents RULE moves in the past). Those moves carry the import's id, so undoImport takes
 * them back too. Returns true when stopped before the end.
 */
async function scoreImported(ctx: Context, job: ImportJob, stop?: AbortSignal): Promise<boolean> {
  const rows: Array<{ id: string }> = await ctx.dataSource.query(
    `SELECT id FROM lead WHERE import_id = $1
     UNION SELECT lead_id FROM stage_transition WHERE import_id = $1
     UNION SELECT lead_id FROM activity WHERE import_id = $1
     UNION SELECT lead_id FROM feedback WHERE import_id = $1 AND lead_id IS NOT NULL
     UNION SELECT lead_id FROM import_lead_update WHERE import_id = $1
     ORDER BY 1`,
    [job.id],
  );
  const ids = rows.map((row) => row.id).filter((id) => job.scoreCursor === null || id > job.scoreCursor);
  const scoreBatch = (batch: string[]): Promise<{ scored: number; moved: number }> =>
    inTransaction(ctx, async (tx) => {
      const db = managerOf(tx);
      const locked: Array<{ id: string }> = await db.query(
        'SELECT id FROM lead WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
        [batch],
      );
      const at = new Date();
      const summary = await scoreLeads(
        tx,
        locked.map((row) => row.id),
        at,
        'fast',
      );
      if (summary.moved > 0) {
        await db.query(
          `UPDATE stage_transition SET import_id = $1
           WHERE lead_id = ANY($2::uuid[]) AND cause = 'RULE' AND at = $3 AND import_id IS NULL`,
          [job.id, batch, at],
        );
      }
      return { scored: locked.length, moved: summary.moved };
    });
  // Two batches at a time on two connections, as the re-score does: while one is evaluated in a
  // worker thread, the other's facts are read and its scores written. The cursor moves past both
  // once both have committed; a run stopped between them scores the pair again, which changes nothing.
  for (let start = 0; start < ids.length; start += 2 * SCORE_BATCH) {
    if (stop?.aborted) return true;
    const pair = [ids.slice(start, start + SCORE_BATCH), ids.slice(start + SCORE_BATCH, start + 2 * SCORE_BATCH)];
    const results = await Promise.all(pair.filter((batch) => batch.length > 0).map(scoreBatch));
    const last = pair[1]!.length > 0 ? pair[1]! : pair[0]!;
    await ctx.dataSource.query(
      'UPDATE import_job SET score_cursor = $2, leads_scored = leads_scored + $3, leads_qualified = leads_qualified + $4 WHERE id = $1',
      [
        job.id,
        last[last.length - 1],
        results.reduce((sum, result) => sum + result.scored, 0),
        results.reduce((sum, result) => sum + result.moved, 0),
      ],
    );
  }
  return false;
}

import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { config } from '../config';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { Role } from '../entities/enums';
import { DuplicatePolicy, ImportError, ImportFormat, ImportJob, ImportJobStatus } from '../entities/import-job.entity';
import { forgetLeadFacts, refreshLeadFacts } from '../rollups/lead-facts';
import type { Page } from '../schema/connection';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import { leadFromCsv } from './import-records';
import { assertId } from './references';
import { inTransaction } from './transaction';

/**
 * Imports with history: the body is stored first (import_chunk, IMPORT_BATCH_ROWS rows a chunk,
 * streamed, never whole in memory), then a background job imports chunk after chunk, each in one
 * transaction that also advances the job's cursor, so a stopped job resumes at the next chunk.
 * See src/jobs/import.job.ts for the run and README "Importing history" for the file.
 */

/** Who may import and undo imports: the roles that own the funnel, neither team measured by it. */
export const IMPORT_ROLES: readonly Role[] = [Role.ADMIN, Role.OPS];

export function assertMayImport(ctx: Context): void {
  if (ctx.user === null || IMPORT_ROLES.includes(ctx.user.role)) return;
  throw new AppError(
    ErrorCode.FORBIDDEN,
    `${ctx.user.role} may not import or undo imports; ${IMPORT_ROLES.join(', ')} may`,
    {
      field: 'import',
      allowedRoles: [...IMPORT_ROLES],
    },
  );
}

export interface ImportOptions {
  format: ImportFormat;
  dryRun: boolean;
  onDuplicate: DuplicatePolicy;
}

/** `onDuplicate=skip|update|refuse` (any case) as the policy; SKIP when absent. */
export function duplicatePolicyOf(value: unknown): DuplicatePolicy {
  if (value === undefined || value === '') return DuplicatePolicy.SKIP;
  const found = Object.values(DuplicatePolicy).find(
    (policy) => typeof value === 'string' && (policy as string) === value.toUpperCase(),
  );
  if (!found) throw badInput('onDuplicate', 'onDuplicate must be skip, update or refuse');
  return found;
}

/** `dryRun=true|false|1|0`; false when absent. */
export function dryRunOf(value: unknown): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badInput('dryRun', 'dryRun must be true or false');
}

/** The format of a body by its Content-Type: NDJSON (`application/x-ndjson`, `application/jsonl`) or CSV (`text/csv`). */
export function formatOf(contentType: string | undefined): ImportFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // A client that says JSON, plain text or nothing sends lines of JSON too.
  const lines = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];
  if ([...lines, 'application/json', 'text/plain', ''].includes(type)) {
    return ImportFormat.NDJSON;
  }
  if (type === 'text/csv') return ImportFormat.CSV;
  return undefined;
}

/** The rows of a body with their line numbers, as they stream in. */
async function* rowsOf(body: Readable, format: ImportFormat): AsyncGenerator<{ line: number; text: string }> {
  if (format === ImportFormat.NDJSON) {
    let line = 0;
    for await (const text of createInterface({ input: body, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() !== '') yield { line, text };
    }
    return;
  }
  const parser = body.pipe(
    parse({ columns: true, bom: true, trim: true, skip_empty_lines: true, info: true, relax_column_count: true }),
  );
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { line: item.info.lines, text: JSON.stringify(leadFromCsv(item.record)) };
  }
}

/**
 * Creates the job and stores the body in chunks as it streams in (a chunk per IMPORT_BATCH_ROWS
 * rows); the job is QUEUED with its rows counted once the last chunk is stored. A body that cannot
 * be read (a broken CSV) fails the job, which is returned FAILED with the reason.
 */
export async function storeImport(
  ctx: Context,
  body: Readable,
  options: ImportOptions,
  /** Whether the body arrived whole (an HTTP request the client aborted ends early without an error). */
  complete: () => boolean = () => true,
): Promise<ImportJob> {
  assertMayImport(ctx);
  const jobs = repositoryOf(ctx, ImportJob);
  const job = await jobs.save(
    jobs.create({
      format: options.format,
      dryRun: options.dryRun,
      onDuplicate: options.onDuplicate,
      userId: ctx.user?.id ?? null,
    }),
  );
  const db = managerOf(ctx);
  let seq = 0;
  let rows = 0;
  let lines: number[] = [];
  let texts: string[] = [];
  const flush = async (): Promise<void> => {
    if (texts.length === 0) return;
    await db.query('INSERT INTO import_chunk (import_id, seq, lines, body) VALUES ($1, $2, $3, $4)', [
      job.id,
      seq,
      lines,
      texts.join('\n'),
    ]);
    seq += 1;
    lines = [];
    texts = [];
  };
  try {
    for await (const row of rowsOf(body, options.format)) {
      lines.push(row.line);
      // A record is one line: newlines inside a CSV cell are escaped by JSON.stringify.
      texts.push(row.text);
      rows += 1;
      if (texts.length >= config.importBatchRows) await flush();
    }
    await flush();
    if (!complete()) throw new Error('the upload was cut off before its end');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.query('DELETE FROM import_chunk WHERE import_id = $1', [job.id]);
    await jobs.update(
      { id: job.id },
      { status: ImportJobStatus.FAILED, error: `the body could not be read: ${message}`, finishedAt: new Date() },
    );
    return jobs.findOneByOrFail({ id: job.id });
  }
  await jobs.update({ id: job.id }, { stored: true, rowsTotal: rows, chunksTotal: seq });
  return jobs.findOneByOrFail({ id: job.id });
}

export async function getImportJobOrThrow(ctx: Context, id: string): Promise<ImportJob> {
  assertId(id, 'id');
  const job = await repositoryOf(ctx, ImportJob).findOneBy({ id });
  if (!job) throw notFound('import', id, 'id');
  return job;
}

export async function listImportJobs(ctx: Context, first: number): Promise<ImportJob[]> {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first', 'first must be 1 to 100');
  return repositoryOf(ctx, ImportJob).find({ order: { createdAt: 'DESC', id: 'DESC' }, take: first });
}

/** Rows per second while the job was importing rows (not while queued or scoring). */
export function rowsPerSecond(job: ImportJob): number {
  return job.activeMs > 0 ? Math.round((job.rowsDone * 1000) / job.activeMs) : 0;
}

/** The rejected rows in line order, paged by line. */
export async function importErrorPage(
  ctx: Context,
  importId: string,
  first: number,
  after?: string | null,
): Promise<Page<ImportError>> {
  if (!Number.isInteger(first) || first < 0 || first > 100) throw badInput('first', 'first must be 0 to 100');
  const afterLine =
    after === undefined || after === null ? 0 : Number.parseInt(Buffer.from(after, 'base64url').toString(), 10);
  if (!Number.isInteger(afterLine)) throw badInput('after', 'after is not a cursor of this connection');
  const rows = await repositoryOf(ctx, ImportError)
    .createQueryBuilder('e')
    .where('e.import_id = :importId AND e.line > :afterLine', { importId, afterLine })
    .orderBy('e.line', 'ASC')
    .limit(first + 1)
    .getMany();
  const nodes = rows.slice(0, first);
  return {
    nodes,
    cursorAt: (index) => Buffer.from(String(nodes[index]!.line)).toString('base64url'),
    hasNextPage: rows.length > first,
    hasPreviousPage: afterLine > 0,
    countTotal: async () => repositoryOf(ctx, ImportError).countBy({ importId }),
  };
}

const UNDO_BATCH = 2000;

/**
 * Removes what the import added: the leads it created (with everything attached to them), and
 * the transitions, activities and feedback it added to leads that existed; the fields it updated
 * go back to the values it replaced, and the stage of each such lead to where its remaining
 * history took it. The rollups follow, batch by batch, so every report is as before the import.
 * Runs in batches (each a transaction); calling it again after an interruption finishes the work.
 */
export async function undoImport(ctx: Context, id: string): Promise<ImportJob> {
  assertMayImport(ctx);
  const job = await getImportJobOrThrow(ctx, id);
  if (job.dryRun) throw badInput('id', 'a dry run wrote nothing, so there is nothing to undo');
  if (job.status === ImportJobStatus.QUEUED || job.status === ImportJobStatus.RUNNING) {
    throw new AppError(ErrorCode.CONFLICT, `the import is ${job.status}; undo it once it is DONE or FAILED`, {
      field: 'id',
    });
  }
  if (job.undoneAt) return job;
  const db = ctx.dataSource;
  // Leads that existed before the import and that it changed.
  const existing: Array<{ id: string }> = await db.query(
    `SELECT x.lead_id AS id FROM (
       SELECT lead_id FROM stage_transition WHERE import_id = $1 UNION SELECT lead_id FROM activity WHERE import_id = $1
       UNION SELECT lead_id FROM feedback WHERE import_id = $1 AND lead_id IS NOT NULL
       UNION SELECT lead_id FROM import_lead_update WHERE import_id = $1) x
     JOIN lead l ON l.id = x.lead_id WHERE l.import_id IS DISTINCT FROM $1 ORDER BY 1`,
    [id],
  );
  for (let start = 0; start < existing.length; start += UNDO_BATCH) {
    const ids = existing.slice(start, start + UNDO_BATCH).map((row) => row.id);
    await inTransaction(ctx, async (tx) => {
      const m = managerOf(tx);
      await m.query('SELECT id FROM lead WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
      for (const table of ['stage_transition', 'activity', 'feedback']) {
        await m.query(`DELETE FROM ${table} WHERE import_id = $1 AND lead_id = ANY($2::uuid[])`, [id, ids]);
      }
      const updated: Array<{ lead_id: string; before: Record<string, unknown> }> = await m.query(
        'SELECT lead_id, before FROM import_lead_update WHERE import_id = $1 AND lead_id = ANY($2::uuid[])',
        [id, ids],
      );
      for (const { lead_id: leadId, before } of updated) {
        const columns = Object.keys(before).filter((column) => /^[a-z_]+$/.test(column));
        if (columns.length === 0) continue;
        await m.query(
          `UPDATE lead l SET ${columns.map((column) => `${column} = r.${column}`).join(', ')}, updated_at = now()
           FROM jsonb_populate_record(NULL::lead, $2::jsonb) r WHERE l.id = $1`,
          [leadId, JSON.stringify(before)],
        );
      }
      await m.query(
        `UPDATE lead l SET stage_id = t.to_stage_id, stage_entered_at = t.at
         FROM (SELECT DISTINCT ON (lead_id) lead_id, to_stage_id, at FROM stage_transition
               WHERE lead_id = ANY($1::uuid[]) ORDER BY lead_id, at DESC, id DESC) t
         WHERE l.id = t.lead_id AND (l.stage_id, l.stage_entered_at) IS DISTINCT FROM (t.to_stage_id, t.at)`,
        [ids],
      );
      await refreshLeadFacts(m, ids);
    });
  }
  // The leads it created: out of the rollups, then deleted (their history goes with them).
  for (;;) {
    const done = await inTransaction(ctx, async (tx) => {
      const m = managerOf(tx);
      const rows: Array<{ id: string }> = await m.query(
        `SELECT id FROM lead WHERE import_id = $1 ORDER BY id LIMIT ${UNDO_BATCH} FOR UPDATE`,
        [id],
      );
      const ids = rows.map((row) => row.id);
      await forgetLeadFacts(m, ids);
      if (ids.length > 0) await m.query('DELETE FROM lead WHERE id = ANY($1::uuid[])', [ids]);
      return ids.length < UNDO_BATCH;
    });
    if (done) break;
  }
  await db.query('DELETE FROM feedback WHERE import_id = $1', [id]);
  await db.query('DELETE FROM import_lead_update WHERE import_id = $1', [id]);
  await repositoryOf(ctx, ImportJob).update({ id }, { undoneAt: new Date() });
  return getImportJobOrThrow(ctx, id);
}

import type { DataSource } from 'typeorm';
import { sendJob } from '../jobs/job-queue';
import { logger } from '../logger';
import { runImportJob } from './import-run';

/**
 * The import queue (pg-boss, src/jobs): a stored import is sent here and run by a worker of any
 * API process; a sweep re-sends imports a stopped process left QUEUED or RUNNING, and the run
 * resumes at the next chunk. A standard queue: which run may work on an import is decided by the
 * import's advisory lock (runImportJob), not by pg-boss, whose copy of a killed process's job stays
 * `active` until it expires.
 */
export const IMPORT_QUEUE = 'import';
export const IMPORT_JOB_OPTIONS = { expireInSeconds: 6 * 3600 };

/** Queues the run of a stored import, or runs it here in the background when this process has no queue. */
export async function queueImport(dataSource: DataSource, importId: string): Promise<void> {
  if (await sendJob(IMPORT_QUEUE, { importId }, IMPORT_JOB_OPTIONS)) return;
  void runImportJob(dataSource, importId).catch((error: unknown) =>
    logger.error({ err: error, importId }, 'import run failed'),
  );
}

/**
 * Imports left QUEUED or RUNNING that no process is running (none holds the import's advisory
 * lock: a killed process's session released it) and that wait in no queue: their ids, to be sent again.
 */
export async function unfinishedImports(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT i.id FROM import_job i WHERE i.stored AND i.status IN ('QUEUED', 'RUNNING')
       AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                        WHERE j.name = $1 AND j.data->>'importId' = i.id::text AND j.state IN ('created', 'retry'))
       AND NOT EXISTS (SELECT 1 FROM pg_locks l
                        WHERE l.locktype = 'advisory' AND l.classid = hashtext('smarketing.import')::oid
                          AND l.objid = hashtext(i.id::text)::oid AND l.objsubid = 2)`,
    [IMPORT_QUEUE],
  );
  return rows.map((row) => row.id);
}

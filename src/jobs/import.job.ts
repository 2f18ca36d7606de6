import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { logger } from '../logger';
import { runImportJob } from '../services/import-run';

/**
 * The import queue (pg-boss): a stored import is sent here and run by a worker of any API
 * process; a sweep re-sends imports that a stopped process left QUEUED or RUNNING, and the run
 * resumes at the next chunk. Without a queue in the process (tests, `npm run import`), the
 * import runs in this process in the background.
 */
export const IMPORT_QUEUE = 'import';

let queue: PgBoss | undefined;

/**
 * Part of the release step (installJobQueue). A standard queue: which run may work on an import
 * is decided by the import's advisory lock (runImportJob), not by pg-boss, whose copy of a killed
 * process's job stays `active` until it expires.
 */
export async function installImportQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'standard' });
  await boss.updateQueue(IMPORT_QUEUE, { name: IMPORT_QUEUE, policy: 'standard' });
}

/** Queues the run of a stored import, or runs it here when this process has no queue. */
export async function queueImport(dataSource: DataSource, importId: string): Promise<void> {
  if (queue) {
    await queue.send(IMPORT_QUEUE, { importId }, { expireInSeconds: 6 * 3600 });
    return;
  }
  void runImportJob(dataSource, importId).catch((error: unknown) =>
    logger.error({ err: error, importId }, 'import run failed'),
  );
}

/** Starts the import worker in this process; the returned function stops it after the batch in hand. */
export async function startImportWorker(boss: PgBoss, dataSource: DataSource): Promise<() => void> {
  const stopping = new AbortController();
  queue = boss;
  await boss.work<{ importId: string }>(IMPORT_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (job) await runImportJob(dataSource, job.data.importId, { stop: stopping.signal });
  });
  // Imports left QUEUED or RUNNING that no process is running (none holds the import's advisory
  // lock: a killed process's session released it) and that wait in no queue: sent again.
  const sweep = async (): Promise<void> => {
    const unfinished: Array<{ id: string }> = await dataSource.query(
      `SELECT i.id FROM import_job i WHERE i.stored AND i.status IN ('QUEUED', 'RUNNING')
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                          WHERE j.name = $1 AND j.data->>'importId' = i.id::text AND j.state IN ('created', 'retry'))
         AND NOT EXISTS (SELECT 1 FROM pg_locks l
                          WHERE l.locktype = 'advisory' AND l.classid = hashtext('smarketing.import')::oid
                            AND l.objid = hashtext(i.id::text)::oid AND l.objsubid = 2)`,
      [IMPORT_QUEUE],
    );
    for (const { id } of unfinished) await boss.send(IMPORT_QUEUE, { importId: id }, { expireInSeconds: 6 * 3600 });
  };
  await sweep();
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, 'import sweep failed'));
  }, 30_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    queue = undefined;
    stopping.abort();
  };
}

import type { DataSource } from 'typeorm';
import { config, configProblems, configProblemsMessage } from '../config';
import { logger } from '../logger';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';
import { repairRollups } from '../rollups/repair';
import { installJobQueue } from '../services/rescore.service';

/** Held while one process migrates; others wait for it, then find nothing left to do. */
const MIGRATION_LOCK = "hashtext('smarketing.migrations')";

/**
 * The release step: applies pending migrations, installs pg-boss's schema and queues, and builds
 * missing rollups, all under one PostgreSQL advisory lock, so processes started at the same
 * moment (replicas, `npm run migrate` beside a running server) take turns and each step runs once.
 * The lock is polled rather than awaited so that no statement timeout cuts the wait short.
 */
export async function migrateDatabase(dataSource: DataSource, url: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    for (let waited = 0; ; waited += 1) {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(${MIGRATION_LOCK}) AS locked`)) as [
        { locked: boolean },
      ];
      if (locked) break;
      if (waited === 0) logger.info('another process is migrating the database; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    try {
      logger.info('migrating the database');
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
      await installJobQueue(url);
      // Leads that predate the metric rollups (or were bulk-loaded, or lost a row) get theirs now,
      // and days whose daily sums disagree with the per-lead rows are rebuilt from them.
      await repairRollups(dataSource);
      return applied.map((m) => m.name);
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } finally {
    await runner.release();
  }
}

export interface Database {
  dataSource: DataSource;
  url: string;
  /** Closes the pool, then stops the embedded server if this process started one. */
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when none is given, and brings the
 * schema up to date (`migrateDatabase`) unless `migrate` is false; then it refuses to go on when
 * migrations are pending, since the release step has not run.
 */
export async function openDatabase(options: { migrate?: boolean; poolSize?: number } = {}): Promise<Database> {
  // The CLI commands start here: a bad setting stops them before any connection, as it stops main.ts.
  const problems = configProblems();
  if (problems.length > 0) throw new Error(configProblemsMessage(problems));
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.embeddedDataDir,
        port: config.embeddedPort,
        database: 'smarketing',
      });
  const url = config.databaseUrl ?? embedded!.url;
  const dataSource = createDataSource(url, { poolSize: options.poolSize });
  try {
    await dataSource.initialize();
    if (options.migrate !== false) {
      await migrateDatabase(dataSource, url);
    } else if (await dataSource.showMigrations()) {
      throw new Error(
        'The database has migrations pending and MIGRATE_ON_START=false: run the release step (`npm run migrate`) first',
      );
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    url,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

import type { DataSource } from 'typeorm';
import { config, configProblems, configProblemsMessage } from '../config';
import { logger } from '../logger';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';
import { backfillLeadFacts } from '../services/metrics/lead-facts.service';

export interface Database {
  dataSource: DataSource;
  url: string;
  /** Closes the pool, then stops the embedded server if this process started one. */
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when none is given, and brings the
 * schema up to date by running pending migrations.
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
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
      // Leads that predate the metric rollups (or were bulk-loaded) get theirs now.
      await backfillLeadFacts(dataSource);
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

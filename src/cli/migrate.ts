import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { afterMigrations } from '../release';
import { logger } from '../logger';

/**
 * `npm run migrate`: the release step. Applies pending migrations, then installs the job queue's
 * schema and builds missing rollups (src/release.ts), under the migration lock, then exits;
 * replicas started with MIGRATE_ON_START=false expect it to have run.
 */
async function main(): Promise<void> {
  const database = await openDatabase({ migrate: true, poolSize: 2, afterMigrations });
  await database.close();
  logger.info('the database is up to date');
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'migration failed');
  process.exit(1);
});

import 'reflect-metadata';
import { openDatabase } from '../db/database';
import { logger } from '../logger';

/**
 * `npm run migrate`: the release step. Applies pending migrations and installs the job queue's
 * schema under the migration lock, then exits; replicas started with MIGRATE_ON_START=false
 * expect it to have run.
 */
async function main(): Promise<void> {
  const database = await openDatabase({ migrate: true, poolSize: 2 });
  await database.close();
  logger.info('the database is up to date');
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'migration failed');
  process.exit(1);
});

import type { DataSource } from 'typeorm';
import { repairRollups } from './rollups/repair';
import { installJobQueue } from './jobs/job-queue';

/**
 * The release step after the migrations, under the same migration lock (`migrateDatabase` in
 * src/db/database.ts runs it; the db layer imports nothing above it): install or upgrade the job
 * queue's schema and queues, then repair the rollups (leads without theirs, days whose sums drifted). Every caller that opens or migrates the database passes it.
 */
export async function afterMigrations(dataSource: DataSource, url: string): Promise<void> {
  await installJobQueue(url);
  // Leads that predate the rollups (or were bulk-loaded, or lost a row) get theirs now, and days
  // whose daily sums disagree with the per-lead rows are rebuilt from them.
  await repairRollups(dataSource);
}

import type { DataSource } from 'typeorm';
import { backfillLeadFacts } from './rollups/lead-facts';
import { installJobQueue } from './jobs/job-queue';

/**
 * The release step after the migrations, under the same migration lock (`migrateDatabase` in
 * src/db/database.ts runs it; the db layer imports nothing above it): install or upgrade the job
 * queue's schema and queues, then build the rollups of leads that have none (they predate the
 * rollups or were bulk-loaded). Every caller that opens or migrates the database passes it.
 */
export async function afterMigrations(dataSource: DataSource, url: string): Promise<void> {
  await installJobQueue(url);
  await backfillLeadFacts(dataSource);
}

import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { config } from '../config';
import { openDatabase } from '../db/database';
import { afterMigrations } from '../release';
import { purgeActivityMetadata } from '../services/privacy.service';

/**
 * `npm run retention -- [--dry-run]`: clears the metadata of activities older than
 * ACTIVITY_RETENTION_DAYS (unset: nothing to do) and prints what it did as JSON; `--dry-run`
 * prints how many activities it would clear and changes nothing.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean' } } });
  const database = await openDatabase({ poolSize: 2, afterMigrations });
  try {
    const outcome = await purgeActivityMetadata(database.dataSource, {
      retentionDays: config.activityRetentionDays,
      dryRun: values['dry-run'] === true,
    });
    if (outcome.retentionDays === null) {
      process.stderr.write('ACTIVITY_RETENTION_DAYS is not set: activity metadata is kept forever\n');
    }
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

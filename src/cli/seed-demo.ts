import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database';
import { afterMigrations } from '../release';
import { seedDemoCompany } from '../demo/demo-company';

/**
 * `npm run seed:demo [-- --if-empty]`: fills the database with the demo company. Without
 * `--if-empty` a database that already has leads is an error; with it, it is left alone.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'if-empty': { type: 'boolean', default: false } } });
  const started = Date.now();
  const database = await openDatabase({ poolSize: 2, afterMigrations });
  try {
    const demo = await seedDemoCompany(database.dataSource, { onlyIfEmpty: values['if-empty'] });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!demo.seeded) {
      process.stderr.write('demo data skipped: the database already has leads\n');
    } else {
      const { leads, activities, transitions, feedback } = demo.seeded;
      process.stderr.write(
        `demo data seeded in ${seconds}s: ${leads} leads, ${activities} activities, ${transitions} stage transitions, ${feedback} feedback\n`,
      );
    }
    if (demo.rules.published) process.stderr.write(`starter rule sets published; ${demo.rules.changed} leads scored\n`);
    if (demo.agreements) {
      const { slas, reviews } = demo.agreements;
      process.stderr.write(`demo agreements: SLAs added [${slas.join(', ')}], reviews added [${reviews.join(', ')}]\n`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

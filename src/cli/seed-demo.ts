import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database';
import { seedDemo } from './demo-data';
import { publishStarterRules } from './starter-rules';

/**
 * `npm run seed:demo [-- --if-empty]`: fills the database with the demo company. Without
 * `--if-empty` a database that already has leads is an error; with it, it is left alone.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'if-empty': { type: 'boolean', default: false } } });
  const started = Date.now();
  const database = await openDatabase({ poolSize: 2 });
  try {
    const summary = await seedDemo(database.dataSource, { onlyIfEmpty: values['if-empty'] });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (!summary) {
      process.stderr.write('demo data skipped: the database already has leads\n');
      return;
    }
    const { leads, activities, transitions, feedback } = summary;
    process.stderr.write(
      `demo data seeded in ${seconds}s: ${leads} leads, ${activities} activities, ${transitions} stage transitions, ${feedback} feedback\n`,
    );
    const rules = await publishStarterRules(database.dataSource);
    if (rules.published) process.stderr.write(`starter rule sets published; ${rules.changed} leads scored\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { config } from './config';
import { openDatabase } from './db/database';
import { logger } from './logger';
import { createApp } from './server';
import { seedDemo } from './cli/demo-data';
import { publishStarterRules } from './cli/starter-rules';
import { watchPublishedRules } from './rules/rule-cache';
import { startJobQueue } from './services/rescore.service';

async function main(): Promise<void> {
  const started = Date.now();
  const database = await openDatabase();
  if (process.argv.includes('--demo') || process.env.SEED_DEMO === 'true') {
    const seeded = await seedDemo(database.dataSource, { onlyIfEmpty: true });
    logger.info(seeded ?? { skipped: 'the database already has leads' }, 'demo data');
    logger.info(await publishStarterRules(database.dataSource), 'starter rule sets');
  }
  const { httpServer, apollo } = await createApp(database.dataSource);
  const stopWatchingRules = await watchPublishedRules(database.dataSource, database.url);
  const stopJobs = await startJobQueue(database.dataSource, database.url);
  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  logger.info(
    { url: `http://localhost:${config.port}/graphql`, startupMs: Date.now() - started, embedded: !config.databaseUrl },
    'Smarketing API ready',
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining requests, then closing the database');
    try {
      await apollo.stop(); // stops accepting, waits for in-flight requests (drain plugin)
      await stopJobs(); // lets a running re-score chunk finish; the job resumes on the next start
      await stopWatchingRules();
      await database.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});

import 'reflect-metadata';
import { config } from './config';
import { openDatabase } from './db/database';
import { takeOverShutdownSignals } from './db/embedded-postgres';
import { logger } from './logger';
import { createApp } from './server';
import { seedDemo } from './cli/demo-data';
import { publishStarterRules } from './cli/starter-rules';
import { watchPublishedRules } from './rules/rule-cache';
import { closeRulePool, warmRulePool } from './rules/rule-pool';
import { purgeExpiredIdempotencyKeys } from './services/idempotency.service';
import { watchStageTimes } from './services/metrics/lead-facts.service';
import { startJobQueue } from './services/rescore.service';

async function main(): Promise<void> {
  const started = Date.now();
  const database = await openDatabase();
  if (process.argv.includes('--demo') || process.env.SEED_DEMO === 'true') {
    const seeded = await seedDemo(database.dataSource, { onlyIfEmpty: true });
    logger.info(seeded ?? { skipped: 'the database already has leads' }, 'demo data');
    logger.info(await publishStarterRules(database.dataSource), 'starter rule sets');
  }
  const { httpServer, apollo, startDraining } = await createApp(database.dataSource);
  const stopWatchingRules = await watchPublishedRules(database.dataSource, database.url);
  // A rule worker thread is started now, so the first validation does not wait for it.
  await warmRulePool(config.ruleWork.workerThreads);
  const stopJobs = await startJobQueue(database.dataSource, database.url);
  // A funnel edit marks the stored times to next stage stale; they are rebuilt in the background.
  const stopStageTimes = watchStageTimes(database.dataSource);
  // Idempotency keys are kept 24 h; the sweep forgets older ones.
  const purge = setInterval(() => {
    purgeExpiredIdempotencyKeys(database.dataSource).catch((error: unknown) =>
      logger.warn({ err: error }, 'idempotency key sweep failed'),
    );
  }, 3600_000);
  purge.unref();
  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  logger.info(
    { url: `http://localhost:${config.port}/graphql`, startupMs: Date.now() - started, embedded: !config.databaseUrl },
    'Smarketing API ready',
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      // A second signal while draining: the operator does not want to wait.
      logger.warn({ signal }, 'second signal while draining: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining requests, then closing the database');
    try {
      startDraining(); // /readyz answers 503 from now on
      // Time for a load balancer to see it before the listening socket closes.
      if (config.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      await apollo.stop(); // stops accepting, waits for in-flight requests (drain plugin)
      clearInterval(purge);
      await stopJobs(); // lets a running re-score chunk finish; the job resumes on the next start
      await stopWatchingRules();
      await closeRulePool();
      await stopStageTimes();
      await database.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  takeOverShutdownSignals();
}

// A promise nobody awaited must not take the server down with every request in flight; it is a
// bug to fix, so it is logged loudly. An exception thrown out of the event loop leaves the state
// unknown: log it and exit, and let the supervisor start a fresh process.
process.on('unhandledRejection', (reason: unknown) => {
  logger.error({ err: reason }, 'unhandled promise rejection');
});
process.on('uncaughtException', (error: Error) => {
  logger.fatal({ err: error }, 'uncaught exception; exiting');
  process.exit(1);
});

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
});

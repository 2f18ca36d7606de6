// First: the tracing SDK (when OTEL_* asks for it) must patch `http` and `pg` before they load.
import { tracingSdk } from './observability/tracing-boot';
import 'reflect-metadata';
import { config, configProblems, configProblemsMessage } from './config';
import { createDataSource } from './db/data-source';
import { openDatabase } from './db/database';
import { takeOverShutdownSignals } from './db/embedded-postgres';
import { logger } from './logger';
import { createApp } from './server';
import { seedDemoCompany } from './cli/demo-company';
import { startMetricsServer } from './observability/http-observability';
import { watchPublishedRules } from './rules/rule-cache';
import { closeRulePool, warmRulePool } from './rules/rule-pool';
import { purgeExpiredIdempotencyKeys } from './services/idempotency.service';
import { watchRollupDeltas } from './rollups/fold';
import { watchStageTimes } from './rollups/lead-facts';
import { startJobQueue } from './services/rescore.service';

async function main(): Promise<void> {
  const started = Date.now();
  // Every bad or unknown setting at once, before anything is started or connected to.
  const problems = configProblems();
  if (problems.length > 0) {
    process.stderr.write(`${configProblemsMessage(problems)}\n`);
    process.exit(1);
  }
  const database = await openDatabase({ migrate: config.migrateOnStart });
  if (process.argv.includes('--demo') || config.seedDemo) {
    logger.info('seeding demo data (only into an empty database), the starter rules, SLAs and reviews');
    const demo = await seedDemoCompany(database.dataSource, { onlyIfEmpty: true });
    logger.info(demo.seeded ?? { skipped: 'the database already has leads' }, 'demo data');
    logger.info(demo.rules, 'starter rule sets');
    if (demo.agreements) logger.info(demo.agreements, 'demo SLAs, goal and reviews');
  }
  // Metric queries and lists may read a replica; everything else, and every write, the primary.
  const readDataSource = config.databaseReadUrl
    ? await createDataSource(config.databaseReadUrl, { applicationName: 'smarketing-api-read' }).initialize()
    : undefined;
  const { httpServer, apollo, startDraining } = await createApp(database.dataSource, { readDataSource });
  const stopWatchingRules = await watchPublishedRules(database.dataSource, database.url);
  // A rule worker thread is started now, so the first validation does not wait for it.
  await warmRulePool(config.ruleWork.workerThreads);
  const stopJobs = await startJobQueue(database.dataSource, database.url);
  // A funnel edit marks the stored times to next stage stale; they are rebuilt in the background.
  const stopStageTimes = watchStageTimes(database.dataSource);
  // Interim (the jobs branch schedules it with pg-boss): lead writes append daily deltas; fold them.
  const stopFolding = watchRollupDeltas(database.dataSource);
  // Idempotency keys are kept 24 h; the sweep forgets older ones.
  const purge = setInterval(() => {
    purgeExpiredIdempotencyKeys(database.dataSource).catch((error: unknown) =>
      logger.warn({ err: error }, 'idempotency key sweep failed'),
    );
  }, 3600_000);
  purge.unref();
  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const metricsServer =
    config.metricsEnabled && config.metricsPort > 0
      ? await startMetricsServer(config.metricsPort, config.metricsHost, config.metricsToken)
      : undefined;
  if (metricsServer) logger.info({ url: `http://${config.metricsHost}:${config.metricsPort}/metrics` }, 'metrics');
  logger.info(
    {
      url: `http://localhost:${config.port}/graphql`,
      startupMs: Date.now() - started,
      embedded: !config.databaseUrl,
      readReplica: readDataSource !== undefined,
    },
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
      await stopFolding();
      if (readDataSource?.isInitialized) await readDataSource.destroy();
      await database.close();
      metricsServer?.close();
      await tracingSdk?.shutdown(); // sends the spans still buffered
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

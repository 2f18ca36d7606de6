import { config } from '../config';
import { sweepOutbox } from '../events/outbox';
import { WEBHOOK_QUEUE, wakeWebhooks } from '../events/webhooks-worker';
import { logger } from '../logger';
import { foldRollupDeltas } from '../rollups/fold';
import { rebuildStaleStageTimes } from '../rollups/lead-facts';
import { purgeExpiredIdempotencyKeys } from '../services/idempotency.service';
import { IMPORT_JOB_OPTIONS, IMPORT_QUEUE, unfinishedImports } from '../services/import-queue';
import { runImportJob } from '../services/import-run';
import {
  METRICS_REBUILD_QUEUE,
  runMetricsRebuildJob,
  unfinishedMetricsRebuilds,
} from '../services/metrics-rebuild.service';
import { RESCORE_QUEUE, rescoreRetryOptions } from '../services/rescore.service';
import { every, onCron, onDemand, type JobDefinition } from './job-definition';
import { queueDailyRescore, requeueUnfinishedRescoreJobs, runQueuedRescore } from './rescore-jobs';
import { runSlaClock } from './sla-clock.job';

/**
 * Every queue of background work, and when it runs: one line each. `startJobs` creates the queues
 * with their policies, registers the schedules and works them in every server process; pg-boss
 * makes each job run once for the whole system. See job-definition.ts for the three shapes.
 */
export function backgroundJobs(): JobDefinition[] {
  return [
    // A publish or rollback sends one per re-score job (singleton key: the job id).
    onDemand(RESCORE_QUEUE, runQueuedRescore, rescoreRetryOptions()),
    onCron('rescore-daily', config.jobs.rescoreDailyCron, queueDailyRescore),
    onCron('rescore-requeue', config.jobs.rescoreRequeueCron, requeueUnfinishedRescoreJobs, { atStart: true }),
    onCron('idempotency-sweep', config.jobs.idempotencySweepCron, ({ dataSource }) =>
      purgeExpiredIdempotencyKeys(dataSource),
    ),
    // A funnel edit marks the stored times to next stage stale; this pass rebuilds them.
    every('stage-times', config.jobs.stageTimesSeconds, ({ dataSource }) => rebuildStaleStageTimes(dataSource)),
    // Lead writes append signed daily deltas (no hot rows); this folds them into the daily totals.
    // rebuildMetrics (ADMIN) sends one per job; the sweep re-sends those a crash left unfinished.
    onDemand(METRICS_REBUILD_QUEUE, ({ dataSource }, data: { jobId: string }) => runMetricsRebuildJob(dataSource, data.jobId)),
    onCron(
      'rebuild-metrics-requeue',
      config.jobs.rescoreRequeueCron,
      async ({ dataSource, send }) => {
        for (const jobId of await unfinishedMetricsRebuilds(dataSource)) {
          await send(METRICS_REBUILD_QUEUE, { jobId }, { singletonKey: jobId });
        }
      },
      { atStart: true },
    ),
    // Webhook delivery runs in each process's delivery loop (events/webhooks-worker.ts); a job of
    // this queue (every minute, and the wake-up a retry schedules) only wakes the loop.
    onCron(WEBHOOK_QUEUE, '* * * * *', () => wakeWebhooks()),
    // SLA clocks that fire: sla.at_risk / sla.breached / sla.met, each once per case.
    onCron('sla-clock', '* * * * *', async ({ dataSource }) => {
      const fired = await runSlaClock(dataSource);
      if (fired > 0) logger.info({ fired }, 'SLA clock fired alerts');
    }),
    // Delivered events are kept OUTBOX_RETENTION_DAYS, then forgotten.
    onCron('outbox-sweep', '30 3 * * *', async ({ dataSource }) => {
      const removed = await sweepOutbox(dataSource.manager, config.webhooks.outboxRetentionDays);
      if (removed > 0) logger.info({ removed }, 'outbox sweep removed delivered events');
    }),
    // An import (POST /imports, npm run import) runs batch by batch; a standard queue (see IMPORT_QUEUE).
    onDemand(
      IMPORT_QUEUE,
      ({ dataSource, stop }, data: { importId: string }) => runImportJob(dataSource, data.importId, { stop }),
      { policy: 'standard', retryLimit: 0, ...IMPORT_JOB_OPTIONS },
    ),
    onCron(
      'import-requeue',
      config.jobs.rescoreRequeueCron,
      async ({ dataSource, send }) => {
        for (const importId of await unfinishedImports(dataSource)) await send(IMPORT_QUEUE, { importId }, IMPORT_JOB_OPTIONS);
      },
      { atStart: true },
    ),
    every('rollup-fold', config.jobs.rollupFoldSeconds, ({ dataSource }) => foldRollupDeltas(dataSource)),
  ];
}

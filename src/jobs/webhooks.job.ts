import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { config } from '../config';
import { sweepOutbox } from '../events/outbox';
import { logger } from '../logger';
import { installWebhookQueue, startWebhookWorker } from '../events/webhooks-worker';
import { runSlaClock } from './sla-clock.job';

export const SLA_CLOCK_QUEUE = 'sla-clock';
export const OUTBOX_SWEEP_QUEUE = 'outbox-sweep';

/** The event queues (webhook delivery, SLA clock); part of the release step (installJobQueue). */
export async function installEventQueues(boss: PgBoss): Promise<void> {
  await installWebhookQueue(boss);
  // singleton: one clock run at a time (a second would only find nothing left to fire).
  await boss.createQueue(SLA_CLOCK_QUEUE, { name: SLA_CLOCK_QUEUE, policy: 'singleton' });
  await boss.createQueue(OUTBOX_SWEEP_QUEUE, { name: OUTBOX_SWEEP_QUEUE, policy: 'singleton' });
}

/** Webhook delivery and the SLA clock (every minute) in this process. */
export async function startEventJobs(boss: PgBoss, dataSource: DataSource, url: string): Promise<() => Promise<void>> {
  const stopWebhooks = await startWebhookWorker(boss, dataSource, url);
  await boss.work(SLA_CLOCK_QUEUE, async () => {
    const fired = await runSlaClock(dataSource);
    if (fired > 0) logger.info({ fired }, 'SLA clock fired alerts');
  });
  await boss.schedule(SLA_CLOCK_QUEUE, '* * * * *', {}, { tz: 'UTC' });
  // Delivered events are kept OUTBOX_RETENTION_DAYS, then forgotten (daily).
  await boss.work(OUTBOX_SWEEP_QUEUE, async () => {
    const removed = await sweepOutbox(dataSource.manager, config.webhooks.outboxRetentionDays);
    if (removed > 0) logger.info({ removed }, 'outbox sweep removed delivered events');
  });
  await boss.schedule(OUTBOX_SWEEP_QUEUE, '30 3 * * *', {}, { tz: 'UTC' });
  return async () => {
    await boss.offWork(OUTBOX_SWEEP_QUEUE);
    await boss.offWork(SLA_CLOCK_QUEUE);
    await stopWebhooks();
  };
}

import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { logger } from '../logger';
import { installWebhookQueue, startWebhookWorker } from '../events/webhooks-worker';
import { runSlaClock } from './sla-clock.job';

export const SLA_CLOCK_QUEUE = 'sla-clock';

/** The event queues (webhook delivery, SLA clock); part of the release step (installJobQueue). */
export async function installEventQueues(boss: PgBoss): Promise<void> {
  await installWebhookQueue(boss);
  // singleton: one clock run at a time (a second would only find nothing left to fire).
  await boss.createQueue(SLA_CLOCK_QUEUE, { name: SLA_CLOCK_QUEUE, policy: 'singleton' });
}

/** Webhook delivery and the SLA clock (every minute) in this process. */
export async function startEventJobs(boss: PgBoss, dataSource: DataSource, url: string): Promise<() => Promise<void>> {
  const stopWebhooks = await startWebhookWorker(boss, dataSource, url);
  await boss.work(SLA_CLOCK_QUEUE, async () => {
    const fired = await runSlaClock(dataSource);
    if (fired > 0) logger.info({ fired }, 'SLA clock fired alerts');
  });
  await boss.schedule(SLA_CLOCK_QUEUE, '* * * * *', {}, { tz: 'UTC' });
  return async () => {
    await boss.offWork(SLA_CLOCK_QUEUE);
    await stopWebhooks();
  };
}

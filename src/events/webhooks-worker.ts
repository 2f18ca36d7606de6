import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { config } from '../config';
import { logger } from '../logger';
import { listenForEvents } from './event-listener';
import { attemptDelivery, claimDueDeliveries, dispatchEvents, nextWork } from './webhooks-delivery';

export const WEBHOOK_QUEUE = 'webhook-deliveries';

/** A pump run hands the queue back after this long, so pg-boss never sees a job outlive its expiry. */
const PUMP_BUDGET_MS = 60_000;
/** Retries due within this long are waited for in the running pump rather than through the queue. */
const LINGER_MS = 2_000;

/**
 * Runs delivery until nothing is due soon: fans out new events, claims due deliveries (up to
 * WEBHOOK_CONCURRENCY in flight) and attempts them. Answers when the next delivery is due (null:
 * nothing pending), for the caller to come back then. `wake` is called by whoever knows that new
 * work arrived (a NOTIFY), to cut a wait short.
 */
export async function runWebhookPump(
  dataSource: DataSource,
  options: { signal?: AbortSignal; budgetMs?: number; wakeup?: { wait: (ms: number) => Promise<void> } } = {},
): Promise<Date | null> {
  const deadline = Date.now() + (options.budgetMs ?? PUMP_BUDGET_MS);
  const wait = options.wakeup?.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const inFlight = new Set<Promise<void>>();
  let idle = false;
  try {
    while (!options.signal?.aborted && Date.now() < deadline) {
      while ((await dispatchEvents(dataSource)) > 0 && inFlight.size === 0) {
        // a backlog: fan it out before claiming
      }
      const claimed = await claimDueDeliveries(dataSource, config.webhooks.concurrency - inFlight.size);
      for (const delivery of claimed) {
        const attempt: Promise<void> = attemptDelivery(dataSource, delivery)
          .then(() => undefined)
          .catch((error: unknown) => logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt failed'))
          .finally(() => inFlight.delete(attempt));
        inFlight.add(attempt);
      }
      if (claimed.length > 0) idle = false;
      if (claimed.length > 0 && inFlight.size < config.webhooks.concurrency) continue;
      if (inFlight.size > 0) {
        await Promise.race([...inFlight, wait(LINGER_MS)]);
        continue;
      }
      const next = await nextWork(dataSource);
      if (next.undispatched) continue;
      if (!next.nextDueAt) {
        // Nothing pending: stay a moment for new events (a wake cuts it short), then hand back.
        if (idle) return null;
        idle = true;
        await wait(LINGER_MS);
        continue;
      }
      idle = false;
      const waitMs = next.nextDueAt.getTime() - Date.now();
      if (waitMs > LINGER_MS) return next.nextDueAt;
      await wait(Math.max(waitMs, 10));
    }
  } finally {
    await Promise.allSettled([...inFlight]);
  }
  return new Date();
}

/** A wait that ends early when `wake()` is called (a wake with nobody waiting ends the next wait). */
function wakeup(): { wait: (ms: number) => Promise<void>; wake: () => void } {
  let waiting: (() => void) | undefined;
  let woken = false;
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        if (woken) {
          woken = false;
          resolve();
          return;
        }
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          if (waiting === done) waiting = undefined;
          resolve();
        }
        waiting = done;
      }),
    wake: () => {
      if (waiting) waiting();
      else woken = true;
    },
  };
}

/** Wakes this process's delivery loop (a job of the webhook queue arrived); nothing when none runs. */
let wakeWebhookWorker = (): void => undefined;
export const wakeWebhooks = (): Promise<void> => {
  wakeWebhookWorker();
  return Promise.resolve();
};

/**
 * Delivers webhooks from this process. The pump runs here, outside any pg-boss job: a job only
 * wakes it (and completes at once), because pg-boss 10 does not await a job's completion, so a
 * long-held job whose database connection drops ends in an unhandled rejection. What wakes the
 * pump: a committed event (NOTIFY), a local timer for the next retry, a pg-boss job sent for that
 * retry (durable, for whichever process is alive then) and the schedule every minute (what a lost
 * notice or a crashed process left behind). Several processes may pump at once: claims skip
 * locked rows and respect each lead's order (see webhooks-delivery.ts).
 */
export async function startWebhookWorker(
  dataSource: DataSource,
  url: string,
  send: (queue: string, data: object, options?: PgBoss.SendOptions) => Promise<string | null>,
): Promise<() => Promise<void>> {
  const stopping = new AbortController();
  const signals = wakeup();
  let running: Promise<void> | undefined;
  let again = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const runAt = (at: Date | null): void => {
    clearTimeout(retryTimer);
    if (!at || stopping.signal.aborted) return;
    retryTimer = setTimeout(kick, Math.max(0, at.getTime() - Date.now()));
    retryTimer.unref();
    // A key of its own (the second it is due): the stately queue keeps one waiting job per key, so
    // this wake-up neither takes the every-minute tick's place nor is refused while a tick waits.
    send(WEBHOOK_QUEUE, {}, { startAfter: at, singletonKey: `retry-${Math.ceil(at.getTime() / 1000)}` }).catch(
      (error: unknown) => logger.warn({ err: error }, 'could not queue the next webhook retry'),
    );
  };
  function kick(): void {
    if (stopping.signal.aborted) return;
    if (running) {
      again = true;
      signals.wake();
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          runAt(await runWebhookPump(dataSource, { signal: stopping.signal, wakeup: signals }));
        } catch (error) {
          // The database went away, most likely: the next wake (NOTIFY on reconnect, the
          // schedule) starts again; a timer too, in case nothing else does.
          logger.warn({ err: error }, 'webhook delivery stopped; retrying in 5 s');
          clearTimeout(retryTimer);
          retryTimer = setTimeout(kick, 5000);
          retryTimer.unref();
        }
      } while (again && !stopping.signal.aborted);
    })().finally(() => {
      running = undefined;
    });
  }

  // The webhook queue's jobs (its every-minute schedule, the retry wake-ups sent above) wake it.
  wakeWebhookWorker = kick;
  let pending: NodeJS.Timeout | undefined;
  const stopListening = await listenForEvents(
    url,
    () => {
      // Many commits in a burst make one wake.
      pending ??= setTimeout(() => {
        pending = undefined;
        kick();
      }, 2);
    },
    kick,
  );
  return async () => {
    stopping.abort();
    signals.wake();
    clearTimeout(retryTimer);
    clearTimeout(pending);
    await stopListening();
    wakeWebhookWorker = (): void => undefined;
    await running;
  };
}

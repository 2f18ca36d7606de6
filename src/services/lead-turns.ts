import { config } from '../config';
import { AppError, ErrorCode } from '../schema/errors';

/** Seconds a client is told to wait before retrying a write to a busy lead. */
export function busyRetryAfterSeconds(): number {
  return Math.max(1, Math.ceil(config.lockTimeoutMs / 1000));
}

/** The answer for a write that could not get its turn at a lead in time: retry it later. */
export function leadBusy(leadId: string, field: string): AppError {
  const retryAfterSeconds = busyRetryAfterSeconds();
  return new AppError(
    ErrorCode.LEAD_BUSY,
    `lead ${leadId} is being changed by other requests; nothing was written, retry in ${retryAfterSeconds} s`,
    { field, leadId, retryable: true, retryAfterSeconds },
  );
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout | undefined;
}

interface Turns {
  busy: boolean;
  waiting: Waiter[];
}

/**
 * Writes to one lead take turns in this process before they take a database connection. Without
 * this, 200 concurrent writes to one lead each held a pooled connection while waiting for its
 * row lock, and everyone else waited for a connection. Now a hot lead ties up one connection per
 * process; its other writers wait in memory, at most `lockTimeoutMs` and at most
 * `leadQueueMax` of them, and are then told to retry (LEAD_BUSY). Other processes, and paths that
 * lock a lead without knowing it beforehand (upsert by email, batches), are bounded by the
 * transaction's lock_timeout instead.
 */
const turns = new Map<string, Turns>();

export async function inLeadTurn<T>(leadId: string, field: string, work: () => Promise<T>): Promise<T> {
  let entry = turns.get(leadId);
  if (!entry) turns.set(leadId, (entry = { busy: false, waiting: [] }));
  const own = entry;
  if (own.busy) {
    if (own.waiting.length >= config.leadQueueMax) throw leadBusy(leadId, field);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          if (waiter.timer) clearTimeout(waiter.timer);
          resolve();
        },
        // LOCK_TIMEOUT_MS=0 turns the timeout off, as it does for PostgreSQL's lock_timeout.
        timer:
          config.lockTimeoutMs > 0
            ? setTimeout(() => {
                own.waiting.splice(own.waiting.indexOf(waiter), 1);
                reject(leadBusy(leadId, field));
              }, config.lockTimeoutMs)
            : undefined,
      };
      own.waiting.push(waiter);
    });
  }
  own.busy = true;
  try {
    return await work();
  } finally {
    const next = own.waiting.shift();
    if (next) next.start();
    else {
      own.busy = false;
      turns.delete(leadId);
    }
  }
}

import { config } from '../config';
import type { Context } from '../context';
import { logger } from '../logger';
import { AppError, ErrorCode } from '../schema/errors';
import { busyRetryAfterSeconds, inLeadTurn } from './lead-turns';
import { refreshLockedLeadFacts } from '../rollups/lead-facts';

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate.driverError?.code ?? candidate.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE lock_not_available: a lock wait passed the transaction's lock_timeout. */
export const LOCK_NOT_AVAILABLE = '55P03';

export interface TransactionOptions {
  /**
   * The lead this transaction changes, when known before it starts: the transaction then waits
   * for its turn at the lead before it takes a connection (see inLeadTurn).
   */
  lead?: { id: string; field: string };
}

/**
 * Runs `work` in one transaction (or in the caller's, when already inside one). Everything it
 * writes commits together or not at all. Serialization failures and deadlocks are retried; a
 * lock wait is bounded by LOCK_TIMEOUT_MS and is never retried here (retrying would only add to
 * the pile-up): the client is told to retry later.
 */
export async function inTransaction<T>(
  ctx: Context,
  work: (tx: Context) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (ctx.manager?.queryRunner?.isTransactionActive) return work(ctx);
  const lead = options.lead;
  if (lead) return inLeadTurn(lead.id, lead.field, () => runTransaction(ctx, work));
  return runTransaction(ctx, work);
}

async function runTransaction<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const committed: Array<() => void> = [];
      const result = await ctx.dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL lock_timeout = ${Math.trunc(config.lockTimeoutMs)}`);
        const written = new Set<string>();
        committed.length = 0;
        manager.queryRunner!.data = { ...manager.queryRunner!.data, [LEADS_WRITTEN]: written, [COMMITTED]: committed };
        const outcome = await work({ ...ctx, manager });
        // The hook: the rollups of the leads this transaction locked or created commit with it.
        await refreshLockedLeadFacts(manager, [...written]);
        return outcome;
      });
      for (const callback of committed) callback();
      return result;
    } catch (error) {
      const state = sqlState(error);
      if (state === LOCK_NOT_AVAILABLE) throw recordBusy();
      if (state === undefined || !RETRYABLE.has(state) || attempt >= MAX_ATTEMPTS) throw error;
      logger.info({ state, attempt, requestId: ctx.requestId }, 'retrying transaction');
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

const LEADS_WRITTEN = 'smarketing.leadsWritten';
const COMMITTED = 'smarketing.committed';

/** Runs `callback` once this transaction has committed (not at all if it rolls back). */
export function afterCommit(tx: Context, callback: () => void): void {
  const callbacks = tx.manager?.queryRunner?.data?.[COMMITTED] as Array<() => void> | undefined;
  if (!callbacks) throw new Error('afterCommit is called only inside inTransaction');
  callbacks.push(callback);
}

/**
 * Registers leads whose row this transaction has locked or inserted: their metric rollups are
 * brought up to date in one statement just before it commits. Called by the one function that
 * locks or creates a lead (lead-stage.service's `leadForWrite`), so no write path can forget it.
 */
export function registerLeadWrite(tx: Context, leadIds: readonly string[]): void {
  const written = tx.manager?.queryRunner?.data?.[LEADS_WRITTEN] as Set<string> | undefined;
  if (!written || !tx.manager?.queryRunner?.isTransactionActive) {
    throw new Error('a lead is locked or created only inside inTransaction');
  }
  for (const id of leadIds) written.add(id);
}

/** A lock wait that timed out on a row other than a lead's (those are LEAD_BUSY). */
function recordBusy(): AppError {
  const retryAfterSeconds = busyRetryAfterSeconds();
  return new AppError(
    ErrorCode.CONFLICT,
    `a record this change needs is being changed by another request; nothing was written, retry in ${retryAfterSeconds} s`,
    { retryable: true, retryAfterSeconds },
  );
}

export { sqlState };

import type { Context } from '../context';
import { logger } from '../logger';
import { flushLeadFacts } from './metrics/lead-facts.service';

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate.driverError?.code ?? candidate.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `work` in one transaction (or in the caller's, when already inside one). Everything it
 * writes commits together or not at all. Serialization failures and deadlocks are retried.
 */
export async function inTransaction<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
  if (ctx.manager?.queryRunner?.isTransactionActive) return work(ctx);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.dataSource.transaction(async (manager) => {
        const tx = { ...ctx, manager };
        const result = await work(tx);
        // The metric rollups of the leads this transaction changed commit with the change.
        await flushLeadFacts(tx);
        return result;
      });
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !RETRYABLE.has(state) || attempt >= MAX_ATTEMPTS) throw error;
      logger.info({ state, attempt, requestId: ctx.requestId }, 'retrying transaction');
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

export { sqlState };

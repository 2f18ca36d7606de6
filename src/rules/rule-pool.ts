import path from 'node:path';
import { Piscina } from 'piscina';
import type { RuleTask } from './rule-work';

/**
 * The worker threads that run rule work (validation, test cases, simulations, re-score chunks),
 * so the event loop keeps serving requests. Built from source (ts-jest, ts-node) the worker is a
 * `.ts` file, so the thread first registers tsx's CommonJS hook (twice as fast to start as
 * ts-node); built into dist it is plain `.js` and needs neither.
 */

/** A task ran past its time budget; its worker thread was terminated. */
export class RuleBudgetExceeded extends Error {
  constructor(
    readonly budgetMs: number,
    /** The setting that holds the budget, e.g. RULE_TASK_BUDGET_MS. */
    readonly setting: string,
    what: string,
  ) {
    super(`${what} took longer than its budget of ${budgetMs} ms (${setting}) and was stopped`);
  }
}

export interface Budget {
  ms: number;
  setting: string;
  /** What the work is, for the message: "validating the rule set". */
  what: string;
}

let pool: Piscina<RuleTask, unknown> | undefined;
let poolThreads = 0;
/** Settles once a worker has started: budgets count from then, not from a thread's start-up. */
let warm: Promise<unknown> | undefined;

function workerOptions(): { filename: string; execArgv: string[] } {
  const fromSource = __filename.endsWith('.ts');
  return {
    filename: path.join(__dirname, fromSource ? 'rule-worker.ts' : 'rule-worker.js'),
    execArgv: fromSource ? ['--require', require.resolve('tsx/cjs')] : [],
  };
}

/** The pool, created on first use with `threads` workers at most. */
export function rulePool(threads: number): Piscina<RuleTask, unknown> {
  if (!pool || poolThreads !== threads) {
    void pool?.destroy();
    poolThreads = threads;
    warm = undefined;
    pool = new Piscina<RuleTask, unknown>({
      ...workerOptions(),
      // One thread stays started, so a task does not wait for a thread to boot.
      minThreads: 1,
      maxThreads: Math.max(1, threads),
      idleTimeout: 60_000,
      // A worker that grows past this dies alone (ERR_WORKER_OUT_OF_MEMORY) instead of the process.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
  }
  return pool;
}

/**
 * Runs a task in the pool and stops it at its budget: a queued task leaves the queue, a running
 * one has its worker thread terminated (piscina starts a fresh one for the next task).
 */
export async function runRuleTask<T>(task: RuleTask, budget: Budget, threads: number): Promise<T> {
  await warmRulePool(threads);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budget.ms);
  try {
    return (await rulePool(threads).run(task, { signal: controller.signal })) as T;
  } catch (error) {
    if (controller.signal.aborted) {
      warm = undefined; // its thread was terminated: the next task waits for a fresh one to start
      throw new RuleBudgetExceeded(budget.ms, budget.setting, budget.what);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a worker thread (once per pool) and settles when it answers. */
export function warmRulePool(threads: number): Promise<unknown> {
  const current = rulePool(threads);
  warm ??= current.run({ type: 'ping' }).catch((error: unknown) => {
    warm = undefined;
    throw error;
  });
  return warm;
}

/** Stops the worker threads (at shutdown). */
export async function closeRulePool(): Promise<void> {
  const closing = pool;
  pool = undefined;
  warm = undefined;
  await closing?.destroy();
}

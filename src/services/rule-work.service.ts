import { config } from '../config';
import type { ExplanationBounds } from '../rules/evaluate';
import { RuleBudgetExceeded, runRuleTask } from '../rules/rule-pool';
import {
  fromWire,
  type CheckResult,
  type CheckTask,
  type EvaluateResult,
  type EvaluateTask,
  type EvaluateWire,
} from '../rules/rule-work';
import { ruleCostLimits } from '../rules/validate-rules';
import { AppError, ErrorCode } from '../schema/errors';

/** The explanation bounds in force (settings EXPLANATION_MAX_*). */
export function explanationBounds(): ExplanationBounds {
  const work = config.ruleWork;
  return {
    maxFiredRules: work.explanationMaxFiredRules,
    maxListValues: work.explanationMaxListValues,
    maxBytes: work.explanationMaxBytes,
  };
}

/** A task in the rule workers, its time budget ending in RULE_BUDGET_EXCEEDED. */
async function inWorker<T>(
  task: CheckTask | EvaluateTask,
  what: string,
  budgetMs: number,
  setting: string,
): Promise<T> {
  try {
    return await runRuleTask<T>(task, { ms: budgetMs, setting, what }, config.ruleWork.workerThreads);
  } catch (error) {
    if (!(error instanceof RuleBudgetExceeded)) throw error;
    throw new AppError(ErrorCode.RULE_BUDGET_EXCEEDED, error.message, {
      budgetMs: error.budgetMs,
      setting: error.setting,
    });
  }
}

/** Validates rule-set content (and runs its test cases when `runTests`) in a worker thread. */
export function checkInWorker(
  kind: CheckTask['kind'],
  content: CheckTask['content'],
  stageKeys: string[],
  runTests: boolean,
  skipValidation = false,
): Promise<CheckResult> {
  return inWorker<CheckResult>(
    {
      type: 'check',
      kind,
      content,
      stageKeys,
      runTests,
      skipValidation,
      limits: ruleCostLimits(),
      bounds: explanationBounds(),
    },
    runTests ? 'checking the rule set and running its test cases' : 'checking the rule set',
    config.ruleWork.taskBudgetMs,
    'RULE_TASK_BUDGET_MS',
  );
}

/** Evaluates a batch of leads in a worker thread, within RULE_BULK_TASK_BUDGET_MS. */
export async function evaluateInWorker(
  task: Omit<EvaluateTask, 'type' | 'bounds'>,
  budgetMs = config.ruleWork.bulkTaskBudgetMs,
  setting = 'RULE_BULK_TASK_BUDGET_MS',
): Promise<EvaluateResult> {
  const wire = await inWorker<EvaluateWire>(
    { type: 'evaluate', ...task, bounds: explanationBounds() },
    `evaluating ${task.facts.length} leads`,
    budgetMs,
    setting,
  );
  return fromWire(wire);
}

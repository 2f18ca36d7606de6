import { config } from '../config';
import type { Context } from '../context';
import { RuleSetKind } from '../entities/enums';
import type { ScoreExplanation } from '../rules/evaluate';
import { loadLeadStates, type LeadState } from '../rules/facts';
import { ruleCache } from '../rules/rule-cache';
import { specOfCompiled, type EvaluateResult, type VersionSpec } from '../rules/rule-work';
import { AppError, ErrorCode } from '../schema/errors';
import { listStages } from './funnel.service';
import { getRuleSetOrThrow, getVersionOrThrow, specOf } from './rule-set.service';
import { evaluateInWorker } from './rule-work.service';
import { automaticTarget } from './scoring.service';

export interface StageChange {
  from: string;
  to: string;
  leads: number;
}

export interface ScoreDistribution {
  leads: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  /** Leads per score band of 10 points (`[0, 10)`, `[10, 20)`, ...). */
  bands: Array<{ from: number; to: number; leads: number }>;
}

export interface RuleFireRate {
  rule: string;
  firedBefore: number;
  firedAfter: number;
  rateBefore: number;
  rateAfter: number;
}

export interface ChangedLead {
  leadId: string;
  scoreBefore: number;
  scoreAfter: number;
  stageBefore: string;
  stageAfter: string;
  /** The stored explanation (null: never scored); filled in for the leads reported. */
  explanationBefore: ScoreExplanation | null;
  explanationAfter: ScoreExplanation;
}

export interface Simulation {
  versionId: string;
  leads: number;
  stageChanges: StageChange[];
  leadsChangingStage: number;
  scoresBefore: ScoreDistribution;
  scoresAfter: ScoreDistribution;
  ruleFireRates: RuleFireRate[];
  mostChanged: ChangedLead[];
  ms: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function distribution(scores: number[]): ScoreDistribution {
  const sorted = [...scores].sort((a, b) => a - b);
  const bands = new Map<number, number>();
  for (const score of sorted) {
    const from = Math.floor(score / 10) * 10;
    bands.set(from, (bands.get(from) ?? 0) + 1);
  }
  return {
    leads: sorted.length,
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    mean: sorted.length ? sorted.reduce((sum, score) => sum + score, 0) / sorted.length : null,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    bands: [...bands.entries()].sort(([a], [b]) => a - b).map(([from, leads]) => ({ from, to: from + 10, leads })),
  };
}

/** Adds a batch's fire counts of the rules of `versionIds` to `into`. */
function addFires(into: Map<string, number>, batch: EvaluateResult, versionIds: Set<string>): void {
  for (const { ruleSetVersionId, rule, count } of batch.fireCounts) {
    if (versionIds.has(ruleSetVersionId)) into.set(rule, (into.get(rule) ?? 0) + count);
  }
}

/** A changed lead while the simulation runs: explanations stay JSON text until the report is built. */
type PendingChange = Omit<ChangedLead, 'explanationBefore' | 'explanationAfter'> & { explanationAfter: string };

/**
 * Runs a version (usually a draft) against existing leads without writing anything, predicting
 * what publishing it would do now: "before" is each lead's stored score and stage, "after" its
 * evaluation now with this version in place of its rule set's active one, so drift since the last
 * evaluation (a visit aged out of a 7-day window) shows too. Reports stage moves as a from-to
 * matrix, the score distributions, each rule's fire rate (before: the rules in force, evaluated
 * now) and the leads whose score changes most. Evaluation runs in the rule workers.
 */
export async function simulateRuleSetVersion(
  ctx: Context,
  versionId: string,
  limit: number | null,
): Promise<Simulation> {
  const started = Date.now();
  const version = await getVersionOrThrow(ctx, versionId);
  const ruleSet = await getRuleSetOrThrow(ctx, version.ruleSetId);
  const candidate = specOf(ruleSet, version);
  const db = ctx.dataSource;
  const compiled = await ruleCache.active(db);
  const active = {
    scoring: compiled.scoring.map(specOfCompiled),
    qualification: compiled.qualification.map(specOfCompiled),
  };
  const replace = (versions: VersionSpec[], kind: RuleSetKind): VersionSpec[] =>
    ruleSet.kind !== kind ? versions : [...versions.filter((v) => v.ruleSetId !== ruleSet.id), candidate];
  const after = {
    scoring: replace(active.scoring, RuleSetKind.SCORING),
    qualification: replace(active.qualification, RuleSetKind.QUALIFICATION),
  };
  const beforeIds = new Set(
    [...active.scoring, ...active.qualification].filter((v) => v.ruleSetId === ruleSet.id).map((v) => v.id),
  );
  const afterIds = new Set([candidate.id]);
  const budgetMs = config.ruleWork.simulationBudgetMs;
  const deadline = started + budgetMs;
  const overBudget = (): AppError =>
    new AppError(
      ErrorCode.RULE_BUDGET_EXCEEDED,
      `the simulation took longer than its budget of ${budgetMs} ms (RULE_SIMULATION_BUDGET_MS) and was stopped; simulate fewer leads with \`limit\``,
      { budgetMs, setting: 'RULE_SIMULATION_BUDGET_MS', field: 'limit' },
    );
  const stages = await listStages(ctx);
  const at = new Date();

  const moves = new Map<string, number>();
  const scoresBefore: number[] = [];
  const scoresAfter: number[] = [];
  const firedBefore = new Map<string, number>();
  const firedAfter = new Map<string, number>();
  const changed: PendingChange[] = [];
  let cursor: string | null = null;
  let seen = 0;
  for (;;) {
    const batch = Math.min(1000, limit === null ? 1000 : limit - seen);
    if (batch <= 0) break;
    const ids: Array<{ id: string }> = await db.query(
      'SELECT id FROM lead WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2',
      [cursor, batch],
    );
    if (ids.length === 0) break;
    if (Date.now() > deadline) throw overBudget();
    cursor = ids[ids.length - 1]!.id;
    seen += ids.length;
    const states: LeadState[] = await loadLeadStates(
      db,
      ids.map((row) => row.id),
      at,
    );
    // Before and after run side by side in the rule workers, each within the task budget.
    const taskMs = Math.max(1, Math.min(config.ruleWork.bulkTaskBudgetMs, deadline - Date.now()));
    const evaluateWith = (versions: typeof active): Promise<EvaluateResult> =>
      evaluateInWorker(
        { ...versions, facts: states.map((state) => state.facts), at: at.toISOString(), crossCheckEvery: 0 },
        taskMs,
        taskMs < config.ruleWork.bulkTaskBudgetMs ? 'RULE_SIMULATION_BUDGET_MS' : 'RULE_BULK_TASK_BUDGET_MS',
      );
    const [beforeBatch, afterBatch] = await Promise.all([evaluateWith(active), evaluateWith(after)]);
    addFires(firedBefore, beforeBatch, beforeIds);
    addFires(firedAfter, afterBatch, afterIds);
    const afterAll = afterBatch.leads;
    for (const [index, state] of states.entries()) {
      const next = afterAll[index]!;
      const stageBefore = state.stageKey;
      const stageAfter = automaticTarget(state, next, stages)?.key ?? state.stageKey;
      if (stageBefore !== stageAfter)
        moves.set(`${stageBefore}\u0000${stageAfter}`, (moves.get(`${stageBefore}\u0000${stageAfter}`) ?? 0) + 1);
      scoresBefore.push(state.score);
      scoresAfter.push(next.score);
      if (state.score !== next.score || stageBefore !== stageAfter) {
        changed.push({
          leadId: state.id,
          scoreBefore: state.score,
          scoreAfter: next.score,
          stageBefore,
          stageAfter,
          explanationAfter: next.explanationJson,
        });
        // Keep only the most changed, so memory stays flat over a million leads.
        if (changed.length > 200) {
          changed.sort((a, b) => Math.abs(b.scoreAfter - b.scoreBefore) - Math.abs(a.scoreAfter - a.scoreBefore));
          changed.length = 20;
        }
      }
    }
  }
  changed.sort((a, b) => Math.abs(b.scoreAfter - b.scoreBefore) - Math.abs(a.scoreAfter - a.scoreBefore));
  const mostChanged = changed.slice(0, 10);
  const stored: Array<{ id: string; explanation: ScoreExplanation | null }> = await db.query(
    'SELECT id, score_explanation AS explanation FROM lead WHERE id = ANY($1::uuid[])',
    [mostChanged.map((lead) => lead.leadId)],
  );
  const rules = new Set([
    ...firedBefore.keys(),
    ...firedAfter.keys(),
    ...candidate.rules.map((rule) => (rule as { name?: string }).name ?? ''),
  ]);
  const rate = (count: number): number => (seen === 0 ? 0 : count / seen);
  const stageChanges = [...moves.entries()].map(([key, leads]) => {
    const [from, to] = key.split('\u0000') as [string, string];
    return { from, to, leads };
  });
  return {
    versionId,
    leads: seen,
    stageChanges: stageChanges.sort((a, b) => b.leads - a.leads),
    leadsChangingStage: stageChanges.reduce((sum, change) => sum + change.leads, 0),
    scoresBefore: distribution(scoresBefore),
    scoresAfter: distribution(scoresAfter),
    ruleFireRates: [...rules]
      .filter((rule) => rule !== '')
      .sort()
      .map((rule) => ({
        rule,
        firedBefore: firedBefore.get(rule) ?? 0,
        firedAfter: firedAfter.get(rule) ?? 0,
        rateBefore: rate(firedBefore.get(rule) ?? 0),
        rateAfter: rate(firedAfter.get(rule) ?? 0),
      })),
    mostChanged: mostChanged.map((change) => ({
      ...change,
      explanationBefore: stored.find((row) => row.id === change.leadId)?.explanation ?? null,
      explanationAfter: JSON.parse(change.explanationAfter) as ScoreExplanation,
    })),
    ms: Date.now() - started,
  };
}

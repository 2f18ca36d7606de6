import { performance } from 'node:perf_hooks';
import type { Context } from '../context';
import { managerOf } from '../context';
import { StageKind, TransitionCause } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import type { RunMode } from '../rules/engine';
import { evaluate } from '../rules/evaluate';
import { ruleEvaluationDuration } from '../observability/metrics';
import { logger } from '../logger';
import { loadLeadStates, type LeadState } from '../rules/facts';
import { ruleCache, type ActiveRules } from '../rules/rule-cache';
import { specOfCompiled, toLeadEvaluation, type LeadEvaluation } from '../rules/rule-work';
import { listStages } from './funnel.service';
import { recordStageChanges } from './lead-changes.service';
import { markLeadsChanged } from '../rollups/lead-facts';
import { emitRuleOutcomes, type RuleOutcome } from '../events/lead-events';
import { evaluateInWorker, explanationBounds } from './rule-work.service';

export interface ScoringSummary {
  evaluated: number;
  /** Leads whose fit, engagement, total score or stage changed. */
  changed: number;
  moved: number;
  engineMs: number;
  databaseMs: number;
}

/**
 * Where a qualify rule may move a lead: forward only, never out of a closed (won or lost) stage,
 * so no rule undoes a later stage that sales set by hand. A lead that sales sent back (rejected
 * or moved to an earlier stage) is recycled: the rules re-qualify it only after new lead-side
 * activity; sales' own calls, emails and meetings do not count.
 */
export function automaticTarget(
  state: LeadState,
  evaluation: { qualify: { stage: string } | null },
  stages: FunnelStage[],
): FunnelStage | undefined {
  const key = evaluation.qualify?.stage;
  if (key === undefined) return undefined;
  const target = stages.find((stage) => stage.key === key);
  if (!target || state.stageKind !== StageKind.OPEN || target.position <= state.stagePosition) return undefined;
  if (state.movedBack && !state.activeSinceStageEntered) return undefined;
  return target;
}

interface Outcome {
  state: LeadState;
  evaluation: LeadEvaluation;
  target: FunnelStage | undefined;
}

/** In bulk runs, one lead in this many is also run through json-rules-engine as a check. */
const CROSS_CHECK_EVERY = 50;

/**
 * Bulk: the compiled closures in a worker thread within RULE_BULK_TASK_BUDGET_MS, and for a sample
 * json-rules-engine too (the engine wins a disagreement). One lead: json-rules-engine inline,
 * bounded by the rule-set cost limits.
 */
async function evaluateStates(
  rules: ActiveRules,
  states: LeadState[],
  at: Date,
  mode: RunMode,
): Promise<LeadEvaluation[]> {
  if (mode === 'engine') {
    const bounds = explanationBounds();
    const evaluations: LeadEvaluation[] = [];
    for (const state of states) {
      evaluations.push(
        toLeadEvaluation(await evaluate(rules.scoring, rules.qualification, state.facts, at, 'engine', bounds)),
      );
    }
    return evaluations;
  }
  const { leads: evaluations } = await evaluateInWorker({
    scoring: rules.scoring.map(specOfCompiled),
    qualification: rules.qualification.map(specOfCompiled),
    facts: states.map((state) => state.facts),
    at: at.toISOString(),
    crossCheckEvery: CROSS_CHECK_EVERY,
  });
  for (const [index, evaluation] of evaluations.entries()) {
    if (evaluation.disagreement) {
      logger.error(
        { facts: states[index]?.facts, ...evaluation.disagreement },
        'compiled rules disagree with json-rules-engine',
      );
    }
  }
  return evaluations;
}

/** What scoring reads from the database before it evaluates: the rules in force and the leads' facts. */
export interface ScoringInput {
  at: Date;
  rules: ActiveRules;
  states: LeadState[];
  stages: FunnelStage[];
  databaseMs: number;
}

/**
 * Reads, in the caller's transaction (which has locked the leads), what evaluating these leads
 * at `at` needs; undefined when no rule set is in force. Facts of all the leads load in one
 * statement.
 */
export async function loadScoringInput(tx: Context, leadIds: string[], at: Date): Promise<ScoringInput | undefined> {
  const db = managerOf(tx);
  const started = performance.now();
  const rules: ActiveRules = await ruleCache.active(db);
  if (rules.scoring.length === 0 && rules.qualification.length === 0) return undefined;
  const [states, stages] = await Promise.all([loadLeadStates(db, leadIds, at), listStages(tx)]);
  return { at, rules, states, stages, databaseMs: performance.now() - started };
}

/**
 * Evaluates loaded leads and writes scores, explanation and any automatic stage move in the
 * transaction that loaded them. Scores are written in one statement.
 */
export async function scoreLoaded(
  tx: Context,
  { at, rules, states, stages, databaseMs }: ScoringInput,
  mode: RunMode = 'engine',
): Promise<ScoringSummary> {
  const summary: ScoringSummary = { evaluated: 0, changed: 0, moved: 0, engineMs: 0, databaseMs };
  let started = performance.now();
  const evaluations = await evaluateStates(rules, states, at, mode);
  const outcomes: Outcome[] = states.map((state, index) => {
    const evaluation = evaluations[index]!;
    return { state, evaluation, target: automaticTarget(state, evaluation, stages) };
  });
  const engineMs = performance.now() - started;
  summary.engineMs += engineMs;
  ruleEvaluationDuration.observe({ mode }, engineMs / 1000);

  started = performance.now();
  await writeOutcomes(tx, outcomes, at);
  await emitRuleOutcomes(tx, outcomes.map(ruleOutcomeOf));
  summary.databaseMs += performance.now() - started;
  summary.evaluated = outcomes.length;
  summary.moved = outcomes.filter((outcome) => outcome.target).length;
  summary.changed = outcomes.filter(
    ({ state, evaluation, target }) => target || scoresDiffer(state, evaluation),
  ).length;
  return summary;
}

/**
 * Evaluates the rule sets in force for these leads and writes scores, explanation and any
 * automatic stage move, inside the caller's transaction (which has locked the leads).
 */
export async function scoreLeads(
  tx: Context,
  leadIds: string[],
  at = new Date(),
  mode: RunMode = 'engine',
): Promise<ScoringSummary> {
  const input = await loadScoringInput(tx, leadIds, at);
  if (!input) return { evaluated: 0, changed: 0, moved: 0, engineMs: 0, databaseMs: 0 };
  return scoreLoaded(tx, input, mode);
}

/** What the outbox says about one evaluated lead (see emitRuleOutcomes). */
function ruleOutcomeOf({ state, evaluation, target }: Outcome): RuleOutcome {
  const qualify = evaluation.qualify;
  return {
    leadId: state.id,
    scoresBefore: { fitScore: state.fitScore, engagementScore: state.engagementScore, score: state.score },
    scoresAfter: {
      fitScore: evaluation.fitScore,
      engagementScore: evaluation.engagementScore,
      score: evaluation.score,
    },
    move:
      target && qualify
        ? {
            from: state.stageKey,
            to: target.key,
            ruleSetVersionId: qualify.ruleSetVersionId,
            rule: qualify.rule,
            reason: qualify.reason,
          }
        : undefined,
  };
}

function scoresDiffer(state: LeadState, evaluation: LeadEvaluation): boolean {
  return (
    state.fitScore !== evaluation.fitScore ||
    state.engagementScore !== evaluation.engagementScore ||
    state.score !== evaluation.score
  );
}

/**
 * Writes what changed. A lead whose scores, stage and explanation (by digest) are what is stored
 * already is left alone, so a daily re-score writes only the leads whose facts moved; its
 * `scoredAt` stays at the evaluation that last changed something. The rows go to PostgreSQL as
 * one JSON document rather than arrays of escaped strings. `version` is left alone: scores and
 * the rules' own stage moves are not client-editable (see Lead.version), so a form opened before
 * a re-score still saves.
 */
async function writeOutcomes(tx: Context, outcomes: Outcome[], at: Date): Promise<void> {
  const db = managerOf(tx);
  // The explanations arrive as JSON text (from the workers): spliced in, not parsed and re-serialised.
  const rows = outcomes
    .filter(
      ({ state, evaluation, target }) =>
        target || scoresDiffer(state, evaluation) || state.explanationDigest !== evaluation.digest,
    )
    .map(({ state, evaluation, target }) => {
      const changed = Boolean(target) || scoresDiffer(state, evaluation);
      return `{"id":${JSON.stringify(state.id)},"fit":${evaluation.fitScore},"engagement":${evaluation.engagementScore},"score":${evaluation.score},"stage_id":${JSON.stringify(target?.id ?? null)},"changed":${changed},"explanation":${evaluation.explanationJson}}`;
    });
  if (rows.length === 0) return;
  await db.query(
    `UPDATE lead l SET fit_score = u.fit, engagement_score = u.engagement, score = u.score,
       scored_at = $2, score_explanation = u.explanation,
       stage_id = coalesce(u.stage_id, l.stage_id),
       stage_entered_at = CASE WHEN u.stage_id IS NULL THEN l.stage_entered_at ELSE $2 END,
       updated_at = CASE WHEN u.changed THEN now() ELSE l.updated_at END
     FROM jsonb_to_recordset($1::jsonb)
       AS u(id uuid, fit int, engagement int, score int, explanation jsonb, stage_id uuid, changed bool)
     WHERE l.id = u.id`,
    [`[${rows.join(',')}]`, at],
  );
  const moves = outcomes.filter((outcome): outcome is Outcome & { target: FunnelStage } => Boolean(outcome.target));
  if (moves.length === 0) return;
  // Leads moved by the rules get their metric rollups rebuilt before the transaction commits.
  await markLeadsChanged(
    tx,
    moves.map(({ state }) => state.id),
  );
  await recordStageChanges(
    tx,
    moves.map(({ state, target }) => ({ leadId: state.id, fromStageId: state.stageId, toStageId: target.id })),
    at,
    TransitionCause.RULE,
    null,
  );
  await db.query(
    `INSERT INTO stage_transition (lead_id, from_stage_id, to_stage_id, at, cause, rule_set_version_id, reason, owner_id)
     SELECT u.lead_id, u.from_id, u.to_id, $4, 'RULE', u.version_id, u.reason, l.owner_id
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $5::uuid[], $6::text[]) AS u(lead_id, from_id, to_id, version_id, reason)
     JOIN lead l ON l.id = u.lead_id`,
    [
      moves.map(({ state }) => state.id),
      moves.map(({ state }) => state.stageId),
      moves.map(({ target }) => target.id),
      at,
      moves.map(({ evaluation }) => evaluation.qualify!.ruleSetVersionId),
      moves.map(({ evaluation }) => {
        const rule = evaluation.qualify!;
        return rule.reason ? `rule "${rule.rule}": ${rule.reason}` : `rule "${rule.rule}"`;
      }),
    ],
  );
}

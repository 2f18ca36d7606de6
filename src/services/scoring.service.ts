import { performance } from 'node:perf_hooks';
import type { Context } from '../context';
import { managerOf } from '../context';
import { StageKind, TransitionCause } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import type { RunMode } from '../rules/engine';
import { evaluate, type Evaluation } from '../rules/evaluate';
import { ruleEvaluationDuration } from '../observability/metrics';
import { logger } from '../logger';
import { loadLeadStates, type LeadState } from '../rules/facts';
import { ruleCache, type ActiveRules } from '../rules/rule-cache';
import { listStages } from './funnel.service';
import { recordStageChanges } from './lead-changes.service';
import { markLeadsChanged } from './metrics/lead-facts.service';

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
  evaluation: Evaluation,
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
  evaluation: Evaluation;
  target: FunnelStage | undefined;
}

/** In bulk runs, one lead in this many is also run through json-rules-engine as a check. */
const CROSS_CHECK_EVERY = 50;

/** Evaluates with the compiled closures and, for a sample, with the engine too; the engine wins a disagreement. */
async function evaluateBulk(
  rules: ActiveRules,
  facts: LeadState['facts'],
  at: Date,
  check: boolean,
): Promise<Evaluation> {
  const fast = await evaluate(rules.scoring, rules.qualification, facts, at, 'fast');
  if (!check) return fast;
  const engine = await evaluate(rules.scoring, rules.qualification, facts, at, 'engine');
  if (JSON.stringify(fast.explanation) !== JSON.stringify(engine.explanation)) {
    logger.error(
      { facts, fast: fast.explanation, engine: engine.explanation },
      'compiled rules disagree with json-rules-engine',
    );
    return engine;
  }
  return fast;
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
  const outcomes: Outcome[] = [];
  for (const [index, state] of states.entries()) {
    const evaluation =
      mode === 'fast'
        ? await evaluateBulk(rules, state.facts, at, index % CROSS_CHECK_EVERY === 0)
        : await evaluate(rules.scoring, rules.qualification, state.facts, at);
    outcomes.push({ state, evaluation, target: automaticTarget(state, evaluation, stages) });
  }
  const engineMs = performance.now() - started;
  summary.engineMs += engineMs;
  ruleEvaluationDuration.observe({ mode }, engineMs / 1000);

  started = performance.now();
  await writeOutcomes(tx, outcomes, at);
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

function scoresDiffer(state: LeadState, evaluation: Evaluation): boolean {
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
  const rows = outcomes
    .filter(
      ({ state, evaluation, target }) =>
        target || scoresDiffer(state, evaluation) || state.explanationDigest !== evaluation.explanation.digest,
    )
    .map(({ state, evaluation, target }) => ({
      id: state.id,
      fit: evaluation.fitScore,
      engagement: evaluation.engagementScore,
      score: evaluation.score,
      explanation: evaluation.explanation,
      stage_id: target?.id ?? null,
      changed: Boolean(target) || scoresDiffer(state, evaluation),
    }));
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
    [JSON.stringify(rows), at],
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

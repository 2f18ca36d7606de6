import { createHash } from 'node:crypto';
import { RuleSetKind } from '../entities/enums';
import type { ScoreCaps } from '../entities/rule-set-version.entity';
import { runVersion, type CompiledVersion, type RuleRun, type RunMode } from './engine';
import type { Facts } from './facts';

/** A condition as the engine evaluated it: what the rule asked and what the lead had. */
export interface ConditionSeen {
  fact: string;
  operator: string;
  value: unknown;
  actual: unknown;
  passed: boolean;
}

export interface FiredScoreRule {
  ruleSetVersionId: string;
  rule: string;
  dimension: 'fit' | 'engagement';
  points: number;
  reason: string | null;
  conditions: ConditionSeen[];
  /** Conditions left out of `conditions` to keep the explanation within its size bound. */
  conditionsOmitted?: number;
}

export interface FiredQualifyRule {
  ruleSetVersionId: string;
  rule: string;
  stage: string;
  rank: number;
  reason: string | null;
  conditions: ConditionSeen[];
  conditionsOmitted?: number;
}

export interface NearMiss {
  ruleSetVersionId: string;
  rule: string;
  /** What the rule would have given: points (scoring) or a stage (qualification). */
  wouldGive: string;
  failed: ConditionSeen[];
}

export interface VersionRef {
  ruleSetId: string;
  ruleSetName: string;
  ruleSetVersionId: string;
  number: number;
}

/**
 * Why a lead has its scores and stage, stored on the lead at every evaluation. The sums of
 * `fired[].points` per dimension are `rawFit` and `rawEngagement`; the caps turn them into the
 * scores. Everything needed to reconcile a score is here.
 */
export interface ScoreExplanation {
  evaluatedAt: string;
  /** SHA-1 of everything below except the time: equal digests mean an identical explanation. */
  digest: string;
  versions: VersionRef[];
  rawFit: number;
  rawEngagement: number;
  caps: ScoreCaps;
  fitScore: number;
  engagementScore: number;
  score: number;
  fired: FiredScoreRule[];
  qualification: FiredQualifyRule[];
  /** The winning qualify rule (highest rank), whether or not the lead could move. */
  qualifiesFor: string | null;
  nearMisses: NearMiss[];
  /** Fired rules counted in the scores but not listed, to keep the explanation within its bound. */
  firedOmitted?: number;
  qualificationOmitted?: number;
}

/** How large one explanation may grow (settings EXPLANATION_MAX_*). */
export interface ExplanationBounds {
  maxFiredRules: number;
  maxListValues: number;
  maxBytes: number;
}

/** What stands in a cut list for the values left out. */
export interface TruncationMarker {
  truncated: true;
  omitted: number;
}

export interface Evaluation {
  fitScore: number;
  engagementScore: number;
  score: number;
  /** Highest-ranked fired qualify rule, if any. */
  qualify: FiredQualifyRule | null;
  /** The explanation, within its bounds (what is stored on the lead). */
  explanation: ScoreExplanation;
  explanationJson: string;
  /** Every fired rule, `versionId` and rule name, even those the explanation leaves out. */
  firedRules: Array<{ ruleSetVersionId: string; rule: string }>;
}

function cutList(value: unknown, max: number): unknown {
  if (!Array.isArray(value) || value.length <= max) return value;
  const marker: TruncationMarker = { truncated: true, omitted: value.length - max };
  return [...(value as unknown[]).slice(0, max), marker];
}

function cutConditions(conditions: ConditionSeen[], bounds: ExplanationBounds): ConditionSeen[] {
  return conditions.map((condition) => ({
    ...condition,
    value: cutList(condition.value, bounds.maxListValues),
    actual: cutList(condition.actual, bounds.maxListValues),
  }));
}

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** `"evaluatedAt":"…","digest":"…",` added to the bounded content when it is stored. */
const STAMP_BYTES = 90;

/**
 * Keeps an explanation within `bounds`: at most `maxFiredRules` rules of each list (the winning
 * qualify rule always stays), long value lists cut to their first values and a marker
 * `{ truncated: true, omitted: k }`; then, while the JSON is larger than `maxBytes`, the facts
 * of the last listed rules are dropped (counted in `conditionsOmitted`), then the last rules
 * themselves (counted in `firedOmitted` / `qualificationOmitted`). The scores and sums are
 * untouched: they are computed from every fired rule before this runs.
 */
export function boundExplanation<T extends Omit<ScoreExplanation, 'evaluatedAt' | 'digest'>>(
  content: T,
  winner: FiredQualifyRule | null,
  bounds: ExplanationBounds,
): { content: T; json: string } {
  const fired = content.fired
    .slice(0, bounds.maxFiredRules)
    .map((rule) => ({ ...rule, conditions: cutConditions(rule.conditions, bounds) }));
  const isWinner = (rule: FiredQualifyRule): boolean =>
    winner !== null && rule.rule === winner.rule && rule.ruleSetVersionId === winner.ruleSetVersionId;
  let kept = content.qualification.slice(0, bounds.maxFiredRules);
  if (winner && !kept.some(isWinner)) kept = [...kept.slice(0, Math.max(0, bounds.maxFiredRules - 1)), winner];
  const qualification = kept.map((rule) => ({ ...rule, conditions: cutConditions(rule.conditions, bounds) }));
  const nearMisses = content.nearMisses.map((miss) => ({ ...miss, failed: cutConditions(miss.failed, bounds) }));
  const bounded: T = { ...content, fired, qualification, nearMisses };
  let size = byteLength(bounded) + STAMP_BYTES;
  if (size > bounds.maxBytes) {
    bounded.nearMisses = [];
    size = byteLength(bounded) + STAMP_BYTES;
  }
  // Sizes are adjusted by the part removed (plus its comma), so the whole is serialised only once more.
  const lists: Array<Array<FiredScoreRule | FiredQualifyRule>> = [qualification, fired];
  for (const list of lists) {
    for (let index = list.length - 1; index >= 0 && size > bounds.maxBytes; index -= 1) {
      const rule = list[index]!;
      if (rule.conditions.length === 0) continue;
      const lighter = { ...rule, conditions: [], conditionsOmitted: rule.conditions.length };
      size -= byteLength(rule) - byteLength(lighter);
      list[index] = lighter;
    }
  }
  while (size > bounds.maxBytes && fired.length > 0) size -= byteLength(fired.pop()) + 1;
  for (let index = qualification.length - 1; index >= 0 && size > bounds.maxBytes; index -= 1) {
    if (isWinner(qualification[index]!)) continue;
    size -= byteLength(qualification.splice(index, 1)[0]) + 1;
  }
  const firedOmitted = content.fired.length - fired.length;
  const qualificationOmitted = content.qualification.length - qualification.length;
  if (firedOmitted > 0) bounded.firedOmitted = firedOmitted;
  if (qualificationOmitted > 0) bounded.qualificationOmitted = qualificationOmitted;
  let json = JSON.stringify(bounded);
  // The sizes above are estimates; the stored explanation also carries its time and digest.
  while (Buffer.byteLength(json) + STAMP_BYTES > bounds.maxBytes && (fired.length > 0 || qualification.length > 1)) {
    if (fired.length > 0) fired.pop();
    else qualification.splice(isWinner(qualification[0]!) ? 1 : 0, 1);
    bounded.firedOmitted = content.fired.length - fired.length || undefined;
    bounded.qualificationOmitted = content.qualification.length - qualification.length || undefined;
    json = JSON.stringify(bounded);
  }
  return { content: bounded, json };
}

function conditionsOf(node: unknown, out: ConditionSeen[] = []): ConditionSeen[] {
  if (Array.isArray(node)) node.forEach((child) => conditionsOf(child, out));
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.fact === 'string') {
      out.push({
        fact: record.fact,
        operator: String(record.operator),
        value: record.value,
        actual: record.factResult ?? null,
        passed: record.result === true,
      });
    }
    for (const key of ['all', 'any', 'not']) if (key in record) conditionsOf(record[key], out);
  }
  return out;
}

/** A rule whose `all` failed on exactly one of its top-level parts: one step from firing. */
function nearMiss(result: RuleRun, version: CompiledVersion): NearMiss | undefined {
  const top = result.conditions as { all?: Array<Record<string, unknown>> };
  if (!Array.isArray(top.all) || top.all.length < 2) return undefined;
  const failing = top.all.filter((part) => part.result === false);
  if (failing.length !== 1) return undefined;
  const params = result.event?.params ?? {};
  const wouldGive =
    version.kind === RuleSetKind.SCORING
      ? `${String(params.points)} ${String(params.dimension)}`
      : `stage ${String(params.stage)}`;
  return {
    ruleSetVersionId: version.versionId,
    rule: result.name,
    wouldGive,
    failed: conditionsOf(failing[0]).filter((condition) => !condition.passed),
  };
}

/** Runs each version, turning its fired rules into `T`s and collecting its near misses. */
async function runAll<T>(
  versions: CompiledVersion[],
  facts: Facts,
  mode: RunMode,
  nearMisses: NearMiss[],
  toFired: (version: CompiledVersion, result: RuleRun) => T,
): Promise<T[]> {
  const fired: T[] = [];
  for (const version of versions) {
    const run = await runVersion(version, facts, mode);
    for (const result of run.fired) fired.push(toFired(version, result));
    for (const result of run.failed) {
      const miss = nearMiss(result, version);
      if (miss) nearMisses.push(miss);
    }
  }
  return fired;
}

function capped(value: number, cap: number | null | undefined): number {
  return cap === null || cap === undefined ? value : Math.min(value, cap);
}

function mergedCaps(versions: CompiledVersion[]): ScoreCaps {
  const caps: ScoreCaps = {};
  for (const version of versions) {
    for (const key of ['fit', 'engagement', 'total'] as const) {
      const cap = version.caps?.[key];
      if (cap !== null && cap !== undefined) caps[key] = Math.min(caps[key] ?? cap, cap);
    }
  }
  return caps;
}

/**
 * Runs the scoring versions, then the qualification versions on the new scores. Points add up
 * per dimension across every fired score rule; the highest rank among fired qualify rules wins
 * (ties: the rule listed first).
 */
export async function evaluate(
  scoring: CompiledVersion[],
  qualification: CompiledVersion[],
  facts: Facts,
  at: Date,
  mode: RunMode,
  bounds: ExplanationBounds,
): Promise<Evaluation> {
  const nearMisses: NearMiss[] = [];
  // Rules past the listed number keep no conditions: they are cut from the explanation anyway.
  let listed = 0;
  const seen = (result: RuleRun): ConditionSeen[] =>
    listed++ < bounds.maxFiredRules ? conditionsOf(result.conditions) : [];
  const fired = await runAll(scoring, facts, mode, nearMisses, (version, result): FiredScoreRule => {
    const params = (result.event?.params ?? {}) as { points: number; dimension: 'fit' | 'engagement'; reason?: string };
    return {
      ruleSetVersionId: version.versionId,
      rule: result.name,
      dimension: params.dimension,
      points: params.points,
      reason: params.reason ?? null,
      conditions: seen(result),
    };
  });
  const rawFit = fired.filter((rule) => rule.dimension === 'fit').reduce((sum, rule) => sum + rule.points, 0);
  const rawEngagement = fired
    .filter((rule) => rule.dimension === 'engagement')
    .reduce((sum, rule) => sum + rule.points, 0);
  const caps = mergedCaps(scoring);
  const fitScore = capped(rawFit, caps.fit);
  const engagementScore = capped(rawEngagement, caps.engagement);
  const score = capped(fitScore + engagementScore, caps.total);

  const qualifyFacts: Facts =
    scoring.length > 0 ? { ...facts, fit_score: fitScore, engagement_score: engagementScore, score } : facts;
  const qualifying = await runAll(
    qualification,
    qualifyFacts,
    mode,
    nearMisses,
    (version, result): FiredQualifyRule => {
      const params = (result.event?.params ?? {}) as { stage: string; rank: number; reason?: string };
      return {
        ruleSetVersionId: version.versionId,
        rule: result.name,
        stage: params.stage,
        rank: params.rank,
        reason: params.reason ?? null,
        // The winner may come late in the list: its conditions are always kept.
        conditions: conditionsOf(result.conditions),
      };
    },
  );
  const qualify = qualifying.reduce<FiredQualifyRule | null>(
    (best, rule) => (best === null || rule.rank > best.rank ? rule : best),
    null,
  );

  const { content, json } = boundExplanation(
    {
      versions: [...scoring, ...qualification].map((version) => ({
        ruleSetId: version.ruleSetId,
        ruleSetName: version.ruleSetName,
        ruleSetVersionId: version.versionId,
        number: version.number,
      })),
      rawFit,
      rawEngagement,
      caps,
      fitScore,
      engagementScore,
      score,
      fired,
      qualification: qualifying,
      qualifiesFor: qualify?.stage ?? null,
      nearMisses: nearMisses.slice(0, 10),
    },
    qualify,
    bounds,
  );
  const digest = createHash('sha1').update(json).digest('base64url');
  const evaluatedAt = at.toISOString();
  return {
    fitScore,
    engagementScore,
    score,
    qualify,
    explanation: { evaluatedAt, digest, ...content },
    // The same text JSON.stringify(explanation) gives, without serialising it a second time.
    explanationJson: `{"evaluatedAt":${JSON.stringify(evaluatedAt)},"digest":${JSON.stringify(digest)},${json.slice(1)}`,
    firedRules: [...fired, ...qualifying].map(({ ruleSetVersionId, rule }) => ({ ruleSetVersionId, rule })),
  };
}

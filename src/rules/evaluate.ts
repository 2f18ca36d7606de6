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
}

export interface FiredQualifyRule {
  ruleSetVersionId: string;
  rule: string;
  stage: string;
  rank: number;
  reason: string | null;
  conditions: ConditionSeen[];
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
}

export interface Evaluation {
  fitScore: number;
  engagementScore: number;
  score: number;
  /** Highest-ranked fired qualify rule, if any. */
  qualify: FiredQualifyRule | null;
  explanation: ScoreExplanation;
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
  mode: RunMode = 'engine',
): Promise<Evaluation> {
  const nearMisses: NearMiss[] = [];
  const fired = await runAll(scoring, facts, mode, nearMisses, (version, result): FiredScoreRule => {
    const params = (result.event?.params ?? {}) as { points: number; dimension: 'fit' | 'engagement'; reason?: string };
    return {
      ruleSetVersionId: version.versionId,
      rule: result.name,
      dimension: params.dimension,
      points: params.points,
      reason: params.reason ?? null,
      conditions: conditionsOf(result.conditions),
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
        conditions: conditionsOf(result.conditions),
      };
    },
  );
  const qualify = qualifying.reduce<FiredQualifyRule | null>(
    (best, rule) => (best === null || rule.rank > best.rank ? rule : best),
    null,
  );

  const content = {
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
  };
  const digest = createHash('sha1').update(JSON.stringify(content)).digest('base64url');
  return {
    fitScore,
    engagementScore,
    score,
    qualify,
    explanation: { evaluatedAt: at.toISOString(), digest, ...content },
  };
}

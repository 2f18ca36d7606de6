import { RuleSetKind } from '../entities/enums';
import type { RuleTestCase } from '../entities/rule-set-version.entity';
import { compileVersion, type CompiledVersion, type VersionSpec } from './engine';
import { evaluate, type Evaluation, type ExplanationBounds } from './evaluate';
import { testCaseFacts, type Facts } from './facts';
import { validateRuleSet, type RuleCostLimits, type RuleProblem } from './validate-rules';

/**
 * The rule work that runs in worker threads (see rule-pool.ts): checking a rule set with its test
 * cases, and evaluating many leads. Everything here takes and returns plain data, so it crosses
 * a thread boundary by structured clone; none of it touches the database.
 */

export type { VersionSpec };

export interface TestCaseResult {
  name: string;
  passed: boolean;
  score: number | null;
  stage: string | null;
  message: string;
}

export interface CheckTask {
  type: 'check';
  kind: RuleSetKind;
  content: { rules: unknown; caps?: unknown; testCases?: unknown };
  stageKeys: string[];
  limits: RuleCostLimits;
  bounds: ExplanationBounds;
  /** Run the test cases when the content is valid. */
  runTests: boolean;
  /** Run the test cases of a stored version without validating it again. */
  skipValidation?: boolean;
}

export interface CheckResult {
  problems: RuleProblem[];
  /** Null when there are problems or the tests were not asked for. */
  testResults: TestCaseResult[] | null;
}

export interface EvaluateTask {
  type: 'evaluate';
  scoring: VersionSpec[];
  qualification: VersionSpec[];
  facts: Facts[];
  at: string;
  /** Every n-th lead is also run through json-rules-engine as a check of the compiled rules (0: none). */
  crossCheckEvery: number;
  bounds: ExplanationBounds;
}

/** One lead's evaluation, with the explanation already serialised (it goes to the database as JSON). */
export interface LeadEvaluation {
  fitScore: number;
  engagementScore: number;
  score: number;
  qualify: { stage: string; rank: number; rule: string; reason: string | null; ruleSetVersionId: string } | null;
  digest: string;
  explanationJson: string;
  /** When the compiled rules and json-rules-engine disagreed (the engine's answer is the one above). */
  disagreement?: { fast: string; engine: string };
}

/** A batch's evaluations, and how often each rule fired in it (counted here: lists per lead cost a lot to send). */
export interface EvaluateResult {
  leads: LeadEvaluation[];
  fireCounts: Array<{ ruleSetVersionId: string; rule: string; count: number }>;
}

/**
 * An EvaluateResult as it crosses to the main thread: the explanations as one UTF-8 buffer that is
 * moved, not copied (cloning thousands of large strings cost the receiving event loop most of a
 * second per chunk), with each lead's byte offsets.
 */
export interface EvaluateWire {
  leads: Array<Omit<LeadEvaluation, 'explanationJson'>>;
  fireCounts: EvaluateResult['fireCounts'];
  explanations: Uint8Array;
  /** Lead i's explanation is bytes offsets[i] to offsets[i + 1]. */
  offsets: number[];
}

export function toWire({ leads, fireCounts }: EvaluateResult): EvaluateWire {
  const offsets = [0];
  for (const lead of leads) offsets.push(offsets[offsets.length - 1]! + Buffer.byteLength(lead.explanationJson));
  const explanations = new Uint8Array(offsets[offsets.length - 1]!);
  const view = Buffer.from(explanations.buffer, explanations.byteOffset, explanations.byteLength);
  leads.forEach((lead, index) => view.write(lead.explanationJson, offsets[index]!, 'utf8'));
  return {
    leads: leads.map(({ explanationJson: _json, ...lead }) => lead),
    fireCounts,
    explanations,
    offsets,
  };
}

export function fromWire({ leads, fireCounts, explanations, offsets }: EvaluateWire): EvaluateResult {
  const view = Buffer.from(explanations.buffer, explanations.byteOffset, explanations.byteLength);
  return {
    leads: leads.map((lead, index) => ({
      ...lead,
      explanationJson: view.toString('utf8', offsets[index], offsets[index + 1]),
    })),
    fireCounts,
  };
}

export type RuleTask = CheckTask | EvaluateTask | { type: 'ping' };

const compileSpec = compileVersion;

/** Validation against the catalog, the funnel and the cost limits, then json-rules-engine's own check. */
export function checkContent(
  kind: RuleSetKind,
  content: CheckTask['content'],
  stageKeys: ReadonlySet<string>,
  limits: RuleCostLimits,
): RuleProblem[] {
  const problems = validateRuleSet(kind, content, stageKeys, limits);
  if (problems.length > 0) return problems;
  try {
    compileSpec(specFor(kind, content));
  } catch (error) {
    return [
      { path: 'rules', code: 'ENGINE_REJECTED', message: `json-rules-engine refused the rules: ${String(error)}` },
    ];
  }
  return [];
}

function specFor(kind: RuleSetKind, content: CheckTask['content']): VersionSpec {
  return {
    id: 'check',
    ruleSetId: 'check',
    ruleSetName: 'check',
    kind,
    number: 0,
    caps: content.caps ?? null,
    rules: content.rules as unknown[],
  };
}

/** Runs each test case through the version alone and compares with its expectation. */
export async function runTestCases(
  version: CompiledVersion,
  testCases: RuleTestCase[],
  bounds: ExplanationBounds,
): Promise<TestCaseResult[]> {
  const scoring = version.kind === RuleSetKind.SCORING;
  const results: TestCaseResult[] = [];
  for (const testCase of testCases) {
    const evaluation = await evaluate(
      scoring ? [version] : [],
      scoring ? [] : [version],
      testCaseFacts(testCase.facts),
      new Date(),
      'engine',
      bounds,
    );
    if (scoring) {
      const min = testCase.expectScoreMin ?? Number.NEGATIVE_INFINITY;
      const max = testCase.expectScoreMax ?? Number.POSITIVE_INFINITY;
      const passed = evaluation.score >= min && evaluation.score <= max;
      results.push({
        name: testCase.name,
        passed,
        score: evaluation.score,
        stage: null,
        message: passed
          ? `score ${evaluation.score} is within [${testCase.expectScoreMin ?? '-∞'}, ${testCase.expectScoreMax ?? '∞'}]`
          : `score ${evaluation.score} is outside [${testCase.expectScoreMin ?? '-∞'}, ${testCase.expectScoreMax ?? '∞'}]`,
      });
    } else {
      const stage = evaluation.qualify?.stage ?? null;
      const passed = stage === (testCase.expectStage ?? null);
      results.push({
        name: testCase.name,
        passed,
        score: null,
        stage,
        message: `qualifies for ${stage ?? 'no stage'}; expected ${testCase.expectStage ?? 'no stage'}`,
      });
    }
  }
  return results;
}

export async function runCheck(task: CheckTask): Promise<CheckResult> {
  const problems = task.skipValidation
    ? []
    : checkContent(task.kind, task.content, new Set(task.stageKeys), task.limits);
  if (problems.length > 0 || !task.runTests) return { problems, testResults: null };
  const compiled = compileSpec(specFor(task.kind, task.content));
  const testCases = (task.content.testCases ?? []) as RuleTestCase[];
  return { problems, testResults: await runTestCases(compiled, testCases, task.bounds) };
}

/** Compiled versions of this thread by id, the most recently used last; a few are kept. */
const compiled = new Map<string, CompiledVersion>();
const KEEP_COMPILED = 16;

function compiledOf(spec: VersionSpec): CompiledVersion {
  let version = compiled.get(spec.id);
  if (version) compiled.delete(spec.id);
  else version = compileSpec(spec);
  compiled.set(spec.id, version);
  if (compiled.size > KEEP_COMPILED) compiled.delete(compiled.keys().next().value!);
  return version;
}

/** A compiled version back as plain data (to send it to a worker). */
export function specOfCompiled(version: CompiledVersion): VersionSpec {
  return {
    id: version.versionId,
    ruleSetId: version.ruleSetId,
    ruleSetName: version.ruleSetName,
    kind: version.kind,
    number: version.number,
    caps: version.caps,
    rules: version.rules,
  };
}

export function toLeadEvaluation(evaluation: Evaluation): LeadEvaluation {
  const qualify = evaluation.qualify;
  return {
    fitScore: evaluation.fitScore,
    engagementScore: evaluation.engagementScore,
    score: evaluation.score,
    qualify: qualify && {
      stage: qualify.stage,
      rank: qualify.rank,
      rule: qualify.rule,
      reason: qualify.reason,
      ruleSetVersionId: qualify.ruleSetVersionId,
    },
    digest: evaluation.explanation.digest,
    explanationJson: evaluation.explanationJson,
  };
}

/** Evaluates many leads with the compiled closures, and a sample with json-rules-engine too. */
export async function runEvaluate(task: EvaluateTask): Promise<EvaluateResult> {
  const scoring = task.scoring.map(compiledOf);
  const qualification = task.qualification.map(compiledOf);
  const at = new Date(task.at);
  const results: LeadEvaluation[] = [];
  const counts = new Map<string, { ruleSetVersionId: string; rule: string; count: number }>();
  for (const [index, facts] of task.facts.entries()) {
    const evaluation = await evaluate(scoring, qualification, facts, at, 'fast', task.bounds);
    for (const { ruleSetVersionId, rule } of evaluation.firedRules) {
      const key = `${ruleSetVersionId}\u0000${rule}`;
      const entry = counts.get(key) ?? { ruleSetVersionId, rule, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    const fast = toLeadEvaluation(evaluation);
    if (task.crossCheckEvery > 0 && index % task.crossCheckEvery === 0) {
      const engine = toLeadEvaluation(await evaluate(scoring, qualification, facts, at, 'engine', task.bounds));
      if (engine.explanationJson !== fast.explanationJson) {
        results.push({ ...engine, disagreement: { fast: fast.explanationJson, engine: engine.explanationJson } });
        continue;
      }
    }
    results.push(fast);
  }
  return { leads: results, fireCounts: [...counts.values()] };
}

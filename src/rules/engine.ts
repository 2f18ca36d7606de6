import { Engine, type RuleProperties, type RuleResult } from 'json-rules-engine';
import type { RuleSetKind } from '../entities/enums';
import type { ScoreCaps } from '../entities/rule-set-version.entity';
import type { Facts } from './facts';
import { compileRules, type CompiledRules } from './fast-evaluator';

/** A published (or simulated) version, ready to run. Engines are pooled: see `acquire`. */
export interface CompiledVersion {
  versionId: string;
  ruleSetId: string;
  ruleSetName: string;
  kind: RuleSetKind;
  number: number;
  caps: ScoreCaps | null;
  rules: RuleProperties[];
  /** Attribute facts the rules name; leads without them see null rather than undefined. */
  attributeFacts: string[];
  pool: Engine[];
  /** The same rules as closures, for bulk work; proven equal to the engine by test. */
  fast: CompiledRules;
  /** Rule name to its position, so results list in rule order whichever way they were run. */
  order: Map<string, number>;
}

/** `engine`: json-rules-engine itself (live evaluation). `fast`: the compiled closures (bulk). */
export type RunMode = 'engine' | 'fast';

/** What a run reports per rule, in the shape of json-rules-engine's RuleResult. */
export interface RuleRun {
  name: string;
  conditions: unknown;
  event?: { type: string; params?: Record<string, unknown> };
  result: unknown;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/** Case-insensitive text operators, so a title rule can say "contains vp" without regexes. */
function addTextOperators(engine: Engine): void {
  engine.addOperator<unknown, string>('textContains', (fact, value) => {
    const text = textOf(fact);
    return text !== undefined && text.includes(value.toLowerCase());
  });
  engine.addOperator<unknown, string[]>('textContainsAny', (fact, values) => {
    const text = textOf(fact);
    return text !== undefined && values.some((value) => text.includes(value.toLowerCase()));
  });
}

function referencedAttributes(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((child) => referencedAttributes(child, found));
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.fact === 'string' && record.fact.startsWith('attributes.')) found.add(record.fact);
    for (const key of ['all', 'any', 'not']) if (key in record) referencedAttributes(record[key], found);
  }
  return found;
}

/** A rule-set version as plain data (it crosses to worker threads so). Versions are immutable, so `id` keys a compiled copy. */
export interface VersionSpec {
  id: string;
  ruleSetId: string;
  ruleSetName: string;
  kind: RuleSetKind;
  number: number;
  caps: ScoreCaps | null;
  rules: unknown[];
}

export function compileVersion(version: VersionSpec): CompiledVersion {
  const rules = version.rules as RuleProperties[];
  const compiled: CompiledVersion = {
    versionId: version.id,
    ruleSetId: version.ruleSetId,
    ruleSetName: version.ruleSetName,
    kind: version.kind,
    number: version.number,
    caps: version.caps,
    rules,
    attributeFacts: [
      ...referencedAttributes(
        rules.map((rule) => rule.conditions),
        new Set(),
      ),
    ],
    pool: [],
    fast: compileRules(rules),
    order: new Map(rules.map((rule, index) => [rule.name ?? `rule ${index}`, index])),
  };
  // Build one engine now, so a rule the library rejects fails at publish, not at the first lead.
  compiled.pool.push(newEngine(compiled));
  return compiled;
}

function newEngine(version: CompiledVersion): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  addTextOperators(engine);
  for (const rule of version.rules) engine.addRule(rule);
  return engine;
}

/**
 * json-rules-engine keeps run state on the Engine: two overlapping runs on one Engine silently
 * skip rules. Each run takes an Engine of its own from the version's pool and returns it after.
 */
export async function runVersion(
  version: CompiledVersion,
  facts: Facts,
  mode: RunMode = 'engine',
): Promise<{ fired: RuleRun[]; failed: RuleRun[] }> {
  if (mode === 'fast') {
    const outcomes = version.fast(facts);
    return { fired: outcomes.filter((o) => o.result), failed: outcomes.filter((o) => !o.result) };
  }
  const runFacts: Facts = { ...facts };
  for (const name of version.attributeFacts) if (!(name in runFacts)) runFacts[name] = null;
  const byRuleOrder = (a: RuleRun, b: RuleRun): number =>
    (version.order.get(a.name) ?? 0) - (version.order.get(b.name) ?? 0);
  const engine = version.pool.pop() ?? newEngine(version);
  try {
    const { results, failureResults } = await engine.run(runFacts);
    const plain = (result: RuleResult): RuleRun => result;
    return { fired: results.map(plain).sort(byRuleOrder), failed: failureResults.map(plain).sort(byRuleOrder) };
  } finally {
    version.pool.push(engine);
  }
}

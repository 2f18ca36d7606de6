import { RuleSetKind } from '../src/entities/enums';
import { compileVersion, runVersion } from '../src/rules/engine';
import { FACT_CATALOG, OPERATORS_BY_TYPE, type FactDefinition } from '../src/rules/fact-catalog';
import type { Facts } from '../src/rules/facts';
import { validateRuleSet } from '../src/rules/validate-rules';

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['VP Sales', 'vp', 'Head of IT', 'DE', 'US', 'Software', 'ACCEPTED', 'student', '', 'Acme'];
const facts = FACT_CATALOG.filter((fact) => fact.source !== 'score');

function valueFor(fact: FactDefinition, rng: () => number): string | number | boolean | null {
  const roll = rng();
  if (roll < 0.1) return null;
  if (fact.type === 'number') return Math.floor(rng() * 40) - 5;
  if (fact.type === 'boolean') return rng() < 0.5;
  return STRINGS[Math.floor(rng() * STRINGS.length)]!;
}

function condition(rng: () => number): Record<string, unknown> {
  const fact = facts[Math.floor(rng() * facts.length)]!;
  const operators = OPERATORS_BY_TYPE[fact.type];
  const operator = operators[Math.floor(rng() * operators.length)]!;
  const someValue = (): string | number | boolean => {
    for (;;) {
      const value = valueFor(fact, rng);
      if (value !== null) return value;
    }
  };
  const list = (): unknown[] => Array.from({ length: 1 + Math.floor(rng() * 3) }, someValue);
  let value: unknown;
  if (['in', 'notIn'].includes(operator)) value = list();
  else if (operator === 'textContainsAny') value = list().map(String);
  else if (operator === 'textContains') value = String(someValue());
  else if (['equal', 'notEqual'].includes(operator)) value = valueFor(fact, rng);
  else value = Math.floor(rng() * 40) - 5;
  return { fact: fact.name, operator, value };
}

function group(rng: () => number, depth: number): Record<string, unknown> {
  const kind = depth > 1 && rng() < 0.15 ? 'not' : rng() < 0.5 ? 'all' : 'any';
  const child = (): Record<string, unknown> => (depth < 4 && rng() < 0.3 ? group(rng, depth + 1) : condition(rng));
  if (kind === 'not') return { not: child() };
  return { [kind]: Array.from({ length: 1 + Math.floor(rng() * 4) }, child) };
}

function leaves(node: unknown): Array<{ fact: string; actual: unknown; passed: unknown }> {
  if (Array.isArray(node)) return node.flatMap(leaves);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own =
    typeof record.fact === 'string' ? [{ fact: record.fact, actual: record.factResult, passed: record.result }] : [];
  return own.concat(['all', 'any', 'not'].flatMap((key) => (key in record ? leaves(record[key]) : [])));
}

test('the compiled rules fire exactly as json-rules-engine on random rule sets and leads', async () => {
  const rng = random(20261123);
  let compared = 0;
  for (let set = 0; set < 300; set += 1) {
    const rules = Array.from({ length: 1 + Math.floor(rng() * 5) }, (_, index) => ({
      name: `rule ${index}`,
      priority: 1 + Math.floor(rng() * 3),
      conditions: group(rng, 1),
      event: { type: 'score', params: { points: 1 + index, dimension: 'fit' } },
    }));
    // Only what validation admits is ever compiled; the rare oversized random tree is skipped.
    if (validateRuleSet(RuleSetKind.SCORING, { rules }, new Set()).length > 0) continue;
    const version = compileVersion({
      id: `v${set}`,
      ruleSetId: 's',
      ruleSetName: 's',
      kind: RuleSetKind.SCORING,
      number: 1,
      caps: null,
      rules,
    });
    for (let lead = 0; lead < 20; lead += 1) {
      const leadFacts: Facts = Object.fromEntries(facts.map((fact) => [fact.name, valueFor(fact, rng)]));
      const engine = await runVersion(version, leadFacts, 'engine');
      const fast = await runVersion(version, leadFacts, 'fast');
      expect(fast.fired.map((rule) => rule.name)).toEqual(engine.fired.map((rule) => rule.name));
      for (const [index, rule] of engine.fired.entries()) {
        expect(leaves(fast.fired[index]!.conditions)).toEqual(leaves(rule.conditions));
      }
      for (const [index, rule] of engine.failed.entries()) {
        expect(leaves(fast.failed[index]!.conditions)).toEqual(leaves(rule.conditions));
      }
      compared += 1;
    }
  }
  expect(compared).toBeGreaterThan(5000);
});

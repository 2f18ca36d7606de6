import type { RuleProperties } from 'json-rules-engine';
import type { Facts } from './facts';

/**
 * The rule language that validation admits (groups `all`/`any`/`not` over conditions with the
 * catalog's operators) compiled to plain closures, for bulk work: re-scoring every lead and
 * simulations. It mirrors json-rules-engine 7's semantics exactly, down to the shape of the
 * condition results that explanations read (`factResult`, `result`), and a test runs both on
 * random rules and facts to prove it. Live evaluation in mutations uses json-rules-engine itself.
 */

export interface RuleOutcome {
  name: string;
  priority: number;
  index: number;
  result: boolean;
  event: { type: string; params?: Record<string, unknown> };
  conditions: Record<string, unknown>;
}

type Check = (facts: Facts) => Record<string, unknown> & { result: boolean };

/** json-rules-engine's numeric operators first check `parseFloat(fact)`; null and text fail. */
const numeric = (fact: unknown): boolean => Number.parseFloat(fact as string).toString() !== 'NaN';
const lower = (fact: unknown): string | undefined => (typeof fact === 'string' ? fact.toLowerCase() : undefined);

const OPERATORS: Record<string, (fact: unknown, value: unknown) => boolean> = {
  equal: (fact, value) => fact === value,
  notEqual: (fact, value) => fact !== value,
  in: (fact, value) => (value as unknown[]).indexOf(fact) > -1,
  notIn: (fact, value) => (value as unknown[]).indexOf(fact) === -1,
  lessThan: (fact, value) => numeric(fact) && (fact as number) < (value as number),
  lessThanInclusive: (fact, value) => numeric(fact) && (fact as number) <= (value as number),
  greaterThan: (fact, value) => numeric(fact) && (fact as number) > (value as number),
  greaterThanInclusive: (fact, value) => numeric(fact) && (fact as number) >= (value as number),
  textContains: (fact, value) => {
    const text = lower(fact);
    return text !== undefined && text.includes((value as string).toLowerCase());
  },
  textContainsAny: (fact, value) => {
    const text = lower(fact);
    return text !== undefined && (value as string[]).some((item) => text.includes(item.toLowerCase()));
  },
};

function compileNode(node: Record<string, unknown>): Check {
  if (Array.isArray(node.all) || Array.isArray(node.any)) {
    const key = Array.isArray(node.all) ? 'all' : 'any';
    const children = (node[key] as Array<Record<string, unknown>>).map(compileNode);
    return (facts) => {
      const results = children.map((child) => child(facts));
      const result = key === 'all' ? results.every((r) => r.result) : results.some((r) => r.result);
      return { [key]: results, result };
    };
  }
  if (node.not !== undefined) {
    const child = compileNode(node.not as Record<string, unknown>);
    return (facts) => {
      const inner = child(facts);
      return { not: inner, result: !inner.result };
    };
  }
  const fact = node.fact as string;
  const operator = node.operator as string;
  const value = node.value;
  const test = OPERATORS[operator];
  if (!test) throw new Error(`operator ${operator} has no compiled form`);
  // A custom attribute the lead does not have reads as null, as the engine path supplies it.
  const attribute = fact.startsWith('attributes.');
  return (facts) => {
    const found = facts[fact];
    const actual = found === undefined && attribute ? null : found;
    return { fact, operator, value, factResult: actual, result: test(actual, value) };
  };
}

export type CompiledRules = (facts: Facts) => RuleOutcome[];

/** Compiles a version's rules; the outcomes come in rule order. */
export function compileRules(rules: RuleProperties[]): CompiledRules {
  const compiled = rules.map((rule, index) => ({
    name: rule.name ?? `rule ${index}`,
    priority: rule.priority ?? 1,
    index,
    event: rule.event,
    check: compileNode(rule.conditions as unknown as Record<string, unknown>),
  }));
  // Built field by field: spreading the rule into every outcome dominated bulk runs.
  return (facts) =>
    compiled.map(({ name, priority, index, event, check }) => {
      const conditions = check(facts);
      return { name, priority, index, event, result: conditions.result, conditions };
    });
}

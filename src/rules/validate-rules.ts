import { config, type RuleWorkLimits } from '../config';
import { RuleSetKind } from '../entities/enums';
import { OPERATORS_BY_TYPE, factDefinition, type FactType } from './fact-catalog';

/** One problem in a rule set, located by its path (`rules[3].conditions.all[1].operator`). */
export interface RuleProblem {
  path: string;
  code: string;
  message: string;
}

/**
 * The limits as the README and the messages state them; each is checked at the limit and one
 * past it (test/rule-validation.test.ts). `depth` counts the top group as level 1 and a condition
 * as a level of its own; `conditionsPerRule` counts conditions, not the groups around them.
 */
export const RULE_LIMITS = {
  rules: 200,
  depth: 5,
  conditionsPerRule: 50,
  listValues: 100,
  points: 1000,
  rank: 1000,
  cap: 100_000,
  testCases: 50,
} as const;

/** The cost limits in force, from the settings. */
export function ruleCostLimits(): RuleCostLimits {
  const { maxConditions, maxListValues, maxStringLength, maxTextChars } = config.ruleWork;
  return { maxConditions, maxListValues, maxStringLength, maxTextChars };
}

/** What one rule set may cost when it runs: each limit is a setting (see config.ts, README). */
export type RuleCostLimits = Pick<
  RuleWorkLimits,
  'maxConditions' | 'maxListValues' | 'maxStringLength' | 'maxTextChars'
>;

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Checker {
  readonly problems: RuleProblem[] = [];
  /** Running totals of the rule set's cost; each limit is reported once, where it is crossed. */
  private readonly cost = { conditions: 0, listValues: 0, textChars: 0 };

  constructor(
    private readonly kind: RuleSetKind,
    private readonly stageKeys: ReadonlySet<string>,
    private readonly limits: RuleCostLimits,
  ) {}

  /** Adds to a total and reports the path where it first goes over its limit. */
  private spend(what: keyof Checker['cost'], amount: number, limit: number, path: string, message: string): void {
    const before = this.cost[what];
    this.cost[what] = before + amount;
    if (before <= limit && this.cost[what] > limit) this.add(path, 'TOO_COSTLY', message);
  }

  add(path: string, code: string, message: string): void {
    this.problems.push({ path, code, message });
  }

  onlyKeys(value: Record<string, Json>, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (key === 'path')
        this.add(`${path}.path`, 'PATH_NOT_ALLOWED', 'facts are flat: JSONPath `path` is not supported');
      else if (!allowed.includes(key)) {
        this.add(`${path}.${key}`, 'UNKNOWN_KEY', `unknown key "${key}"; allowed: ${allowed.join(', ')}`);
      }
    }
  }

  rules(rules: Json): void {
    if (!Array.isArray(rules)) {
      this.add('rules', 'NOT_A_LIST', 'rules must be a list of rules');
      return;
    }
    if (rules.length === 0) this.add('rules', 'EMPTY', 'a rule set needs at least one rule');
    if (rules.length > RULE_LIMITS.rules) this.add('rules', 'TOO_MANY', `at most ${RULE_LIMITS.rules} rules`);
    const names = new Map<string, number>();
    rules.forEach((rule, index) => {
      const path = `rules[${index}]`;
      if (!isObject(rule)) {
        this.add(path, 'NOT_AN_OBJECT', 'a rule is an object with name, conditions, event and optional priority');
        return;
      }
      this.onlyKeys(rule, ['name', 'priority', 'conditions', 'event'], path);
      if (typeof rule.name !== 'string' || rule.name.trim() === '' || rule.name.length > 120) {
        this.add(
          `${path}.name`,
          'INVALID_NAME',
          'every rule needs a name of 1 to 120 characters: explanations cite it',
        );
      } else if (names.has(rule.name)) {
        this.add(`${path}.name`, 'DUPLICATE_NAME', `"${rule.name}" is also the name of rules[${names.get(rule.name)}]`);
      } else {
        names.set(rule.name, index);
      }
      if (
        rule.priority !== undefined &&
        (!Number.isInteger(rule.priority) || (rule.priority as number) < 1 || (rule.priority as number) > 100)
      ) {
        this.add(
          `${path}.priority`,
          'INVALID_PRIORITY',
          'priority is a whole number from 1 to 100 (json-rules-engine refuses 0)',
        );
      }
      if (rule.conditions === undefined) this.add(`${path}.conditions`, 'MISSING', 'a rule needs conditions');
      else this.node(rule.conditions, `${path}.conditions`, 1, { conditions: 0 }, true);
      this.event(rule.event, `${path}.event`);
    });
  }

  /** A boolean node (`all`, `any`, `not`) or, below the top, a condition on a fact. */
  node(node: Json, path: string, depth: number, counted: { conditions: number }, top: boolean): void {
    if (depth > RULE_LIMITS.depth) {
      this.add(
        path,
        'TOO_DEEP',
        `conditions may nest at most ${RULE_LIMITS.depth} levels (the top group is level 1, a condition is a level)`,
      );
      return;
    }
    if (!isObject(node)) {
      this.add(
        path,
        'NOT_AN_OBJECT',
        'expected an object: { all: [...] }, { any: [...] }, { not: {...} } or a condition',
      );
      return;
    }
    const groups = ['all', 'any', 'not'].filter((key) => key in node);
    if (groups.length === 0) {
      if (top)
        this.add(
          path,
          'NO_GROUP',
          'the top of a rule’s conditions is { all: [...] }, { any: [...] } or { not: {...} }',
        );
      else if ('condition' in node)
        this.add(`${path}.condition`, 'UNKNOWN_KEY', 'shared condition references are not supported');
      else {
        counted.conditions += 1;
        if (counted.conditions === RULE_LIMITS.conditionsPerRule + 1) {
          this.add(path, 'TOO_MANY_NODES', `a rule may have at most ${RULE_LIMITS.conditionsPerRule} conditions`);
        }
        this.condition(node, path);
      }
      return;
    }
    if (groups.length > 1) {
      this.add(
        path,
        'MIXED_GROUP',
        `a group has exactly one of all, any, not; found ${groups.join(' and ')} (the library would silently drop one)`,
      );
      return;
    }
    const key = groups[0]!;
    this.onlyKeys(node, [key], path);
    const children = node[key];
    if (key === 'not') {
      if (Array.isArray(children))
        this.add(`${path}.not`, 'NOT_AN_OBJECT', '`not` takes one condition or group, not a list');
      else this.node(children, `${path}.not`, depth + 1, counted, false);
      return;
    }
    if (!Array.isArray(children)) {
      this.add(`${path}.${key}`, 'NOT_A_LIST', `\`${key}\` takes a list`);
      return;
    }
    if (children.length === 0) {
      this.add(`${path}.${key}`, 'EMPTY_GROUP', `an empty \`${key}\` is always true and would fire for every lead`);
    }
    children.forEach((child, index) => this.node(child, `${path}.${key}[${index}]`, depth + 1, counted, false));
  }

  condition(condition: Record<string, Json>, path: string): void {
    this.onlyKeys(condition, ['fact', 'operator', 'value'], path);
    this.spend(
      'conditions',
      1,
      this.limits.maxConditions,
      path,
      `the rule set has more than ${this.limits.maxConditions} conditions in all its rules (RULE_SET_MAX_CONDITIONS)`,
    );
    const factName = condition.fact;
    const definition = typeof factName === 'string' ? factDefinition(factName) : undefined;
    const operator = condition.operator;
    const knownOperator =
      typeof operator === 'string' && Object.values(OPERATORS_BY_TYPE).some((ops) => ops.includes(operator));
    const unknownOperator = (): void =>
      this.add(`${path}.operator`, 'UNKNOWN_OPERATOR', `unknown operator ${JSON.stringify(operator)}`);
    if (typeof factName !== 'string' || definition === undefined) {
      // A misspelt fact is one problem: its type is unknown, so the operator and value cannot be
      // judged against it (they would only add problems that fixing the name makes go away).
      this.add(`${path}.fact`, 'UNKNOWN_FACT', `unknown fact ${JSON.stringify(factName)}; see factCatalog`);
      if (!knownOperator) unknownOperator();
      return;
    }
    if (!knownOperator) {
      unknownOperator();
      return;
    }
    const type: FactType | 'any' = definition === 'attribute' ? 'any' : definition.type;
    if (!OPERATORS_BY_TYPE[type].includes(operator)) {
      this.add(
        `${path}.operator`,
        'OPERATOR_NOT_ALLOWED',
        `${operator} does not apply to ${type} fact ${String(factName)}; allowed: ${OPERATORS_BY_TYPE[type].join(', ')}`,
      );
      return;
    }
    if (!('value' in condition)) {
      this.add(`${path}.value`, 'MISSING', 'a condition needs a value');
      return;
    }
    const value = condition.value;
    if (['in', 'notIn', 'textContainsAny'].includes(operator)) {
      if (!Array.isArray(value) || value.length === 0 || value.length > RULE_LIMITS.listValues) {
        this.add(
          `${path}.value`,
          'VALUE_NOT_A_LIST',
          `${operator} needs a list of 1 to ${RULE_LIMITS.listValues} values (against a string the library would match substrings)`,
        );
        return;
      }
      this.spend(
        'listValues',
        value.length,
        this.limits.maxListValues,
        `${path}.value`,
        `the rule set has more than ${this.limits.maxListValues} list values in all its rules (RULE_SET_MAX_LIST_VALUES)`,
      );
      value.forEach((item, index) => {
        this.scalar(item, type, `${path}.value[${index}]`, false);
        this.spendText(item, `${path}.value[${index}]`);
      });
      return;
    }
    const nullable = operator === 'equal' || operator === 'notEqual';
    this.scalar(value, type, `${path}.value`, nullable);
    this.spendText(value, `${path}.value`);
  }

  spendText(value: Json, path: string): void {
    if (typeof value !== 'string') return;
    this.spend(
      'textChars',
      value.length,
      this.limits.maxTextChars,
      path,
      `the strings of the rule set's conditions exceed ${this.limits.maxTextChars} characters in all (RULE_SET_MAX_TEXT_CHARS)`,
    );
  }

  scalar(value: Json, type: FactType | 'any', path: string, nullable: boolean): void {
    if (value === null) {
      if (!nullable) this.add(path, 'VALUE_TYPE', 'null only compares with equal or notEqual');
      return;
    }
    const actual = typeof value;
    const ok =
      type === 'any'
        ? actual === 'string' || actual === 'boolean' || (actual === 'number' && Number.isFinite(value))
        : actual === type && (actual !== 'number' || Number.isFinite(value));
    if (!ok) {
      this.add(
        path,
        'VALUE_TYPE',
        `expected a ${type === 'any' ? 'string, number or boolean' : type}, got ${JSON.stringify(value)}`,
      );
    } else if (actual === 'string' && (value as string).length > this.limits.maxStringLength) {
      this.add(path, 'TOO_LONG', `at most ${this.limits.maxStringLength} characters (RULE_SET_MAX_STRING_LENGTH)`);
    }
  }

  event(event: Json, path: string): void {
    if (!isObject(event)) {
      this.add(path, 'MISSING', 'a rule needs an event: { type, params }');
      return;
    }
    this.onlyKeys(event, ['type', 'params'], path);
    const expected = this.kind === RuleSetKind.SCORING ? 'score' : 'qualify';
    if (event.type !== expected) {
      this.add(
        `${path}.type`,
        'WRONG_EVENT_TYPE',
        `${this.kind} rules fire "${expected}" events, not ${JSON.stringify(event.type)}`,
      );
      return;
    }
    const params = event.params;
    if (!isObject(params)) {
      this.add(`${path}.params`, 'MISSING', 'the event needs params');
      return;
    }
    if (
      params.reason !== undefined &&
      (typeof params.reason !== 'string' || params.reason.length > this.limits.maxStringLength)
    ) {
      this.add(
        `${path}.params.reason`,
        'VALUE_TYPE',
        `reason is text of at most ${this.limits.maxStringLength} characters`,
      );
    }
    if (expected === 'score') {
      this.onlyKeys(params, ['points', 'dimension', 'reason'], `${path}.params`);
      const points = params.points;
      if (!Number.isInteger(points) || Math.abs(points as number) > RULE_LIMITS.points || points === 0) {
        this.add(
          `${path}.params.points`,
          'INVALID_POINTS',
          `points is a whole number from -${RULE_LIMITS.points} to ${RULE_LIMITS.points}, not 0`,
        );
      }
      if (params.dimension !== 'fit' && params.dimension !== 'engagement') {
        this.add(
          `${path}.params.dimension`,
          'INVALID_DIMENSION',
          'dimension is "fit" (who the lead is) or "engagement" (what they did)',
        );
      }
    } else {
      this.onlyKeys(params, ['stage', 'rank', 'reason'], `${path}.params`);
      if (typeof params.stage !== 'string' || !this.stageKeys.has(params.stage)) {
        this.add(
          `${path}.params.stage`,
          'UNKNOWN_STAGE',
          `unknown stage ${JSON.stringify(params.stage)}; see funnelStages`,
        );
      }
      if (!Number.isInteger(params.rank) || (params.rank as number) < 1 || (params.rank as number) > RULE_LIMITS.rank) {
        this.add(
          `${path}.params.rank`,
          'INVALID_RANK',
          `rank is a whole number from 1 to ${RULE_LIMITS.rank}; the highest fired rank wins`,
        );
      }
    }
  }

  caps(caps: Json): void {
    if (caps === null || caps === undefined) return;
    if (this.kind !== RuleSetKind.SCORING) {
      this.add('caps', 'NOT_APPLICABLE', 'caps apply to scoring rule sets only');
      return;
    }
    if (!isObject(caps)) {
      this.add('caps', 'NOT_AN_OBJECT', 'caps is { fit, engagement, total }');
      return;
    }
    this.onlyKeys(caps, ['fit', 'engagement', 'total'], 'caps');
    for (const key of ['fit', 'engagement', 'total']) {
      const cap = caps[key];
      if (
        cap !== undefined &&
        cap !== null &&
        (!Number.isInteger(cap) || (cap as number) < 1 || (cap as number) > RULE_LIMITS.cap)
      ) {
        this.add(
          `caps.${key}`,
          'INVALID_CAP',
          `a cap is a whole number from 1 to ${RULE_LIMITS.cap}, or null for none`,
        );
      }
    }
  }

  testCases(testCases: Json): void {
    if (testCases === null || testCases === undefined) return;
    if (!Array.isArray(testCases)) {
      this.add('testCases', 'NOT_A_LIST', 'testCases is a list');
      return;
    }
    if (testCases.length > RULE_LIMITS.testCases)
      this.add('testCases', 'TOO_MANY', `at most ${RULE_LIMITS.testCases} test cases`);
    const names = new Set<string>();
    testCases.forEach((testCase, index) => {
      const path = `testCases[${index}]`;
      if (!isObject(testCase)) {
        this.add(
          path,
          'NOT_AN_OBJECT',
          'a test case is { name, facts, expectScoreMin?, expectScoreMax?, expectStage? }',
        );
        return;
      }
      this.onlyKeys(testCase, ['name', 'facts', 'expectScoreMin', 'expectScoreMax', 'expectStage'], path);
      if (typeof testCase.name !== 'string' || testCase.name.trim() === '' || testCase.name.length > 120) {
        this.add(`${path}.name`, 'INVALID_NAME', 'a test case needs a name of 1 to 120 characters');
      } else if (names.has(testCase.name)) {
        this.add(`${path}.name`, 'DUPLICATE_NAME', `two test cases are named "${testCase.name}"`);
      } else {
        names.add(testCase.name);
      }
      if (!isObject(testCase.facts)) {
        this.add(`${path}.facts`, 'NOT_AN_OBJECT', 'facts is an object of fact name to value');
      } else {
        for (const [name, value] of Object.entries(testCase.facts)) {
          const definition = factDefinition(name);
          if (definition === undefined) this.add(`${path}.facts.${name}`, 'UNKNOWN_FACT', `unknown fact "${name}"`);
          else this.scalar(value, definition === 'attribute' ? 'any' : definition.type, `${path}.facts.${name}`, true);
        }
      }
      const scoring = this.kind === RuleSetKind.SCORING;
      for (const key of ['expectScoreMin', 'expectScoreMax']) {
        const bound = testCase[key];
        if (bound !== undefined && bound !== null && !Number.isInteger(bound))
          this.add(`${path}.${key}`, 'VALUE_TYPE', 'a whole number');
        if (!scoring && bound !== undefined && bound !== null)
          this.add(`${path}.${key}`, 'NOT_APPLICABLE', 'scores belong to scoring rule sets');
      }
      if (testCase.expectStage !== undefined && testCase.expectStage !== null) {
        if (scoring) this.add(`${path}.expectStage`, 'NOT_APPLICABLE', 'stages belong to qualification rule sets');
        else if (typeof testCase.expectStage !== 'string' || !this.stageKeys.has(testCase.expectStage)) {
          this.add(`${path}.expectStage`, 'UNKNOWN_STAGE', `unknown stage ${JSON.stringify(testCase.expectStage)}`);
        }
      }
      const expectsSomething = scoring
        ? testCase.expectScoreMin != null || testCase.expectScoreMax != null
        : testCase.expectStage !== undefined;
      if (!expectsSomething) {
        this.add(
          path,
          'NO_EXPECTATION',
          scoring ? 'give expectScoreMin and/or expectScoreMax' : 'give expectStage (null: no move)',
        );
      }
    });
  }
}

/**
 * Every problem of a rule set, before anything is stored. json-rules-engine accepts many broken
 * shapes and fails only at run time or never (an empty `any` is true, a group with both `all`
 * and `any` loses one, `in` against a string matches substrings, priority 0 throws late), so the
 * shapes are checked here against the fact catalog and the funnel.
 */
export function validateRuleSet(
  kind: RuleSetKind,
  input: { rules: Json; caps?: Json; testCases?: Json },
  stageKeys: ReadonlySet<string>,
  limits: RuleCostLimits = ruleCostLimits(),
): RuleProblem[] {
  const checker = new Checker(kind, stageKeys, limits);
  checker.rules(input.rules);
  checker.caps(input.caps);
  checker.testCases(input.testCases);
  return checker.problems;
}

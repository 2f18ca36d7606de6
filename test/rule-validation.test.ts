import { RuleSetKind } from '../src/entities/enums';
import { RULE_LIMITS, validateRuleSet, type RuleProblem } from '../src/rules/validate-rules';

const STAGES = new Set(['lead', 'mql', 'sql']);
const condition = (value: unknown = 1) => ({ fact: 'company_size', operator: 'equal', value });
const scoreRule = (overrides: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
  name: 'Rule',
  conditions: { all: [condition()] },
  event: { type: 'score', params: { points: 5, dimension: 'fit', ...params } },
  ...overrides,
});
const qualifyRule = (rank: unknown) => ({
  name: 'Qualify',
  conditions: { all: [condition()] },
  event: { type: 'qualify', params: { stage: 'mql', rank } },
});
const testCase = (name: string) => ({ name, facts: { company_size: 5 }, expectScoreMin: 0 });

const scoring = (content: { rules: unknown; caps?: unknown; testCases?: unknown }): RuleProblem[] =>
  validateRuleSet(RuleSetKind.SCORING, content, STAGES);
const codes = (problems: RuleProblem[]) => problems.map((problem) => `${problem.path} ${problem.code}`);

/** `depth` levels: the top group is level 1, each nested group one more, the condition the last. */
function nested(depth: number): unknown {
  let node: unknown = condition();
  for (let level = depth - 1; level >= 1; level -= 1) node = { all: [node] };
  return node;
}

describe('rule validation', () => {
  test('a misspelt fact is one problem, not a second "operator does not apply" one', () => {
    const misspelt = { fact: 'company_sise', operator: 'greaterThan', value: 500 };
    expect(codes(scoring({ rules: [scoreRule({ conditions: { all: [misspelt] } })] }))).toEqual([
      'rules[0].conditions.all[0].fact UNKNOWN_FACT',
    ]);
    // A misspelt fact with an unknown operator is two mistakes, and both are named.
    const both = { fact: 'company_sise', operator: 'biggerThan', value: 500 };
    expect(codes(scoring({ rules: [scoreRule({ conditions: { all: [both] } })] }))).toEqual([
      'rules[0].conditions.all[0].fact UNKNOWN_FACT',
      'rules[0].conditions.all[0].operator UNKNOWN_OPERATOR',
    ]);
    // The operator still has to fit a fact that exists.
    const wrongOperator = { fact: 'company_size', operator: 'textContains', value: 'x' };
    expect(codes(scoring({ rules: [scoreRule({ conditions: { all: [wrongOperator] } })] }))).toEqual([
      'rules[0].conditions.all[0].operator OPERATOR_NOT_ALLOWED',
    ]);
  });

  // Each documented limit (README "Validation", the messages): [what, at the limit, one past, problem]
  const rules = (count: number) => Array.from({ length: count }, (_, i) => scoreRule({ name: `Rule ${i}` }));
  const conditions = (count: number) => ({ any: Array.from({ length: count }, (_, i) => condition(i)) });
  const limits: Array<[string, () => RuleProblem[], () => RuleProblem[], string]> = [
    [
      `at most ${RULE_LIMITS.rules} rules`,
      () => scoring({ rules: rules(200) }),
      () => scoring({ rules: rules(201) }),
      'rules TOO_MANY',
    ],
    [
      'nesting at most 5 levels',
      () => scoring({ rules: [scoreRule({ conditions: nested(5) })] }),
      () => scoring({ rules: [scoreRule({ conditions: nested(6) })] }),
      'rules[0].conditions.all[0].all[0].all[0].all[0].all[0] TOO_DEEP',
    ],
    [
      'at most 50 conditions in a rule',
      () => scoring({ rules: [scoreRule({ conditions: conditions(50) })] }),
      () => scoring({ rules: [scoreRule({ conditions: conditions(51) })] }),
      'rules[0].conditions.any[50] TOO_MANY_NODES',
    ],
    [
      'points up to +1000',
      () => scoring({ rules: [scoreRule({}, { points: 1000 })] }),
      () => scoring({ rules: [scoreRule({}, { points: 1001 })] }),
      'rules[0].event.params.points INVALID_POINTS',
    ],
    [
      'points down to -1000',
      () => scoring({ rules: [scoreRule({}, { points: -1000 })] }),
      () => scoring({ rules: [scoreRule({}, { points: -1001 })] }),
      'rules[0].event.params.points INVALID_POINTS',
    ],
    [
      'points not 0',
      () => scoring({ rules: [scoreRule({}, { points: 1 })] }),
      () => scoring({ rules: [scoreRule({}, { points: 0 })] }),
      'rules[0].event.params.points INVALID_POINTS',
    ],
    [
      'at least 1 value in a list',
      () => scoring({ rules: [scoreRule({ conditions: { all: [{ ...condition(), operator: 'in', value: [1] }] } })] }),
      () => scoring({ rules: [scoreRule({ conditions: { all: [{ ...condition(), operator: 'in', value: [] }] } })] }),
      'rules[0].conditions.all[0].value VALUE_NOT_A_LIST',
    ],
    [
      'priority up to 100',
      () => scoring({ rules: [scoreRule({ priority: 100 })] }),
      () => scoring({ rules: [scoreRule({ priority: 101 })] }),
      'rules[0].priority INVALID_PRIORITY',
    ],
    [
      'priority from 1',
      () => scoring({ rules: [scoreRule({ priority: 1 })] }),
      () => scoring({ rules: [scoreRule({ priority: 0 })] }),
      'rules[0].priority INVALID_PRIORITY',
    ],
    [
      'rank up to 1000',
      () => validateRuleSet(RuleSetKind.QUALIFICATION, { rules: [qualifyRule(1000)] }, STAGES),
      () => validateRuleSet(RuleSetKind.QUALIFICATION, { rules: [qualifyRule(1001)] }, STAGES),
      'rules[0].event.params.rank INVALID_RANK',
    ],
    [
      'rank from 1',
      () => validateRuleSet(RuleSetKind.QUALIFICATION, { rules: [qualifyRule(1)] }, STAGES),
      () => validateRuleSet(RuleSetKind.QUALIFICATION, { rules: [qualifyRule(0)] }, STAGES),
      'rules[0].event.params.rank INVALID_RANK',
    ],
    [
      'up to 100 values in a list',
      () =>
        scoring({
          rules: [
            scoreRule({
              conditions: {
                all: [{ ...condition(), operator: 'in', value: Array.from({ length: 100 }, (_, i) => i) }],
              },
            }),
          ],
        }),
      () =>
        scoring({
          rules: [
            scoreRule({
              conditions: {
                all: [{ ...condition(), operator: 'in', value: Array.from({ length: 101 }, (_, i) => i) }],
              },
            }),
          ],
        }),
      'rules[0].conditions.all[0].value VALUE_NOT_A_LIST',
    ],
    [
      'a text value of up to 500 characters',
      () =>
        scoring({
          rules: [
            scoreRule({ conditions: { all: [{ fact: 'industry', operator: 'equal', value: 'x'.repeat(500) }] } }),
          ],
        }),
      () =>
        scoring({
          rules: [
            scoreRule({ conditions: { all: [{ fact: 'industry', operator: 'equal', value: 'x'.repeat(501) }] } }),
          ],
        }),
      'rules[0].conditions.all[0].value TOO_LONG',
    ],
    [
      'a reason of up to 500 characters',
      () => scoring({ rules: [scoreRule({}, { reason: 'x'.repeat(500) })] }),
      () => scoring({ rules: [scoreRule({}, { reason: 'x'.repeat(501) })] }),
      'rules[0].event.params.reason VALUE_TYPE',
    ],
    [
      'a rule name of up to 120 characters',
      () => scoring({ rules: [scoreRule({ name: 'x'.repeat(120) })] }),
      () => scoring({ rules: [scoreRule({ name: 'x'.repeat(121) })] }),
      'rules[0].name INVALID_NAME',
    ],
    [
      'a cap up to 100000',
      () => scoring({ rules: [scoreRule()], caps: { total: 100_000 } }),
      () => scoring({ rules: [scoreRule()], caps: { total: 100_001 } }),
      'caps.total INVALID_CAP',
    ],
    [
      'a cap from 1',
      () => scoring({ rules: [scoreRule()], caps: { fit: 1 } }),
      () => scoring({ rules: [scoreRule()], caps: { fit: 0 } }),
      'caps.fit INVALID_CAP',
    ],
    [
      'at most 50 test cases',
      () => scoring({ rules: [scoreRule()], testCases: Array.from({ length: 50 }, (_, i) => testCase(`case ${i}`)) }),
      () => scoring({ rules: [scoreRule()], testCases: Array.from({ length: 51 }, (_, i) => testCase(`case ${i}`)) }),
      'testCases TOO_MANY',
    ],
    [
      'a test-case name of up to 120 characters',
      () => scoring({ rules: [scoreRule()], testCases: [testCase('x'.repeat(120))] }),
      () => scoring({ rules: [scoreRule()], testCases: [testCase('x'.repeat(121))] }),
      'testCases[0].name INVALID_NAME',
    ],
  ];

  test.each(limits)('%s: accepted at the limit, refused one past it', (_what, atLimit, pastLimit, problem) => {
    expect(codes(atLimit())).toEqual([]);
    expect(codes(pastLimit())).toEqual([problem]);
  });
});

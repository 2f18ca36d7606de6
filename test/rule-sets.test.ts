import { config } from '../src/config';
import { Role } from '../src/entities/enums';
import { compileVersion, runVersion } from '../src/rules/engine';
import { createRescoreJob, runRescoreJob } from '../src/services/rescore.service';
import { inTransaction } from '../src/services/transaction';
import {
  SCORE_RULE,
  countRows,
  databaseFingerprint,
  givenCampaign,
  givenLead,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  systemContext,
  unique,
  type TestApp,
} from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const SAVE = `mutation($id: ID!, $rules: JSON!, $base: Int, $caps: JSON, $testCases: JSON, $notes: String) {
  saveRuleSetDraft(ruleSetId: $id, rules: $rules, baseVersion: $base, caps: $caps, testCases: $testCases, notes: $notes) {
    version { id number status checksum basedOnNumber diff { added removed changed } }
    testResults { name passed score stage message }
  }
}`;
const PUBLISH = `mutation($id: ID!) {
  publishRuleSetVersion(versionId: $id) { version { id number status publishedAt } rescoreJob { id status } }
}`;
const LEAD = `query($id: ID!) {
  lead(id: $id) {
    fitScore engagementScore score version stage { key }
    stageHistory { from { key } to { key } cause reason }
    scoreExplanation {
      versions { number ruleSetName } rawFit rawEngagement fitScore engagementScore score caps { fit engagement total }
      fired { rule dimension points conditions { fact operator value actual passed } }
      qualification { rule stage rank } qualifiesFor
      nearMisses { rule wouldGive failed { fact actual } }
    }
  }
}`;

const bigCompany = SCORE_RULE('Big company', 20, {
  all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }],
});
const executive = SCORE_RULE('Executive title', 15, {
  all: [{ fact: 'job_title', operator: 'textContainsAny', value: ['vp', 'head of', 'chief'] }],
});
const pricingViews = SCORE_RULE(
  'Looked at pricing',
  10,
  { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 1 }] },
  'engagement',
);
const freeMail = SCORE_RULE('Free mail', -10, { all: [{ fact: 'is_free_email', operator: 'equal', value: true }] });

/** Publishes a draft and runs its re-score to the end, as the worker does. */
async function publishAndRescore(versionId: string): Promise<{ jobId: string }> {
  const published = ok(await gql(t, PUBLISH, { id: versionId })).publishRuleSetVersion;
  await runRescoreJob(t.dataSource, published.rescoreJob.id);
  return { jobId: published.rescoreJob.id };
}

async function newRuleSet(kind: 'SCORING' | 'QUALIFICATION'): Promise<string> {
  return ok(
    await gql(t, 'mutation($name: String!, $kind: RuleSetKind!) { createRuleSet(name: $name, kind: $kind) { id } }', {
      name: unique('Rules'),
      kind,
    }),
  ).createRuleSet.id;
}

describe('validation: every broken shape is refused with its path before anything is stored', () => {
  const cases: Array<[string, unknown, string, string]> = [
    [
      'an unknown operator',
      { all: [{ fact: 'company_size', operator: 'biggerThan', value: 5 }] },
      'rules[0].conditions.all[0].operator',
      'UNKNOWN_OPERATOR',
    ],
    [
      'an unknown fact',
      { all: [{ fact: 'shoe_size', operator: 'equal', value: 5 }] },
      'rules[0].conditions.all[0].fact',
      'UNKNOWN_FACT',
    ],
    ['an empty any (always true)', { any: [] }, 'rules[0].conditions.any', 'EMPTY_GROUP'],
    ['an empty all (always true)', { all: [] }, 'rules[0].conditions.all', 'EMPTY_GROUP'],
    [
      'a group with both all and any',
      {
        all: [{ fact: 'company_size', operator: 'equal', value: 5 }],
        any: [{ fact: 'country', operator: 'equal', value: 'DE' }],
      },
      'rules[0].conditions',
      'MIXED_GROUP',
    ],
    [
      'an unknown key',
      { all: [{ fact: 'country', operator: 'equal', value: 'DE', weight: 3 }] },
      'rules[0].conditions.all[0].weight',
      'UNKNOWN_KEY',
    ],
    [
      'a JSONPath path',
      { all: [{ fact: 'country', operator: 'equal', value: 'DE', path: '$.x' }] },
      'rules[0].conditions.all[0].path',
      'PATH_NOT_ALLOWED',
    ],
    [
      '`in` against a string',
      { all: [{ fact: 'country', operator: 'in', value: 'DEAT' }] },
      'rules[0].conditions.all[0].value',
      'VALUE_NOT_A_LIST',
    ],
    [
      'a number compared with text',
      { all: [{ fact: 'company_size', operator: 'greaterThan', value: '500' }] },
      'rules[0].conditions.all[0].value',
      'VALUE_TYPE',
    ],
    [
      'an operator that does not fit the fact',
      { all: [{ fact: 'is_free_email', operator: 'greaterThan', value: 1 }] },
      'rules[0].conditions.all[0].operator',
      'OPERATOR_NOT_ALLOWED',
    ],
    [
      'nesting deeper than 5 levels',
      { all: [{ all: [{ all: [{ all: [{ all: [{ fact: 'country', operator: 'equal', value: 'DE' }] }] }] }] }] },
      'rules[0].conditions.all[0].all[0].all[0].all[0].all[0]',
      'TOO_DEEP',
    ],
    [
      'more than 50 conditions in a rule',
      { any: Array.from({ length: 60 }, (_, i) => ({ fact: 'company_size', operator: 'equal', value: i })) },
      'rules[0].conditions.any[50]',
      'TOO_MANY_NODES',
    ],
  ];

  test.each(cases)('%s', async (_label, conditions, path, code) => {
    const draft = await givenRuleSetDraft(t);
    const rules = [{ name: 'Broken', conditions, event: { type: 'score', params: { points: 5, dimension: 'fit' } } }];
    const result = await gql(t, SAVE, { id: draft.ruleSetId, rules, base: draft.number });
    expect(result.errors?.[0]?.extensions.code).toBe('RULE_SET_INVALID');
    expect(result.errors?.[0]?.extensions.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, code })]),
    );
    expect(await countRows(t, 'rule_set_version', 'rule_set_id = $1', [draft.ruleSetId])).toBe(1);
    // validateRules answers the same, without saving.
    const validated = ok(
      await gql(
        t,
        'query($rules: JSON!) { validateRules(kind: SCORING, rules: $rules) { valid problems { path code message } } }',
        { rules },
      ),
    ).validateRules;
    expect(validated.valid).toBe(false);
    expect(validated.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, code })]));
  });

  test.each([
    ['priority 0', { ...bigCompany, priority: 0 }, 'rules[0].priority', 'INVALID_PRIORITY'],
    [
      'points over the cap',
      { ...bigCompany, event: { type: 'score', params: { points: 5000, dimension: 'fit' } } },
      'rules[0].event.params.points',
      'INVALID_POINTS',
    ],
    [
      'an unknown dimension',
      { ...bigCompany, event: { type: 'score', params: { points: 5, dimension: 'vibes' } } },
      'rules[0].event.params.dimension',
      'INVALID_DIMENSION',
    ],
    [
      'a qualify event in a scoring set',
      { ...bigCompany, event: { type: 'qualify', params: { stage: 'mql', rank: 1 } } },
      'rules[0].event.type',
      'WRONG_EVENT_TYPE',
    ],
    [
      'a rule without a name',
      { conditions: bigCompany.conditions, event: bigCompany.event },
      'rules[0].name',
      'INVALID_NAME',
    ],
  ])('%s', async (_label, rule, path, code) => {
    const draft = await givenRuleSetDraft(t);
    const result = await gql(t, SAVE, { id: draft.ruleSetId, rules: [rule], base: draft.number });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'RULE_SET_INVALID', field: path });
    expect(result.errors?.[0]?.extensions.problems[0]).toMatchObject({ path, code });
  });

  test('all problems are reported at once, and a qualify rule must name a real stage', async () => {
    const id = await newRuleSet('QUALIFICATION');
    const rules = [
      { name: 'A', conditions: { any: [] }, event: { type: 'qualify', params: { stage: 'heaven', rank: 0 } } },
      {
        name: 'A',
        conditions: { all: [{ fact: 'score', operator: 'greaterThan', value: 10 }] },
        event: { type: 'qualify', params: { stage: 'mql', rank: 1 } },
      },
    ];
    const result = await gql(t, SAVE, { id, rules });
    expect(
      result.errors?.[0]?.extensions.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`),
    ).toEqual([
      'rules[0].conditions.any EMPTY_GROUP',
      'rules[0].event.params.stage UNKNOWN_STAGE',
      'rules[0].event.params.rank INVALID_RANK',
      'rules[1].name DUPLICATE_NAME',
    ]);
    expect(await countRows(t, 'rule_set_version', 'rule_set_id = $1', [id])).toBe(0);
  });
});

describe('versions', () => {
  test('a save from a stale version is a CONFLICT; versions only grow and diff by rule name', async () => {
    const draft = await givenRuleSetDraft(t, { rules: [bigCompany] });
    const second = ok(
      await gql(t, SAVE, { id: draft.ruleSetId, rules: [bigCompany, executive], base: 1, notes: 'titles' }),
    ).saveRuleSetDraft;
    expect(second.version).toMatchObject({
      number: 2,
      status: 'DRAFT',
      basedOnNumber: 1,
      diff: { added: ['Executive title'], removed: [], changed: [] },
    });
    const stale = await gql(t, SAVE, { id: draft.ruleSetId, rules: [executive], base: 1 });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'baseVersion', latestVersion: 2 });
    expect(await countRows(t, 'rule_set_version', 'rule_set_id = $1', [draft.ruleSetId])).toBe(2);
    const changed = { ...bigCompany, event: { type: 'score', params: { points: 25, dimension: 'fit' } } };
    const third = ok(await gql(t, SAVE, { id: draft.ruleSetId, rules: [changed], base: 2 })).saveRuleSetDraft;
    expect(third.version.diff).toEqual({ added: [], removed: ['Executive title'], changed: ['Big company'] });
    const audit = await countRows(
      t,
      'audit_entry',
      "subject = 'rule_set' AND subject_id = $1 AND action = 'save_draft'",
      [draft.ruleSetId],
    );
    expect(audit).toBe(3);
  });

  test('omitted caps and test cases carry over from the base version, null and [] clear them, and the diff shows both', async () => {
    const caps = { fit: 50, engagement: 40, total: 80 };
    const testCases = [{ name: 'Big', facts: { company_size: 1000 }, expectScoreMin: 20 }];
    const draft = await givenRuleSetDraft(t, { rules: [bigCompany], caps, testCases });
    const STORED = 'query($id: ID!) { ruleSet(id: $id) { versions { number caps testCases } } }';
    const DIFF = `mutation($id: ID!, $rules: JSON!, $base: Int, $caps: JSON, $testCases: JSON) {
      saveRuleSetDraft(ruleSetId: $id, rules: $rules, baseVersion: $base, caps: $caps, testCases: $testCases) {
        version { number caps testCases diff { added changed capsChanged capsBefore capsAfter testCasesAdded testCasesRemoved testCasesChanged } }
      }
    }`;
    // Only the rules: caps and test cases stay as they were.
    const onlyRules = ok(await gql(t, DIFF, { id: draft.ruleSetId, rules: [bigCompany, executive], base: 1 }))
      .saveRuleSetDraft.version;
    expect(onlyRules).toMatchObject({ number: 2, caps, testCases });
    expect(onlyRules.diff).toEqual({
      added: ['Executive title'],
      changed: [],
      capsChanged: false,
      capsBefore: caps,
      capsAfter: caps,
      testCasesAdded: [],
      testCasesRemoved: [],
      testCasesChanged: [],
    });
    // New caps and a changed and an added test case show in the diff.
    const moreCases = [
      { ...testCases[0], expectScoreMin: 30 },
      { name: 'Small', facts: { company_size: 5 }, expectScoreMax: 0 },
    ];
    const edited = ok(
      await gql(t, DIFF, {
        id: draft.ruleSetId,
        rules: [bigCompany, executive],
        base: 2,
        caps: { fit: 60 },
        testCases: moreCases,
      }),
    ).saveRuleSetDraft.version;
    expect(edited.diff).toMatchObject({
      capsChanged: true,
      capsBefore: caps,
      capsAfter: { fit: 60 },
      testCasesAdded: ['Small'],
      testCasesRemoved: [],
      testCasesChanged: ['Big'],
    });
    // Explicit null and [] clear them, and the diff says so.
    const cleared = ok(
      await gql(t, DIFF, { id: draft.ruleSetId, rules: [bigCompany, executive], base: 3, caps: null, testCases: [] }),
    ).saveRuleSetDraft.version;
    expect(cleared).toMatchObject({ number: 4, caps: null, testCases: [] });
    expect(cleared.diff).toMatchObject({
      capsChanged: true,
      capsAfter: null,
      testCasesRemoved: ['Big', 'Small'],
    });
    const stored = ok(await gql(t, STORED, { id: draft.ruleSetId })).ruleSet.versions;
    expect(stored.map((v: { number: number; caps: unknown }) => [v.number, v.caps])).toEqual([
      [4, null],
      [3, { fit: 60 }],
      [2, caps],
      [1, caps],
    ]);
  });

  test('test cases run on save, and publishing is refused while one fails', async () => {
    const testCases = [
      { name: 'VP at a big company', facts: { company_size: 1000, job_title: 'VP Sales' }, expectScoreMin: 35 },
      { name: 'Student', facts: { company_size: 1, job_title: 'Student' }, expectScoreMax: 0 },
    ];
    const draft = await givenRuleSetDraft(t, { rules: [bigCompany], testCases });
    const version = ok(
      await gql(t, 'query($id: ID!) { ruleSet(id: $id) { versions { testResults { name passed score } } } }', {
        id: draft.ruleSetId,
      }),
    ).ruleSet.versions[0];
    expect(version.testResults).toEqual([
      { name: 'VP at a big company', passed: false, score: 20 },
      { name: 'Student', passed: true, score: 0 },
    ]);
    const refused = await gql(t, PUBLISH, { id: draft.versionId });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RULE_SET_INVALID', field: 'testCases[0]' });
    expect(await countRows(t, 'rule_set', 'id = $1 AND active_version_id IS NULL', [draft.ruleSetId])).toBe(1);

    const fixed = ok(
      await gql(t, SAVE, { id: draft.ruleSetId, rules: [bigCompany, executive], testCases, base: 1 }),
    ).saveRuleSetDraft;
    expect(fixed.testResults.every((result: { passed: boolean }) => result.passed)).toBe(true);
  });
});

describe('the whole loop through GraphQL: draft, simulate, publish, re-score, explain, roll back', () => {
  test('ops can do it all and every score reconciles with its explanation', async () => {
    const vp = await givenLead(t, { company: 'Globex', companySize: 800, jobTitle: 'VP Marketing' });
    const student = await givenLead(t, { email: `${unique('kid')}@gmail.com`, companySize: 1, jobTitle: 'Student' });
    ok(
      await gql(
        t,
        'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: PAGE_VIEW, metadata: { url: "/pricing" } }) { id } }',
        { id: vp.id },
      ),
    );

    const ruleSetId = await newRuleSet('SCORING');
    const v1 = ok(
      await gql(t, SAVE, {
        id: ruleSetId,
        rules: [bigCompany, executive, pricingViews, freeMail],
        caps: { total: 40 },
      }),
    ).saveRuleSetDraft.version;

    const simulation = ok(
      await gql(
        t,
        `mutation($id: ID!) { simulateRuleSetVersion(versionId: $id) {
          leads leadsChangingStage scoresBefore { max } scoresAfter { leads max bands { from leads } }
          ruleFireRates { rule firedBefore firedAfter rateAfter }
          mostChanged { leadId scoreBefore scoreAfter explanationAfter { score fired { rule points } } }
        } }`,
        { id: v1.id },
      ),
    ).simulateRuleSetVersion;
    expect(simulation.scoresBefore.max).toBe(0);
    expect(simulation.scoresAfter.max).toBe(40); // 20 + 15 + 10 = 45, capped at 40
    expect(simulation.ruleFireRates.find((rate: { rule: string }) => rate.rule === 'Big company')).toMatchObject({
      firedBefore: 0,
      firedAfter: 1,
    });
    expect(simulation.mostChanged[0]).toMatchObject({ leadId: vp.id, scoreBefore: 0, scoreAfter: 40 });
    expect(ok(await gql(t, LEAD, { id: vp.id })).lead.score).toBe(0); // the simulation wrote nothing

    const { jobId } = await publishAndRescore(v1.id);
    const job = ok(
      await gql(t, 'query($id: ID!) { rescoreJob(id: $id) { status total done changed } }', { id: jobId }),
    ).rescoreJob;
    expect(job.status).toBe('DONE');
    expect(job.done).toBe(job.total);
    expect(job.changed).toBeGreaterThanOrEqual(2);
    // The rules page lists it as the latest job, for any role.
    const recent = ok(await gql(t, '{ rescoreJobs(first: 1) { id status done } }', {}, { as: Role.ANALYST }));
    expect(recent.rescoreJobs).toEqual([{ id: jobId, status: 'DONE', done: job.done }]);

    const scored = ok(await gql(t, LEAD, { id: vp.id })).lead;
    expect(scored).toMatchObject({ fitScore: 35, engagementScore: 10, score: 40 });
    const explanation = scored.scoreExplanation;
    expect(explanation.versions).toEqual([expect.objectContaining({ number: 1 })]);
    expect(explanation).toMatchObject({
      rawFit: 35,
      rawEngagement: 10,
      caps: { total: 40 },
      fitScore: 35,
      engagementScore: 10,
      score: 40,
    });
    const fired = explanation.fired
      .map((rule: { rule: string; points: number }) => `${rule.rule}:${rule.points}`)
      .sort();
    expect(fired).toEqual(['Big company:20', 'Executive title:15', 'Looked at pricing:10']);
    expect(explanation.fired.find((rule: { rule: string }) => rule.rule === 'Big company').conditions).toEqual([
      { fact: 'company_size', operator: 'greaterThanInclusive', value: 500, actual: 800, passed: true },
    ]);
    const kid = ok(await gql(t, LEAD, { id: student.id })).lead;
    expect(kid).toMatchObject({ fitScore: -10, engagementScore: 0, score: -10 });

    // v2 drops the executive rule; rolling back to v1 brings it back as version 3.
    const v2 = ok(await gql(t, SAVE, { id: ruleSetId, rules: [bigCompany, pricingViews, freeMail], base: 1 }))
      .saveRuleSetDraft.version;
    await publishAndRescore(v2.id);
    expect(ok(await gql(t, LEAD, { id: vp.id })).lead.score).toBe(30);
    const rollback = ok(
      await gql(
        t,
        'mutation($id: ID!) { rollbackRuleSet(ruleSetId: $id, version: 1) { version { number status checksum } rescoreJob { id } } }',
        {
          id: ruleSetId,
        },
      ),
    ).rollbackRuleSet;
    expect(rollback.version).toMatchObject({ number: 3, status: 'PUBLISHED', checksum: v1.checksum });
    await runRescoreJob(t.dataSource, rollback.rescoreJob.id);
    expect(ok(await gql(t, LEAD, { id: vp.id })).lead.score).toBe(40);
    const statuses = ok(
      await gql(t, 'query($id: ID!) { ruleSet(id: $id) { activeVersion { number } versions { number status } } }', {
        id: ruleSetId,
      }),
    ).ruleSet;
    expect(statuses.activeVersion.number).toBe(3);
    expect(statuses.versions).toEqual([
      { number: 3, status: 'PUBLISHED' },
      { number: 2, status: 'ARCHIVED' },
      { number: 1, status: 'ARCHIVED' },
    ]);
    await retire(ruleSetId);
  });
});

describe('rescoreJobs', () => {
  test('a page size outside 1..50 is BAD_USER_INPUT on first, nothing written', async () => {
    const before = await databaseFingerprint(t);
    for (const first of [0, 51]) {
      const result = await gql(t, 'query($first: Int!) { rescoreJobs(first: $first) { id } }', { first });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    expect(await databaseFingerprint(t)).toEqual(before);
  });
});

describe('bulk re-score', () => {
  test('in small chunks and with two workers on one job, every lead is scored and counted exactly once', async () => {
    const ruleSetId = await newRuleSet('SCORING');
    const v1 = ok(await gql(t, SAVE, { id: ruleSetId, rules: [bigCompany] })).saveRuleSetDraft.version;
    await publishAndRescore(v1.id);
    for (let i = 0; i < 9; i += 1) {
      await givenLead(t, { companySize: i % 2 === 0 ? 900 : 10, jobTitle: i % 3 === 0 ? 'VP Sales' : 'Engineer' });
    }
    const v2 = ok(await gql(t, SAVE, { id: ruleSetId, rules: [bigCompany, executive], base: 1 })).saveRuleSetDraft
      .version;
    const scores = async (): Promise<Map<string, string>> =>
      new Map(
        (
          await t.dataSource.query<Array<{ id: string; scores: string }>>(
            `SELECT id, concat_ws('/', fit_score, engagement_score, score) AS scores FROM lead`,
          )
        ).map((row) => [row.id, row.scores]),
      );
    const before = await scores();
    const jobId = ok(await gql(t, PUBLISH, { id: v2.id })).publishRuleSetVersion.rescoreJob.id;

    // Two workers with different chunk sizes take turns on one job's cursor.
    await Promise.all([runRescoreJob(t.dataSource, jobId, 2), runRescoreJob(t.dataSource, jobId, 3)]);

    const job = ok(
      await gql(t, 'query($id: ID!) { rescoreJob(id: $id) { status total done changed } }', { id: jobId }),
    ).rescoreJob;
    const after = await scores();
    const changed = [...after].filter(([id, value]) => before.get(id) !== value).length;
    expect(changed).toBeGreaterThanOrEqual(3);
    expect(job).toEqual({ status: 'DONE', total: after.size, done: after.size, changed });
    const unscored = await countRows(t, 'lead', `NOT (score_explanation->'versions' @> $1::jsonb)`, [
      JSON.stringify([{ ruleSetVersionId: v2.id }]),
    ]);
    expect(unscored).toBe(0);
    await retire(ruleSetId);
  });

  test('a run stopped for shutdown ends after the chunk in hand, stays RUNNING, and the next run finishes it exactly', async () => {
    const ruleSetId = await newRuleSet('SCORING');
    const v1 = ok(await gql(t, SAVE, { id: ruleSetId, rules: [bigCompany] })).saveRuleSetDraft.version;
    await publishAndRescore(v1.id);
    for (let i = 0; i < 5; i += 1) await givenLead(t, { companySize: 900, jobTitle: 'VP Sales' });
    const v2 = ok(await gql(t, SAVE, { id: ruleSetId, rules: [bigCompany, executive], base: 1 })).saveRuleSetDraft
      .version;
    const jobId = ok(await gql(t, PUBLISH, { id: v2.id })).publishRuleSetVersion.rescoreJob.id;
    const JOB = 'query($id: ID!) { rescoreJob(id: $id) { status total done } }';

    const shutdown = new AbortController();
    shutdown.abort(); // the signal came while the first chunk was being scored
    await runRescoreJob(t.dataSource, jobId, 2, shutdown.signal);
    const paused = ok(await gql(t, JOB, { id: jobId })).rescoreJob;
    expect(paused.status).toBe('RUNNING');
    expect(paused.done).toBe(2); // one whole chunk, committed
    expect(paused.total).toBeGreaterThan(2);

    await runRescoreJob(t.dataSource, jobId, 2);
    const finished = ok(await gql(t, JOB, { id: jobId })).rescoreJob;
    expect(finished).toEqual({ status: 'DONE', total: paused.total, done: paused.total });
    const unscored = await countRows(t, 'lead', `NOT (score_explanation->'versions' @> $1::jsonb)`, [
      JSON.stringify([{ ruleSetVersionId: v2.id }]),
    ]);
    expect(unscored).toBe(0);
    await retire(ruleSetId);
  });
});

/** Takes a rule set out of force so later tests in this file start from no rules. */
async function retire(ruleSetId: string): Promise<void> {
  await t.dataSource.query('UPDATE rule_set SET active_version_id = NULL WHERE id = $1', [ruleSetId]);
}

describe('evaluation inside every lead-changing mutation', () => {
  test('200 concurrent recordActivity calls on one lead leave 200 activities and the score of a fresh evaluation', async () => {
    const ruleSetId = await newRuleSet('SCORING');
    const perView = SCORE_RULE(
      'Each visit counts',
      1,
      { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 1 }] },
      'engagement',
    );
    const many = SCORE_RULE(
      'Many visits',
      5,
      { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 150 }] },
      'engagement',
    );
    const v = ok(
      await gql(t, SAVE, {
        id: ruleSetId,
        rules: [
          { ...perView, priority: 10 },
          { ...many, priority: 1 },
        ],
      }),
    ).saveRuleSetDraft.version;
    await publishAndRescore(v.id);
    const lead = await givenLead(t);
    // Writes to one lead take turns, each waiting at most LOCK_TIMEOUT_MS among at most
    // LEAD_QUEUE_MAX (then LEAD_BUSY, see hardening-locks.test.ts); here all 200 are let wait, to
    // show that the turns serialise every evaluation.
    const limits = { lockTimeoutMs: config.lockTimeoutMs, leadQueueMax: config.leadQueueMax };
    Object.assign(config, { lockTimeoutMs: 60_000, leadQueueMax: 200 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        gql(
          t,
          'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: PAGE_VIEW }) { id } }',
          { id: lead.id },
          { as: Role.MARKETING },
        ),
      ),
    ).finally(() => Object.assign(config, limits));
    expect(results.filter((result) => result.errors)).toEqual([]);
    expect(await countRows(t, 'activity', 'lead_id = $1', [lead.id])).toBe(200);
    const stored = ok(await gql(t, LEAD, { id: lead.id })).lead;
    expect(stored.engagementScore).toBe(6);
    expect(stored.scoreExplanation.fired.map((rule: { rule: string }) => rule.rule).sort()).toEqual([
      'Each visit counts',
      'Many visits',
    ]);
    // A fresh evaluation of the same lead gives the stored score.
    ok(await gql(t, 'mutation($id: ID!) { updateLead(input: { id: $id, jobTitle: "x" }) { id } }', { id: lead.id }));
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.score).toBe(stored.score);
    await retire(ruleSetId);
  });

  test('a mutation whose evaluation fails writes nothing', async () => {
    const ruleSetId = await newRuleSet('SCORING');
    // A version the validator would refuse, written behind its back: the engine fails at run time.
    const [row] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO rule_set_version (rule_set_id, number, status, rules, checksum)
       VALUES ($1, 1, 'PUBLISHED', $2, repeat('0', 64)) RETURNING id`,
      [
        ruleSetId,
        JSON.stringify([
          {
            name: 'Broken',
            conditions: { all: [{ fact: 'company_size', operator: 'noSuchOperator', value: 1 }] },
            event: { type: 'score', params: { points: 1, dimension: 'fit' } },
          },
        ]),
      ],
    );
    await t.dataSource.query('UPDATE rule_set SET active_version_id = $2 WHERE id = $1', [ruleSetId, row!.id]);
    const email = `${unique('atomic')}@example.com`;
    const created = await gql(t, 'mutation($email: String!) { createLead(input: { email: $email }) { id } }', {
      email,
    });
    expect(created.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(created.errors?.[0]?.message).toMatch(/^Internal error \(id [0-9a-f-]{36}\)$/);
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
    await retire(ruleSetId);
    // With the broken version out of force, the same call goes through.
    ok(await gql(t, 'mutation($email: String!) { createLead(input: { email: $email }) { id } }', { email }));
  });

  test('qualification moves forward only, records the rule version, and a rejected lead needs new activity to come back', async () => {
    const scoringId = await newRuleSet('SCORING');
    const qualificationId = await newRuleSet('QUALIFICATION');
    const scoring = ok(await gql(t, SAVE, { id: scoringId, rules: [bigCompany, executive] })).saveRuleSetDraft.version;
    const qualify = (stage: string, rank: number, min: number) => ({
      name: `${stage} at ${min}`,
      conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: min }] },
      event: { type: 'qualify', params: { stage, rank, reason: `score ${min}+` } },
    });
    const qualification = ok(
      await gql(t, SAVE, {
        id: qualificationId,
        rules: [qualify('mql', 1, 30)],
        testCases: [
          { name: 'hot', facts: { score: 35 }, expectStage: 'mql' },
          { name: 'cold', facts: { score: 5 }, expectStage: null },
        ],
      }),
    ).saveRuleSetDraft;
    expect(qualification.testResults.map((r: { passed: boolean }) => r.passed)).toEqual([true, true]);
    await publishAndRescore(scoring.id);
    await publishAndRescore(qualification.version.id);

    const hot = await givenLead(t, { companySize: 900, jobTitle: 'Head of Ops' });
    const lead = ok(await gql(t, LEAD, { id: hot.id })).lead;
    expect(lead.stage.key).toBe('mql');
    expect(lead.stageHistory[1]).toMatchObject({
      from: { key: 'lead' },
      to: { key: 'mql' },
      cause: 'RULE',
      reason: 'rule "mql at 30": score 30+',
    });
    const [transition] = await t.dataSource.query(
      'SELECT rule_set_version_id FROM stage_transition WHERE lead_id = $1 AND cause = $2',
      [hot.id, 'RULE'],
    );
    expect(transition.rule_set_version_id).toBe(qualification.version.id);

    // Sales set a later stage by hand: no rule undoes it.
    ok(
      await gql(
        t,
        'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "opportunity") { id } }',
        { id: hot.id },
        { as: Role.SALES },
      ),
    );
    ok(
      await gql(t, 'mutation($id: ID!) { updateLead(input: { id: $id, company: "Still hot" }) { id } }', {
        id: hot.id,
      }),
    );
    expect(ok(await gql(t, LEAD, { id: hot.id })).lead.stage.key).toBe('opportunity');

    // Rejected by sales: back to nurture, and it stays there until the lead does something new.
    const other = await givenLead(t, { companySize: 900, jobTitle: 'VP Finance' });
    expect(ok(await gql(t, LEAD, { id: other.id })).lead.stage.key).toBe('mql');
    ok(
      await gql(
        t,
        'mutation($id: ID!) { submitFeedback(input: { leadId: $id, kind: LEAD_QUALITY, disposition: REJECTED, rejectionReason: NO_BUDGET }) { id } }',
        { id: other.id },
        { as: Role.SALES },
      ),
    );
    expect(ok(await gql(t, LEAD, { id: other.id })).lead.stage.key).toBe('lead');
    ok(
      await gql(t, 'mutation($id: ID!) { updateLead(input: { id: $id, company: "Edited" }) { id } }', { id: other.id }),
    );
    expect(ok(await gql(t, LEAD, { id: other.id })).lead.stage.key).toBe('lead');
    ok(
      await gql(t, 'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: WEBINAR_ATTENDED }) { id } }', {
        id: other.id,
      }),
    );
    expect(ok(await gql(t, LEAD, { id: other.id })).lead.stage.key).toBe('mql');
    await retire(scoringId);
    await retire(qualificationId);
  });
});

describe('what the rules do not count', () => {
  const qualifyAt = (min: number) => ({
    name: `mql at ${min}`,
    conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: min }] },
    event: { type: 'qualify', params: { stage: 'mql', rank: 1 } },
  });
  const visitedThisWeek = SCORE_RULE(
    'Visited this week',
    10,
    { all: [{ fact: 'page_view_count_7d', operator: 'greaterThanInclusive', value: 1 }] },
    'engagement',
  );
  const ACTIVITY =
    'mutation($id: ID!, $type: ActivityType!) { recordActivity(input: { leadId: $id, type: $type }) { id } }';

  /** A scoring and a qualification rule set, each with one published version, re-scored. */
  async function publishRules(
    scoringRules: unknown[],
    qualificationRules: unknown[],
  ): Promise<{ scoringId: string; qualificationId: string; qualification: { id: string } }> {
    const scoringId = await newRuleSet('SCORING');
    const qualificationId = await newRuleSet('QUALIFICATION');
    const scoring = ok(await gql(t, SAVE, { id: scoringId, rules: scoringRules })).saveRuleSetDraft.version;
    const qualification = ok(await gql(t, SAVE, { id: qualificationId, rules: qualificationRules })).saveRuleSetDraft
      .version;
    await publishAndRescore(scoring.id);
    await publishAndRescore(qualification.id);
    return { scoringId, qualificationId, qualification };
  }

  test('Lead.version does not move on re-scores: a form opened before the nightly re-score still saves', async () => {
    const { scoringId, qualificationId } = await publishRules([visitedThisWeek], [qualifyAt(10)]);
    const lead = await givenLead(t, { companySize: 10 });
    const opened = ok(await gql(t, LEAD, { id: lead.id })).lead;
    expect(opened).toMatchObject({ score: 0, stage: { key: 'lead' } });

    // Activity-triggered scoring and the rules' own stage move.
    ok(await gql(t, ACTIVITY, { id: lead.id, type: 'PAGE_VIEW' }));
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead).toMatchObject({
      score: 10,
      stage: { key: 'mql' },
      version: opened.version,
    });
    // A publish re-scores every lead.
    const more = ok(
      await gql(t, SAVE, {
        id: scoringId,
        rules: [
          visitedThisWeek,
          {
            ...bigCompany,
            name: 'Small company',
            conditions: { all: [{ fact: 'company_size', operator: 'lessThan', value: 50 }] },
          },
        ],
        base: 1,
      }),
    ).saveRuleSetDraft.version;
    await publishAndRescore(more.id);
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead).toMatchObject({ score: 30, version: opened.version });
    // The nightly re-score, after the visit aged out of the 7-day window.
    await t.dataSource.query("UPDATE activity SET occurred_at = occurred_at - interval '8 days' WHERE lead_id = $1", [
      lead.id,
    ]);
    const nightly = await inTransaction(systemContext(t.dataSource), (tx) => createRescoreJob(tx, 'daily', null));
    await runRescoreJob(t.dataSource, nightly.id);
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead).toMatchObject({ score: 20, version: opened.version });

    // The form saves with the version it was opened with; the edit is what moves the version.
    const saved = ok(
      await gql(
        t,
        'mutation($id: ID!, $v: Int!) { updateLead(input: { id: $id, company: "Opened yesterday", expectedVersion: $v }) { company version } }',
        { id: lead.id, v: opened.version },
      ),
    ).updateLead;
    expect(saved).toEqual({ company: 'Opened yesterday', version: opened.version + 1 });
    await retire(scoringId);
    await retire(qualificationId);
  });

  test('a simulation predicts what publishing would do now: its before is the stored score, so aged facts show', async () => {
    const scoringId = await newRuleSet('SCORING');
    const scoring = ok(await gql(t, SAVE, { id: scoringId, rules: [visitedThisWeek] })).saveRuleSetDraft.version;
    await publishAndRescore(scoring.id);
    const lead = await givenLead(t, { companySize: 10 });
    ok(await gql(t, ACTIVITY, { id: lead.id, type: 'PAGE_VIEW' }));
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.score).toBe(10);
    // A week later the visit has aged out of the 7-day window; no re-score has run yet.
    await t.dataSource.query("UPDATE activity SET occurred_at = occurred_at - interval '8 days' WHERE lead_id = $1", [
      lead.id,
    ]);
    const renamed = {
      ...visitedThisWeek,
      event: { type: 'score', params: { points: 10, dimension: 'engagement', reason: 'recent visit' } },
    };
    const draft = ok(await gql(t, SAVE, { id: scoringId, rules: [renamed], base: 1 })).saveRuleSetDraft.version;
    const simulation = ok(
      await gql(
        t,
        `mutation($id: ID!) { simulateRuleSetVersion(versionId: $id) {
          scoresBefore { max } mostChanged { leadId scoreBefore scoreAfter stageBefore stageAfter explanationBefore { score } explanationAfter { score } }
        } }`,
        { id: draft.id },
      ),
    ).simulateRuleSetVersion;
    const predicted = simulation.mostChanged.find((changed: { leadId: string }) => changed.leadId === lead.id);
    expect(predicted).toEqual({
      leadId: lead.id,
      scoreBefore: 10,
      scoreAfter: 0,
      stageBefore: 'lead',
      stageAfter: 'lead',
      explanationBefore: { score: 10 },
      explanationAfter: { score: 0 },
    });
    expect(simulation.scoresBefore.max).toBeGreaterThanOrEqual(10);
    // Publishing does exactly what was predicted, for every lead reported.
    await publishAndRescore(draft.id);
    for (const changed of simulation.mostChanged as Array<{ leadId: string; scoreAfter: number }>) {
      expect(ok(await gql(t, LEAD, { id: changed.leadId })).lead.score).toBe(changed.scoreAfter);
    }
    await retire(scoringId);
  });

  test('lead quality by rule-set version counts every handed-over lead; the hand-over and accepted stages come from configuration', async () => {
    const { scoringId, qualificationId, qualification } = await publishRules([bigCompany], [qualifyAt(20)]);
    const campaign = await givenCampaign(t);
    const byRule = await givenLead(t, { companySize: 900, campaignId: campaign.id });
    expect(byRule.stage.key).toBe('mql');
    const createdInSql = await givenLead(t, { campaignId: campaign.id, stage: 'sql' }, Role.OPS);
    expect(createdInSql.stage.key).toBe('sql');
    const movedPast = await givenLead(t, { campaignId: campaign.id });
    ok(
      await gql(t, 'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "opportunity") { id } }', {
        id: movedPast.id,
      }),
    );
    await givenLead(t, { campaignId: campaign.id }); // never handed over
    const QUALITY = `query($filter: LeadCohortFilter) { leadQuality(filter: $filter) {
      total { leads handedOver reachedSqlShare } byRuleSetVersion { ruleSetVersionId leads handedOver }
    } }`;
    const report = ok(await gql(t, QUALITY, { filter: { campaignId: campaign.id } }, { as: Role.ANALYST })).leadQuality;
    expect(report.total).toEqual({ leads: 4, handedOver: 3, reachedSqlShare: 2 / 3 });
    expect(report.byRuleSetVersion).toEqual([
      { ruleSetVersionId: null, leads: 2, handedOver: 2 },
      { ruleSetVersionId: qualification.id, leads: 1, handedOver: 1 },
    ]);

    // Another funnel agreement: hand-over at `sql`, accepted at `opportunity`.
    const saved = { ...config };
    Object.assign(config, { handoverStageKey: 'sql', acceptedStageKey: 'opportunity' });
    try {
      const moved = ok(
        await gql(t, QUALITY, { filter: { campaignId: campaign.id } }, { as: Role.ANALYST }),
      ).leadQuality;
      expect(moved.total).toEqual({ leads: 4, handedOver: 2, reachedSqlShare: 1 / 2 });
      expect(moved.byRuleSetVersion).toEqual([{ ruleSetVersionId: null, leads: 2, handedOver: 2 }]);
    } finally {
      Object.assign(config, saved);
    }
    await retire(scoringId);
    await retire(qualificationId);
  });

  test('a lead sales rejected re-qualifies only after its own activity: sales’ calls, emails and meetings do not count', async () => {
    const { scoringId, qualificationId } = await publishRules([bigCompany], [qualifyAt(20)]);
    const lead = await givenLead(t, { companySize: 900 });
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.stage.key).toBe('mql');
    ok(
      await gql(
        t,
        'mutation($id: ID!) { submitFeedback(input: { leadId: $id, kind: LEAD_QUALITY, disposition: REJECTED, rejectionReason: NO_BUDGET }) { id } }',
        { id: lead.id },
        { as: Role.SALES },
      ),
    );
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.stage.key).toBe('lead');
    for (const type of ['CALL', 'EMAIL_SENT', 'MEETING']) {
      ok(await gql(t, ACTIVITY, { id: lead.id, type }, { as: Role.SALES }));
      expect(ok(await gql(t, LEAD, { id: lead.id })).lead.stage.key).toBe('lead');
    }
    const nightly = await inTransaction(systemContext(t.dataSource), (tx) => createRescoreJob(tx, 'daily', null));
    await runRescoreJob(t.dataSource, nightly.id);
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.stage.key).toBe('lead');

    ok(await gql(t, ACTIVITY, { id: lead.id, type: 'EMAIL_CLICK' }));
    expect(ok(await gql(t, LEAD, { id: lead.id })).lead.stage.key).toBe('mql');
    await retire(scoringId);
    await retire(qualificationId);
  });
});

describe('engine pool', () => {
  test('overlapping runs of one version never skip a rule', async () => {
    const version = compileVersion({
      id: 'pool',
      ruleSetId: 'pool',
      ruleSetName: 'pool',
      kind: 'SCORING' as never,
      number: 1,
      caps: null,
      rules: [
        {
          ...SCORE_RULE('High priority', 1, { all: [{ fact: 'company_size', operator: 'greaterThan', value: 0 }] }),
          priority: 10,
        },
        {
          ...SCORE_RULE('Low priority', 1, { all: [{ fact: 'company_size', operator: 'greaterThan', value: 0 }] }),
          priority: 1,
        },
      ],
    });
    const runs = await Promise.all(Array.from({ length: 200 }, () => runVersion(version, { company_size: 10 })));
    expect(runs.filter((run) => run.fired.length !== 2)).toHaveLength(0);
  });
});

describe('facts', () => {
  test('the catalog lists every fact with its type and operators', async () => {
    const facts = ok(
      await gql(t, '{ factCatalog { name type operators source } }', {}, { as: Role.ANALYST }),
    ).factCatalog;
    const byName = new Map(facts.map((fact: { name: string }) => [fact.name, fact]));
    expect(byName.get('page_view_count_30d')).toMatchObject({ type: 'number', source: 'activity' });
    expect(byName.get('demo_request_count_7d')).toMatchObject({ type: 'number' });
    expect(byName.get('days_since_last_activity')).toMatchObject({ type: 'number' });
    expect(byName.get('days_in_stage')).toMatchObject({ type: 'number' });
    expect(byName.get('latest_feedback_disposition')).toMatchObject({ type: 'string' });
    expect(byName.get('attributes.<key>')).toMatchObject({ type: 'any', source: 'attribute' });
    expect((byName.get('job_title') as { operators: string[] }).operators).toContain('textContainsAny');
  });
});

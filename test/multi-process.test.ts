import request from 'supertest';
import {
  SCORE_RULE,
  givenLead,
  givenRuleSetDraft,
  gql,
  ok,
  startServerProcess,
  startTestApp,
  type ServerProcess,
  type TestApp,
  until,
} from './helpers';

let t: TestApp;
let second: ServerProcess;

async function viaSecond(query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await request(second.baseUrl)
    .post('/graphql')
    .set('Authorization', `Bearer ${t.tokens.OPS}`)
    .send({ query, variables });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
}

beforeAll(async () => {
  t = await startTestApp();
  // A second server process on the same database, started as `npm start` starts one.
  second = await startServerProcess(t.url);
}, 90_000);

afterAll(async () => {
  await second.stop();
  await t.close();
});

const PUBLISH = 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { rescoreJob { id } } }';
const SCORE = 'query($id: ID!) { lead(id: $id) { score scoreExplanation { versions { number } } } }';

test('a publish in one process re-scores in the background worker and both processes score with the new version', async () => {
  const lead = await givenLead(t, { companySize: 600 });
  const v1 = await givenRuleSetDraft(t, {
    rules: [
      SCORE_RULE('Big company', 20, { all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }] }),
    ],
  });

  // Published through the second process: its queue runs the re-score of every lead.
  const { rescoreJob } = (await viaSecond(PUBLISH, { id: v1.versionId })).publishRuleSetVersion;
  const job = await until(
    async () =>
      ok(await gql(t, 'query($id: ID!) { rescoreJob(id: $id) { status done total } }', { id: rescoreJob.id }))
        .rescoreJob,
    (value) => value.status === 'DONE',
    30_000,
  );
  expect(job).toMatchObject({ status: 'DONE' });
  expect(job.done).toBe(job.total);
  expect(ok(await gql(t, SCORE, { id: lead.id })).lead.score).toBe(20);

  // Version 2, published in this process: the other process scores with it at once.
  const saved = ok(
    await gql(
      t,
      'mutation($id: ID!, $rules: JSON!) { saveRuleSetDraft(ruleSetId: $id, rules: $rules, baseVersion: 1) { version { id } } }',
      {
        id: v1.ruleSetId,
        rules: [
          SCORE_RULE('Big company', 35, {
            all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }],
          }),
        ],
      },
    ),
  ).saveRuleSetDraft.version;
  ok(await gql(t, PUBLISH, { id: saved.id }));
  const created = await viaSecond(
    'mutation { createLead(input: { email: "second.process@example.com", companySize: 900 }) { id score } }',
    {},
  );
  expect(created.createLead.score).toBe(35);
  const scored = await viaSecond(SCORE, { id: created.createLead.id });
  expect(scored.lead.scoreExplanation.versions).toEqual([{ number: 2 }]);
}, 90_000);

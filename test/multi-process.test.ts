import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { SCORE_RULE, givenLead, givenRuleSetDraft, gql, ok, startTestApp, type TestApp } from './helpers';

let t: TestApp;
let second: ChildProcess;
const port = 4600 + (process.pid % 300);
const secondUrl = `http://127.0.0.1:${port}`;

/** A second server process on the same database, started as `npm start` starts one. */
async function startSecondServer(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '..', 'src', 'main.ts')],
    {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: t.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      const res = await request(secondUrl).get('/readyz');
      if (res.status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the second server did not start');
}

async function viaSecond(query: string, variables: Record<string, unknown>): Promise<any> {
  const res = await request(secondUrl)
    .post('/graphql')
    .set('Authorization', `Bearer ${t.tokens.OPS}`)
    .send({ query, variables });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  t = await startTestApp();
  second = await startSecondServer();
}, 90_000);

afterAll(async () => {
  second.kill('SIGTERM');
  await new Promise((resolve) => second.once('exit', resolve));
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

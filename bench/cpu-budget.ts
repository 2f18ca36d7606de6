import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import {
  STARTER_QUALIFICATION_RULES,
  STARTER_QUALIFICATION_TESTS,
  STARTER_SCORING_RULES,
  STARTER_SCORING_TESTS,
} from '../src/demo/starter-rules';
import { config } from '../src/config';
import type { Context } from '../src/context';
import { Role, RuleSetKind } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { closeRulePool } from '../src/rules/rule-pool';
import { createApp } from '../src/server';
import { runRescoreJob } from '../src/services/rescore.service';
import { createRuleSet, publishRuleSetVersion, saveRuleSetDraft } from '../src/services/rule-set.service';
import { issueTokenFor } from '../src/services/user.service';
import { benchDatabase, percentile } from './bench-db';
import { reset, seed } from './rules';

/**
 * Issue 11, item 1: how fast an unrelated read is answered while the API does its heaviest
 * allowed rule work: `validateRules` at the cost limits with 50 test cases (two callers at once,
 * as in the attack), and a re-score of 100,000 leads. Over HTTP on loopback, one read at a time.
 */

const PROBE_QUERY = 'query($id: ID!) { lead(id: $id) { id score stage { key } } }';

/** The heaviest scoring rule set the default cost limits allow (as in test/cpu-budget.test.ts). */
function heaviestAllowed(): unknown[] {
  const filler = (index: number): string => `zz-${index}-`.padEnd(45, 'x');
  return Array.from({ length: 200 }, (_, rule) => ({
    name: `Rule ${rule}`,
    conditions: {
      all: [
        {
          fact: 'country',
          operator: 'in',
          value: ['DE', ...Array.from({ length: 9 }, (_, i) => filler(rule * 10 + i))],
        },
        { fact: 'company_size', operator: 'greaterThanInclusive', value: 50 },
        { fact: 'industry', operator: 'notEqual', value: `not-${rule}` },
        { fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 0 },
        { fact: 'is_free_email', operator: 'equal', value: false },
      ],
    },
    event: { type: 'score', params: { points: 1, dimension: 'fit', reason: `rule ${rule}` } },
  }));
}

const TEST_CASES = Array.from({ length: 50 }, (_, index) => ({
  name: `case ${index}`,
  facts: { country: index % 2 ? 'DE' : 'FR', company_size: 10 * index },
  expectScoreMin: 0,
}));

async function post(url: string, token: string, query: string, variables: unknown): Promise<{ errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { errors?: unknown[] };
}

/** Reads one lead, one request after another, until `work` settles; at most `maxMs`. */
async function probeDuring<T>(
  url: string,
  token: string,
  leadId: string,
  work: Promise<T>,
): Promise<{ result: T; latencies: number[]; ms: number }> {
  const started = performance.now();
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  const latencies: number[] = [];
  while (!settled) {
    const begin = performance.now();
    const answer = await post(url, token, PROBE_QUERY, { id: leadId });
    if (answer.errors) throw new Error(`probe failed: ${JSON.stringify(answer.errors)}`);
    latencies.push(performance.now() - begin);
  }
  return { result: await done, latencies, ms: performance.now() - started };
}

const idle = (ms: number): Promise<boolean> => new Promise((resolve) => setTimeout(() => resolve(true), ms));

function row(what: string, latencies: number[], ms: number, note: string): string {
  return `| ${what} | ${(ms / 1000).toFixed(1)} s | ${latencies.length} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 99).toFixed(1)} ms | ${Math.max(...latencies).toFixed(1)} ms | ${note} |`;
}

function context(dataSource: DataSource, user: Context['user'] = null): Context {
  return { requestId: 'bench', user, dataSource, loaders: createLoaders(dataSource) };
}

export async function main(): Promise<string> {
  const db = await benchDatabase('rules');
  const { dataSource } = db;
  const server = http.createServer();
  try {
    await seed(dataSource);
    await reset(dataSource);
    const ops = await issueTokenFor(context(dataSource), 'bench-ops', Role.OPS);
    const analyst = await issueTokenFor(context(dataSource), 'bench-analyst', Role.ANALYST);
    const sales = await issueTokenFor(context(dataSource), 'bench-sales', Role.SALES);
    const ctx = context(dataSource, { id: ops.user.id, name: ops.user.name, role: Role.OPS });
    const { app, apollo } = await createApp(dataSource, {
      rateLimits: { mutationsPerMinute: 0, metricsPerMinute: 0, ruleWorkPerMinute: 0 },
    });
    server.on('request', app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const [lead] = await dataSource.query<Array<{ id: string }>>('SELECT id FROM lead ORDER BY id LIMIT 1');
    const leadId = lead!.id;

    const rows: string[] = [];
    const quiet = await probeDuring(url, sales.token, leadId, idle(5000));
    rows.push(row('nothing else (baseline)', quiet.latencies, quiet.ms, ''));

    // Two analysts validating the heaviest allowed rule set with 50 test cases, three rounds each.
    const validations: number[] = [];
    const validate = async (): Promise<void> => {
      for (let round = 0; round < 3; round += 1) {
        const begin = performance.now();
        const answer = await post(
          url,
          analyst.token,
          'query($rules: JSON!, $testCases: JSON) { validateRules(kind: SCORING, rules: $rules, testCases: $testCases) { valid } }',
          { rules: heaviestAllowed(), testCases: TEST_CASES },
        );
        if (answer.errors) throw new Error(`validateRules failed: ${JSON.stringify(answer.errors)}`);
        validations.push(performance.now() - begin);
      }
    };
    const during = await probeDuring(url, sales.token, leadId, Promise.all([validate(), validate()]));
    rows.push(
      row(
        'two callers each running `validateRules` 3 times (heaviest allowed set, 50 test cases)',
        during.latencies,
        during.ms,
        `each call p50 ${percentile(validations, 50).toFixed(0)} ms`,
      ),
    );

    // A re-score of every lead with the starter rule sets in force (the daily job's work).
    const publish = async (
      name: string,
      kind: RuleSetKind,
      rules: unknown[],
      testCases: unknown[],
    ): Promise<string> => {
      const ruleSet = await createRuleSet(ctx, { name, kind });
      const caps = kind === RuleSetKind.SCORING ? { fit: 60, engagement: 60, total: 100 } : null;
      const { version } = await saveRuleSetDraft(ctx, { ruleSetId: ruleSet.id, rules, caps, testCases });
      return (await publishRuleSetVersion(ctx, version.id)).rescoreJob.id;
    };
    await publish(
      'MQL qualification',
      RuleSetKind.QUALIFICATION,
      STARTER_QUALIFICATION_RULES,
      STARTER_QUALIFICATION_TESTS,
    );
    const scoringJob = await publish('Lead scoring', RuleSetKind.SCORING, STARTER_SCORING_RULES, STARTER_SCORING_TESTS);
    const starter = await probeDuring(url, sales.token, leadId, runRescoreJob(dataSource, scoringJob));
    rows.push(
      row(
        `re-score of ${starter.result.total.toLocaleString('en')} leads, starter rule sets (first publish: every score changes)`,
        starter.latencies,
        starter.ms,
        `${Math.round(starter.result.total / (starter.ms / 1000)).toLocaleString('en')} leads/s`,
      ),
    );

    const [size] = await dataSource.query<Array<{ max: number; avg: number }>>(
      'SELECT max(octet_length(score_explanation::text))::int AS max, avg(octet_length(score_explanation::text))::int AS avg FROM lead',
    );
    await apollo.stop();

    return `## CPU budget: reads while rule work runs

Data: 100,000 leads, 500,000 activities. An unrelated read (\`lead(id) { id score stage { key } }\` as SALES) is sent over HTTP on loopback, one after another, while the work runs in the same server process; rate limits off; ${config.ruleWork.workerThreads} rule worker threads.

| while the server runs | wall time | reads answered | read p50 | read p99 | read max | note |
|---|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

The heaviest allowed rule set is the default cost limit: 200 rules, 1,000 conditions, 2,000 \`in\` values of 45 characters. Before this change one such \`validateRules\` cost 4.5 s on the event loop and a re-score evaluated 1,000 leads in one synchronous slice (reads waited up to 8.3 s); now validation, test cases and re-score chunks run in worker threads and the event loop only reads facts and writes scores. After the re-score the stored explanations are at most ${size?.max ?? 0} bytes as jsonb text (average ${size?.avg ?? 0}; bound EXPLANATION_MAX_BYTES = ${config.ruleWork.explanationMaxBytes}).`;
  } finally {
    server.close();
    await closeRulePool();
    await db.close();
  }
}

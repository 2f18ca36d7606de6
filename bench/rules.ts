import { performance } from 'node:perf_hooks';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import {
  STARTER_QUALIFICATION_RULES,
  STARTER_QUALIFICATION_TESTS,
  STARTER_SCORING_RULES,
  STARTER_SCORING_TESTS,
} from '../src/demo/starter-rules';
import type { Context } from '../src/context';
import { Role, RuleSetKind } from '../src/entities/enums';
import { createLoaders } from '../src/loaders';
import { evaluate } from '../src/rules/evaluate';
import { loadLeadStates } from '../src/rules/facts';
import { ruleCache } from '../src/rules/rule-cache';
import { createApp } from '../src/server';
import { RESCORE_CHUNK, createRescoreJob, runRescoreJob } from '../src/services/rescore.service';
import { createRuleSet, publishRuleSetVersion, saveRuleSetDraft } from '../src/services/rule-set.service';
import { explanationBounds } from '../src/services/rule-work.service';
import { scoreLeads } from '../src/services/scoring.service';
import { inTransaction } from '../src/services/transaction';
import { issueTokenFor } from '../src/services/user.service';
import { benchDatabase, percentile } from './bench-db';

const LEADS = Number(process.env.BENCH_LEADS ?? 100_000);

function context(dataSource: DataSource, user: Context['user'] = null): Context {
  return { requestId: 'bench', user, dataSource, loaders: createLoaders(dataSource) };
}

/** 100,000 leads with five activities each over 90 days, loaded once in SQL. */
export async function seed(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM lead');
  if ((row?.count ?? 0) >= LEADS) return;
  process.stderr.write(`seeding ${LEADS} leads with ${LEADS * 5} activities...\n`);
  await dataSource.query(`
    INSERT INTO lead (email, first_name, job_title, company, industry, company_size, country, stage_id, version, created_at, stage_entered_at)
    SELECT 'bench' || g || '@' || CASE WHEN g % 10 = 0 THEN 'gmail.com' ELSE 'co' || (g % 5000) || '.com' END,
      'Lead ' || g,
      (ARRAY['VP Sales','Head of IT','Engineer','Student','CFO','Marketing Manager','Director of Operations','Analyst'])[1 + g % 8],
      'Company ' || (g % 5000),
      (ARRAY['Software','Healthcare','Retail & E-commerce','Manufacturing','Education'])[1 + g % 5],
      (ARRAY[5, 50, 150, 600, 2500])[1 + (g * 7) % 5],
      (ARRAY['US','DE','GB','FR','IN','BR'])[1 + g % 6],
      (SELECT id FROM funnel_stage WHERE key = 'lead'), 1,
      now() - (g % 180) * interval '1 day', now() - (g % 180) * interval '1 day'
    FROM generate_series(1, ${LEADS}) g`);
  await dataSource.query(
    `INSERT INTO stage_transition (lead_id, to_stage_id, at, cause) SELECT id, stage_id, created_at, 'IMPORT' FROM lead`,
  );
  await dataSource.query(`
    INSERT INTO activity (lead_id, type, occurred_at, metadata)
    SELECT l.id,
      (ARRAY['PAGE_VIEW','PAGE_VIEW','EMAIL_OPEN','EMAIL_CLICK','CONTENT_DOWNLOAD','WEBINAR_ATTENDED','DEMO_REQUEST','PAGE_VIEW']::activity_type[])[1 + abs(hashtext(l.id::text || n)) % 8],
      now() - (abs(hashtext(l.id::text || n || 't')) % 90) * interval '1 day',
      jsonb_build_object('url', CASE WHEN n % 3 = 0 THEN '/pricing' ELSE '/blog' END)
    FROM lead l, generate_series(1, 5) n`);
  await dataSource.query('ANALYZE');
}

/** Back to no rules and unscored leads, so every run measures the same work. */
export async function reset(dataSource: DataSource): Promise<void> {
  await dataSource.query(`DELETE FROM stage_transition WHERE cause = 'RULE'`);
  await dataSource.query(
    `UPDATE lead SET stage_id = (SELECT id FROM funnel_stage WHERE key = 'lead'), fit_score = 0, engagement_score = 0, score = 0,
       score_explanation = NULL, scored_at = NULL`,
  );
  await dataSource.query('UPDATE rule_set SET active_version_id = NULL');
  await dataSource.query('DELETE FROM rule_set_version');
  await dataSource.query('DELETE FROM rule_set');
  await dataSource.query('DELETE FROM rescore_job');
}

async function publish(
  ctx: Context,
  name: string,
  kind: RuleSetKind,
  rules: unknown[],
  testCases: unknown[],
): Promise<string> {
  const ruleSet = await createRuleSet(ctx, { name, kind });
  const caps = kind === RuleSetKind.SCORING ? { fit: 60, engagement: 60, total: 100 } : null;
  const { version } = await saveRuleSetDraft(ctx, { ruleSetId: ruleSet.id, rules, caps, testCases });
  return (await publishRuleSetVersion(ctx, version.id)).rescoreJob.id;
}

export async function main(): Promise<string> {
  const db = await benchDatabase('rules');
  const { dataSource } = db;
  try {
    await seed(dataSource);
    await reset(dataSource);
    const ops = await issueTokenFor(context(dataSource), 'bench-ops', Role.OPS);
    const ctx = context(dataSource, { id: ops.user.id, name: ops.user.name, role: Role.OPS });
    const scoringJob = await publish(
      ctx,
      'Lead scoring',
      RuleSetKind.SCORING,
      STARTER_SCORING_RULES,
      STARTER_SCORING_TESTS,
    );
    const first = await runRescoreJob(dataSource, scoringJob);
    const qualificationJob = await publish(
      ctx,
      'MQL qualification',
      RuleSetKind.QUALIFICATION,
      STARTER_QUALIFICATION_RULES,
      STARTER_QUALIFICATION_TESTS,
    );
    await runRescoreJob(dataSource, qualificationJob);

    // The daily re-score with both rule sets in force: the steady-state bulk workload.
    const daily = await inTransaction(ctx, (tx) => createRescoreJob(tx, 'daily', null));
    let started = performance.now();
    const job = await runRescoreJob(dataSource, daily.id);
    const bulkSeconds = (performance.now() - started) / 1000;

    // The rule engines alone on the same leads' facts, in memory, one core.
    const ids = (await dataSource.query<Array<{ id: string }>>('SELECT id FROM lead ORDER BY id LIMIT 20000')).map(
      (row) => row.id,
    );
    const states = await loadLeadStates(dataSource, ids, new Date());
    const rules = await ruleCache.active(dataSource);
    const rate = async (mode: 'engine' | 'fast'): Promise<number> => {
      const begin = performance.now();
      for (const state of states)
        await evaluate(rules.scoring, rules.qualification, state.facts, new Date(), mode, explanationBounds());
      return states.length / ((performance.now() - begin) / 1000);
    };
    await rate('engine');
    const engineRate = await rate('engine');
    const fastRate = await rate('fast');

    // One lead inside a mutation: recordActivity over HTTP, and the evaluation step alone.
    const { app, apollo } = await createApp(dataSource);
    const mutationMs: number[] = [];
    const evaluationMs: number[] = [];
    for (let i = 0; i < 400; i += 1) {
      const leadId = ids[i % ids.length]!;
      started = performance.now();
      const res = await request(app)
        .post('/graphql')
        .set('Authorization', `Bearer ${ops.token}`)
        .send({
          query: 'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: PAGE_VIEW }) { id } }',
          variables: { id: leadId },
        });
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      if (i >= 50) mutationMs.push(performance.now() - started);
      started = performance.now();
      await inTransaction(ctx, async (tx) => {
        await tx.manager!.query('SELECT id FROM lead WHERE id = $1 FOR UPDATE', [leadId]);
        await scoreLeads(tx, [leadId]);
      });
      if (i >= 50) evaluationMs.push(performance.now() - started);
    }
    await apollo.stop();

    const share = (part: number): string => `${Math.round((100 * part) / (job.engineMs + job.databaseMs))}%`;
    return `## Rules: scoring and qualification

Data: ${job.total.toLocaleString('en-US')} leads, ${(job.total * 5).toLocaleString('en-US')} activities; the starter rule sets (${STARTER_SCORING_RULES.length} scoring rules with caps, ${STARTER_QUALIFICATION_RULES.length} qualification rules) in force.

| what | result |
|---|---|
| bulk re-score of every lead (daily job: facts query, evaluation, score + explanation writes, chunks of ${RESCORE_CHUNK}, the next chunk loading while one is evaluated) | **${Math.round(job.total / bulkSeconds).toLocaleString('en-US')} leads/s** (${bulkSeconds.toFixed(1)} s for ${job.total.toLocaleString('en-US')}) |
| share of the work in the rules / in the database (the two overlap, so each is a share of their sum, not of the wall time) | ${share(job.engineMs)} / ${share(job.databaseMs)} |
| first publish of the scoring set (every lead's scores change) | ${Math.round(first.total / (((first.finishedAt?.getTime() ?? 0) - (first.startedAt?.getTime() ?? 0)) / 1000)).toLocaleString('en-US')} leads/s |
| json-rules-engine alone, in memory, one core (both rule sets) | ${Math.round(engineRate).toLocaleString('en-US')} leads/s |
| compiled rules alone, in memory, one core (both rule sets) | ${Math.round(fastRate).toLocaleString('en-US')} leads/s (${(fastRate / engineRate).toFixed(1)}× the engine) |
| \`recordActivity\` mutation over HTTP, rules evaluated in its transaction (350 calls) | p50 ${percentile(mutationMs, 50).toFixed(1)} ms, p99 ${percentile(mutationMs, 99).toFixed(1)} ms |
| the evaluation step alone in a transaction (lock, facts query, json-rules-engine, write) | p50 ${percentile(evaluationMs, 50).toFixed(1)} ms, p99 ${percentile(evaluationMs, 99).toFixed(1)} ms |

Bulk work uses the compiled rules (one lead in 50 is re-run through json-rules-engine as a check); mutations use json-rules-engine. The database runs on the same two cores as the benchmark.`;
  } finally {
    await db.close();
  }
}

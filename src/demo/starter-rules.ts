import type { DataSource } from 'typeorm';
import { Role, RuleSetKind } from '../entities/enums';
import { createLoaders } from '../loaders';
import type { Context } from '../context';
import { runRescoreJob } from '../services/rescore.service';
import { createRuleSet, publishRuleSetVersion, saveRuleSetDraft } from '../services/rule-set.service';

/**
 * A starter scoring and qualification rule set a marketing team would recognise: who the lead is
 * (title, company size, industry, country, email domain) and what they did (page views, the
 * pricing page, a demo request, a webinar, recency). Ops edit them through GraphQL from here.
 */
const fit = (name: string, points: number, conditions: unknown, reason: string): Record<string, unknown> => ({
  name,
  conditions,
  event: { type: 'score', params: { points, dimension: 'fit', reason } },
});
const engagement = (name: string, points: number, conditions: unknown, reason: string): Record<string, unknown> => ({
  name,
  conditions,
  event: { type: 'score', params: { points, dimension: 'engagement', reason } },
});

export const STARTER_SCORING_RULES = [
  fit(
    'Decision-maker title',
    20,
    {
      all: [
        {
          fact: 'job_title',
          operator: 'textContainsAny',
          value: ['chief', 'cto', 'cfo', 'cmo', 'vp', 'head of', 'director'],
        },
      ],
    },
    'Buyers sign off on tooling',
  ),
  fit(
    'Student or job seeker',
    -30,
    {
      all: [
        { fact: 'job_title', operator: 'textContainsAny', value: ['student', 'candidate', 'graduate', 'looking for'] },
      ],
    },
    'Not a buyer',
  ),
  fit(
    'Mid-market company',
    10,
    {
      all: [
        { fact: 'company_size', operator: 'greaterThanInclusive', value: 100 },
        { fact: 'company_size', operator: 'lessThan', value: 1000 },
      ],
    },
    'Our sweet spot',
  ),
  fit(
    'Enterprise company',
    15,
    { all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 1000 }] },
    'Large deals',
  ),
  fit(
    'Target industry',
    10,
    {
      all: [
        {
          fact: 'industry',
          operator: 'in',
          value: ['Software', 'Financial Services', 'Logistics & Transport', 'Healthcare', 'Manufacturing'],
        },
      ],
    },
    'Industries we win in',
  ),
  fit(
    'Served country',
    5,
    { all: [{ fact: 'country', operator: 'in', value: ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'AU'] }] },
    'Where we sell and support',
  ),
  fit(
    'Free email address',
    -15,
    { all: [{ fact: 'is_free_email', operator: 'equal', value: true }] },
    'Personal address, likely not a company buyer',
  ),
  engagement(
    'Active on the site',
    5,
    { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 3 }] },
    'Three or more page views in 30 days',
  ),
  engagement(
    'Pricing page',
    15,
    { all: [{ fact: 'pricing_page_views_30d', operator: 'greaterThanInclusive', value: 1 }] },
    'Looked at pricing in the last 30 days',
  ),
  engagement(
    'Demo request',
    30,
    { all: [{ fact: 'demo_request_count_90d', operator: 'greaterThanInclusive', value: 1 }] },
    'Asked for a demo',
  ),
  engagement(
    'Webinar attendee',
    10,
    { all: [{ fact: 'webinar_attended_count_90d', operator: 'greaterThanInclusive', value: 1 }] },
    'Attended a webinar',
  ),
  engagement(
    'Content download',
    5,
    { all: [{ fact: 'content_download_count_90d', operator: 'greaterThanInclusive', value: 1 }] },
    'Downloaded content',
  ),
  engagement(
    'Gone quiet',
    -10,
    { all: [{ fact: 'days_since_last_activity', operator: 'greaterThan', value: 45 }] },
    'No activity for 45 days',
  ),
];

export const STARTER_SCORING_TESTS = [
  {
    name: 'VP at a mid-market software company who asked for a demo',
    facts: {
      job_title: 'VP Operations',
      company_size: 250,
      industry: 'Software',
      country: 'US',
      demo_request_count_90d: 1,
    },
    expectScoreMin: 70,
  },
  {
    name: 'Student on gmail',
    facts: { job_title: 'Student', is_free_email: true, company_size: 1 },
    expectScoreMax: -30,
  },
];

const qualify = (
  name: string,
  stage: string,
  rank: number,
  conditions: unknown,
  reason: string,
): Record<string, unknown> => ({
  name,
  conditions,
  event: { type: 'qualify', params: { stage, rank, reason } },
});

export const STARTER_QUALIFICATION_RULES = [
  qualify(
    'Marketing qualified',
    'mql',
    1,
    {
      all: [
        { fact: 'fit_score', operator: 'greaterThanInclusive', value: 25 },
        { fact: 'engagement_score', operator: 'greaterThanInclusive', value: 15 },
      ],
    },
    'Good fit and real interest',
  ),
  qualify(
    'Asked for a demo',
    'mql',
    2,
    {
      all: [
        { fact: 'demo_request_count_7d', operator: 'greaterThanInclusive', value: 1 },
        { fact: 'fit_score', operator: 'greaterThanInclusive', value: 10 },
      ],
    },
    'Hand-raiser with some fit',
  ),
];

export const STARTER_QUALIFICATION_TESTS = [
  { name: 'Good fit and engaged', facts: { fit_score: 40, engagement_score: 20 }, expectStage: 'mql' },
  { name: 'Good fit, no interest yet', facts: { fit_score: 40, engagement_score: 0 }, expectStage: null },
];

/**
 * Creates and publishes the starter rule sets (skipped when any rule set exists), then re-scores
 * every lead so the demo shows real scores and explanations.
 */
export async function publishStarterRules(dataSource: DataSource): Promise<{ published: boolean; changed: number }> {
  const [existing] = await dataSource.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM rule_set');
  if ((existing?.count ?? 0) > 0) return { published: false, changed: 0 };
  const [ops] = await dataSource.query<Array<{ id: string; name: string }>>(
    `SELECT id, name FROM "user" WHERE role = $1 AND deleted_at IS NULL ORDER BY created_at LIMIT 1`,
    [Role.OPS],
  );
  const ctx: Context = {
    requestId: 'starter-rules',
    user: ops ? { id: ops.id, name: ops.name, role: Role.OPS } : null,
    dataSource,
    loaders: createLoaders(dataSource),
  };
  let changed = 0;
  for (const [name, kind, rules, testCases, description] of [
    [
      'Lead scoring',
      RuleSetKind.SCORING,
      STARTER_SCORING_RULES,
      STARTER_SCORING_TESTS,
      'Fit (who the lead is) and engagement (what they did).',
    ],
    [
      'MQL qualification',
      RuleSetKind.QUALIFICATION,
      STARTER_QUALIFICATION_RULES,
      STARTER_QUALIFICATION_TESTS,
      'When marketing hands a lead to sales.',
    ],
  ] as const) {
    const ruleSet = await createRuleSet(ctx, { name, kind, description });
    const caps = kind === RuleSetKind.SCORING ? { fit: 60, engagement: 60, total: 100 } : null;
    const { version } = await saveRuleSetDraft(ctx, {
      ruleSetId: ruleSet.id,
      rules: rules,
      caps,
      testCases,
      notes: 'starter rules',
    });
    const { rescoreJob } = await publishRuleSetVersion(ctx, version.id);
    changed += (await runRescoreJob(dataSource, rescoreJob.id)).changed;
  }
  return { published: true, changed };
}

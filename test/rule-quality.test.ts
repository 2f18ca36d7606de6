import { Role } from '../src/entities/enums';
import { SCORE_RULE, givenCampaign, givenLead, gql, ok, startTestApp, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function publish(kind: 'SCORING' | 'QUALIFICATION', rules: unknown[]): Promise<string> {
  const ruleSet = ok(
    await gql(t, `mutation { createRuleSet(name: "${kind} quality", kind: ${kind}) { id } }`),
  ).createRuleSet;
  const draft = ok(
    await gql(
      t,
      'mutation($id: ID!, $rules: JSON!) { saveRuleSetDraft(ruleSetId: $id, rules: $rules) { version { id } } }',
      {
        id: ruleSet.id,
        rules,
      },
    ),
  ).saveRuleSetDraft.version;
  ok(await gql(t, 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }', { id: draft.id }));
  return draft.id;
}

const verdict = (leadId: string, disposition: 'ACCEPTED' | 'REJECTED') =>
  gql(
    t,
    `mutation($id: ID!) { submitFeedback(input: { leadId: $id, kind: LEAD_QUALITY, disposition: ${disposition}${
      disposition === 'REJECTED' ? ', rejectionReason: BAD_FIT' : ''
    } }) { id } }`,
    { id: leadId },
    { as: Role.SALES },
  );
const move = (leadId: string, stage: string) =>
  gql(
    t,
    'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage) { id } }',
    { id: leadId, stage },
    { as: Role.SALES },
  );

test('lead quality by scoring rule and by the rule-set version that qualified the lead, worked out by hand', async () => {
  const scoring = await publish('SCORING', [
    SCORE_RULE('Big company', 20, { all: [{ fact: 'company_size', operator: 'greaterThanInclusive', value: 500 }] }),
    SCORE_RULE('Free mail', -10, { all: [{ fact: 'is_free_email', operator: 'equal', value: true }] }),
    SCORE_RULE(
      'Engaged',
      10,
      { all: [{ fact: 'page_view_count_30d', operator: 'greaterThanInclusive', value: 1 }] },
      'engagement',
    ),
  ]);
  const qualification = await publish('QUALIFICATION', [
    {
      name: 'Hot',
      conditions: { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 20 }] },
      event: { type: 'qualify', params: { stage: 'mql', rank: 1 } },
    },
  ]);
  const campaign = await givenCampaign(t);
  const cohort = { campaignId: campaign.id };

  // L1: qualified by the rule, accepted by sales, then won.
  const l1 = await givenLead(t, { ...cohort, companySize: 800 });
  ok(await verdict(l1.id, 'ACCEPTED'));
  ok(await move(l1.id, 'customer'));
  // L2: big but on gmail (10), qualified once it visits (20), then rejected back to nurture.
  const l2 = await givenLead(t, { ...cohort, companySize: 900, email: `quality-${Date.now()}@gmail.com` });
  ok(
    await gql(t, 'mutation($id: ID!) { recordActivity(input: { leadId: $id, type: PAGE_VIEW }) { id } }', {
      id: l2.id,
    }),
  );
  ok(await verdict(l2.id, 'REJECTED'));
  // L3: small, handed over by hand, accepted. L4: small, nothing happens.
  const l3 = await givenLead(t, { ...cohort, companySize: 50 });
  ok(await move(l3.id, 'mql'));
  ok(await verdict(l3.id, 'ACCEPTED'));
  await givenLead(t, { ...cohort, companySize: 10 });

  const report = ok(
    await gql(
      t,
      `query($filter: LeadCohortFilter) { leadQuality(filter: $filter) {
        byScoringRule { rule ruleSetVersionId leads rejectedLeads reachedSql won rejectedShare reachedSqlShare reachedCustomerShare }
        byRuleSetVersion { ruleSetVersionId leads handedOver accepted rejected acceptanceRate reachedSqlShare reachedCustomerShare }
      } }`,
      { filter: cohort },
      { as: Role.ANALYST },
    ),
  ).leadQuality;

  expect(report.byScoringRule).toEqual([
    {
      rule: 'Big company',
      ruleSetVersionId: scoring,
      leads: 2,
      rejectedLeads: 1,
      reachedSql: 1,
      won: 1,
      rejectedShare: 0.5,
      reachedSqlShare: 0.5,
      reachedCustomerShare: 0.5,
    },
    {
      rule: 'Engaged',
      ruleSetVersionId: scoring,
      leads: 1,
      rejectedLeads: 1,
      reachedSql: 0,
      won: 0,
      rejectedShare: 1,
      reachedSqlShare: 0,
      reachedCustomerShare: 0,
    },
    {
      rule: 'Free mail',
      ruleSetVersionId: scoring,
      leads: 1,
      rejectedLeads: 1,
      reachedSql: 0,
      won: 0,
      rejectedShare: 1,
      reachedSqlShare: 0,
      reachedCustomerShare: 0,
    },
  ]);
  expect(report.byRuleSetVersion).toEqual([
    {
      ruleSetVersionId: qualification,
      leads: 2,
      handedOver: 2,
      accepted: 1,
      rejected: 1,
      acceptanceRate: 0.5,
      reachedSqlShare: 0.5,
      reachedCustomerShare: 0.5,
    },
    {
      ruleSetVersionId: null,
      leads: 1,
      handedOver: 1,
      accepted: 1,
      rejected: 0,
      acceptanceRate: 1,
      reachedSqlShare: 1,
      reachedCustomerShare: 0,
    },
  ]);
});

import { Role } from '../src/entities/enums';
import { refreshLeadFacts } from '../src/rollups/lead-facts';
import { databaseFingerprint, givenCampaign, givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * The periodic review: OPS opens it for a period, its numbers are frozen, participants comment,
 * one SALES and one MARKETING user sign, and it compares with the period before.
 *
 * A small cohort in March 2002 (hours after T0 = 2002-03-01T00:00Z), by SQL at exact times:
 *   R1  campaign C  lead 0, mql 10 (response SLA clock), CALL 12 (logged then) → met, ACCEPTED, sql 20
 *   R2  campaign C  lead 0, mql 5, no call within 24 h → breached, REJECTED BAD_FIT 40, lead 40
 *   R3  no campaign lead 0
 * February 2002 has one lead (F1: lead 0, mql 1).
 */
let t: TestApp;
const T0 = Date.UTC(2002, 2, 1);
const FEB = Date.UTC(2002, 1, 1);
const at = (hours: number, base = T0): string => new Date(base + hours * 3_600_000).toISOString();
let stageIds: Record<string, string> = {};
const leads: Record<string, string> = {};
let campaign: { id: string; name: string };
let responseSla: { id: string; name: string };
let goalSla: { id: string; name: string };

async function history(lead: string, moves: Array<[string, number]>, base = T0): Promise<void> {
  let from: string | null = null;
  for (const [key, hours] of moves) {
    await t.dataSource.query(
      `INSERT INTO stage_transition (lead_id, from_stage_id, to_stage_id, at, cause, owner_id)
       VALUES ($1, $2, $3, $4, 'MANUAL', (SELECT owner_id FROM lead WHERE id = $1))`,
      [leads[lead], from, stageIds[key], at(hours, base)],
    );
    from = stageIds[key]!;
  }
  const [last, lastAt] = moves[moves.length - 1]!;
  await t.dataSource.query('UPDATE lead SET created_at = $2, stage_id = $3, stage_entered_at = $4 WHERE id = $1', [
    leads[lead],
    at(moves[0]![1], base),
    stageIds[last],
    at(lastAt, base),
  ]);
}

async function verdict(lead: string, disposition: string, reason: string | null, hours: number): Promise<void> {
  await t.dataSource.query(
    `INSERT INTO feedback (lead_id, author_id, kind, disposition, rejection_reason, created_at)
     VALUES ($1, $2, 'LEAD_QUALITY', $3, $4, $5)`,
    [leads[lead], t.userIds.SALES, disposition, reason, at(hours)],
  );
}

async function givenSla(input: Record<string, unknown>): Promise<{ id: string; name: string }> {
  return ok(
    await gql<{ createSla: { id: string; name: string } }>(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id name } }',
      { input: { name: unique('Sla'), ...input } },
    ),
  ).createSla;
}

const REVIEW = `id period periodStart periodEnd signed signedAt createdBy { name }
  snapshot {
    takenAt
    headlines { key label value }
    goals { slaId slaName target actual periodStart periodEnd }
    slas { slaId slaName kind cases met breached pending compliance
           byOwner { ownerId ownerName cases met breached compliance } }
    funnel { key reached current conversionToNext }
    rejectionReasons { reason count share }
    campaigns { campaignId name leads mqls wonRevenue }
    ruleChanges { ruleSetName versionNumber publishedAt }
  }
  comments { body author { name } createdAt }
  acknowledgements { role note at user { name } }`;

async function createReview(period: string, as: Role = Role.OPS) {
  return gql<{ createReview: any }>(
    t,
    `mutation($p: String!) { createReview(period: $p) { ${REVIEW} } }`,
    { p: period },
    { as },
  );
}

const headline = (review: any, key: string): number | null =>
  review.snapshot.headlines.find((row: any) => row.key === key)?.value ?? null;

beforeAll(async () => {
  t = await startTestApp();
  const stages: Array<{ id: string; key: string }> = await t.dataSource.query('SELECT id, key FROM funnel_stage');
  stageIds = Object.fromEntries(stages.map((stage) => [stage.key, stage.id]));
  campaign = { ...(await givenCampaign(t, { name: unique('Review campaign') })), name: '' };
  campaign.name = (await t.dataSource.query('SELECT name FROM campaign WHERE id = $1', [campaign.id]))[0].name;
  responseSla = await givenSla({ kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 24 });
  goalSla = await givenSla({ kind: 'LEAD_VOLUME', stage: 'mql', target: 4, period: 'MONTH' });
  for (const name of ['R1', 'R2', 'R3', 'F1']) {
    const lead = await givenLead(t, {
      campaignId: name === 'R3' ? undefined : campaign.id,
      ownerId: t.userIds.SALES,
    });
    leads[name] = lead.id;
  }
  await t.dataSource.query('DELETE FROM stage_transition WHERE lead_id = ANY($1)', [Object.values(leads)]);
  await history('R1', [
    ['lead', 0],
    ['mql', 10],
    ['sql', 20],
  ]);
  await history('R2', [
    ['lead', 0],
    ['mql', 5],
    ['lead', 40],
  ]);
  await history('R3', [['lead', 0]]);
  await history(
    'F1',
    [
      ['lead', 0],
      ['mql', 1],
    ],
    FEB,
  );
  await t.dataSource.query(
    `INSERT INTO activity (lead_id, type, occurred_at, recorded_at) VALUES ($1, 'CALL', $2, $2)`,
    [leads.R1, at(12)],
  );
  await verdict('R1', 'ACCEPTED', null, 20);
  await verdict('R2', 'REJECTED', 'BAD_FIT', 40);
  await refreshLeadFacts(t.dataSource, Object.values(leads));
});
afterAll(() => t.close());

describe('createReview', () => {
  let review: any;

  test('OPS opens the review of a month; its numbers are the metrics’ numbers for that month', async () => {
    const result = await createReview('2002-03');
    review = ok(result).createReview;
    expect(review).toMatchObject({
      period: '2002-03',
      periodStart: '2002-03-01T00:00:00.000Z',
      periodEnd: '2002-04-01T00:00:00.000Z',
      signed: false,
      signedAt: null,
      comments: [],
      acknowledgements: [],
    });
    // Worked out by hand from the cohort above.
    expect(headline(review, 'leads')).toBe(3);
    expect(headline(review, 'handedOver')).toBe(2);
    expect(headline(review, 'accepted')).toBe(1);
    expect(headline(review, 'rejected')).toBe(1);
    expect(headline(review, 'acceptanceRate')).toBeCloseTo(0.5);
    expect(review.snapshot.goals).toEqual([
      expect.objectContaining({ slaId: goalSla.id, target: 4, actual: 2, periodStart: '2002-03-01T00:00:00.000Z' }),
    ]);
    expect(headline(review, `goal:${goalSla.name}`)).toBe(2);
    const sla = review.snapshot.slas.find((row: any) => row.slaId === responseSla.id);
    expect(sla).toMatchObject({ kind: 'RESPONSE_TIME', cases: 2, met: 1, breached: 1, pending: 0, compliance: 0.5 });
    expect(sla.byOwner).toEqual([expect.objectContaining({ ownerId: t.userIds.SALES, cases: 2, met: 1, breached: 1 })]);
    expect(review.snapshot.rejectionReasons).toEqual([{ reason: 'BAD_FIT', count: 1, share: 1 }]);
    expect(review.snapshot.campaigns).toEqual([
      expect.objectContaining({ campaignId: campaign.id, name: campaign.name, leads: 2, mqls: 2 }),
    ]);
    const stage = (key: string) => review.snapshot.funnel.find((row: any) => row.key === key);
    expect(stage('mql')).toMatchObject({ reached: 2 });
    expect(stage('sql')).toMatchObject({ reached: 1, current: 1 });
    expect(review.createdBy.name).toMatch(/^ops-/);

    // And they agree with what the metric queries answer for the same window right now.
    const window = { createdFrom: '2002-03-01T00:00:00Z', createdTo: '2002-04-01T00:00:00Z' };
    const live = ok(
      await gql(
        t,
        `query($f: LeadCohortFilter, $sla: ID!) {
          funnelReport(filter: $f) { leads }
          leadQuality(filter: $f) { total { handedOver accepted rejected acceptanceRate } }
          slaReport(slaId: $sla, from: "2002-03-01T00:00:00Z", to: "2002-04-01T00:00:00Z") { total { cases met breached compliance } }
        }`,
        { f: window, sla: responseSla.id },
        { as: Role.ANALYST },
      ),
    );
    expect(headline(review, 'leads')).toBe(live.funnelReport.leads);
    expect(headline(review, 'handedOver')).toBe(live.leadQuality.total.handedOver);
    expect(headline(review, 'acceptanceRate')).toBe(live.leadQuality.total.acceptanceRate);
    expect(sla).toMatchObject(live.slaReport.total);
  });

  test('the snapshot is frozen: later changes to the period’s data do not alter it', async () => {
    const late = await givenLead(t, { campaignId: campaign.id });
    await t.dataSource.query('UPDATE lead SET created_at = $2 WHERE id = $1', [late.id, at(100)]);
    await t.dataSource.query('UPDATE stage_transition SET at = $2 WHERE lead_id = $1', [late.id, at(100)]);
    await refreshLeadFacts(t.dataSource, [late.id]);
    const live = ok(
      await gql(
        t,
        'query { funnelReport(filter: { createdFrom: "2002-03-01T00:00:00Z", createdTo: "2002-04-01T00:00:00Z" }) { leads } }',
      ),
    );
    expect(live.funnelReport.leads).toBe(4);
    const again = ok(
      await gql(t, `query($id: ID!) { review(id: $id) { ${REVIEW} } }`, { id: review.id }, { as: Role.ANALYST }),
    );
    expect(again.review.snapshot).toEqual(review.snapshot);
    expect(headline(again.review, 'leads')).toBe(3);
  });

  test('one review per period: a second is a CONFLICT naming the first, and nothing is written', async () => {
    const before = await databaseFingerprint(t);
    const result = await createReview('2002-03');
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'period',
      existingReviewId: review.id,
    });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test.each([
    ['2002-13', 'not a month'],
    ['March 2002', 'free text'],
    ['2002-Q5', 'not a quarter'],
    ['2099-01', 'a period that has not begun'],
    ['', 'empty'],
  ])('period %p (%s) is BAD_USER_INPUT naming period, nothing written', async (period) => {
    const before = await databaseFingerprint(t);
    const result = await createReview(period);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'period' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test.each([Role.SALES, Role.MARKETING, Role.ANALYST])('%s may not open a review', async (role) => {
    const before = await databaseFingerprint(t);
    const result = await createReview('2002-01', role);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('a quarter is written 2002-Q1 whatever the case of the q, and lists rule changes made in it', async () => {
    const ruleSet = ok(
      await gql(t, 'mutation($n: String!) { createRuleSet(name: $n, kind: SCORING) { id } }', {
        n: unique('Review rules'),
      }),
    ).createRuleSet;
    await t.dataSource.query(
      `INSERT INTO rule_set_version (rule_set_id, number, status, rules, checksum, notes, published_at)
       VALUES ($1, 1, 'PUBLISHED', '[]', repeat('0', 64), 'first cut', '2002-02-15T09:00:00Z')`,
      [ruleSet.id],
    );
    const quarter = ok(await createReview('2002-q1')).createReview;
    expect(quarter.period).toBe('2002-Q1');
    expect(quarter.periodEnd).toBe('2002-04-01T00:00:00.000Z');
    expect(quarter.snapshot.ruleChanges).toEqual([
      expect.objectContaining({ versionNumber: 1, publishedAt: '2002-02-15T09:00:00.000Z' }),
    ]);
  });
});

describe('comments and signatures', () => {
  let reviewId: string;
  beforeAll(async () => {
    reviewId = ok(await gql(t, 'query { reviews(first: 10) { nodes { id period } } }')).reviews.nodes.find(
      (row: any) => row.period === '2002-03',
    ).id;
  });

  test('participants comment; an empty comment is BAD_USER_INPUT; ANALYST only reads', async () => {
    ok(
      await gql(
        t,
        'mutation($id: ID!, $b: String!) { commentOnReview(reviewId: $id, body: $b) { id } }',
        { id: reviewId, b: ' Webinar leads were weak. ' },
        { as: Role.SALES },
      ),
    );
    const before = await databaseFingerprint(t);
    const empty = await gql(
      t,
      'mutation($id: ID!) { commentOnReview(reviewId: $id, body: "   ") { id } }',
      { id: reviewId },
      { as: Role.MARKETING },
    );
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    const analyst = await gql(
      t,
      'mutation($id: ID!) { commentOnReview(reviewId: $id, body: "hi") { id } }',
      { id: reviewId },
      { as: Role.ANALYST },
    );
    expect(analyst.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await databaseFingerprint(t)).toEqual(before);
    const read = ok(
      await gql(
        t,
        'query($id: ID!) { review(id: $id) { comments { body author { name } } } }',
        { id: reviewId },
        { as: Role.ANALYST },
      ),
    );
    expect(read.review.comments).toEqual([
      { body: 'Webinar leads were weak.', author: { name: expect.stringMatching(/^sales-/) } },
    ]);
  });

  test('signed once a SALES and a MARKETING user have each acknowledged; OPS cannot sign for them', async () => {
    const sign = (as: Role, note?: string) =>
      gql(
        t,
        'mutation($id: ID!, $n: String) { acknowledgeReview(reviewId: $id, note: $n) { signed signedAt acknowledgements { role note at user { name } } } }',
        { id: reviewId, n: note },
        { as },
      );
    const ops = await sign(Role.OPS);
    expect(ops.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const sales = ok(await sign(Role.SALES, 'We call every MQL within 24 h')).acknowledgeReview;
    expect(sales.signed).toBe(false);
    expect(sales.acknowledgements).toEqual([
      expect.objectContaining({ role: 'SALES', note: 'We call every MQL within 24 h' }),
    ]);
    const marketing = ok(await sign(Role.MARKETING)).acknowledgeReview;
    expect(marketing.signed).toBe(true);
    expect(marketing.acknowledgements.map((row: any) => row.role)).toEqual(['SALES', 'MARKETING']);
    expect(marketing.signedAt).toBe(marketing.acknowledgements[1].at);
    const before = await databaseFingerprint(t);
    const twice = await sign(Role.SALES);
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'reviewId' });
    expect(await databaseFingerprint(t)).toEqual(before);
  });

  test('a review compares with the previous period’s', async () => {
    const february = ok(await createReview('2002-02')).createReview;
    expect(headline(february, 'leads')).toBe(1);
    const march = ok(
      await gql(
        t,
        'query($id: ID!) { review(id: $id) { previous { id } comparison { key current previous change } } }',
        { id: reviewId },
        { as: Role.ANALYST },
      ),
    ).review;
    expect(march.previous).toEqual({ id: february.id });
    expect(march.comparison.find((row: any) => row.key === 'leads')).toEqual({
      key: 'leads',
      current: 3,
      previous: 1,
      change: 2,
    });
    expect(march.comparison.find((row: any) => row.key === 'accepted')).toEqual({
      key: 'accepted',
      current: 1,
      previous: 0,
      change: 1,
    });
  });

  test('an unknown review is NOT_FOUND naming reviewId', async () => {
    const result = await gql(
      t,
      'mutation { commentOnReview(reviewId: "00000000-0000-4000-8000-000000000000", body: "x") { id } }',
      {},
      { as: Role.SALES },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'reviewId' });
  });
});

import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { Role } from '../src/entities/enums';
import { rebuildAllLeadFacts } from '../src/rollups/lead-facts';
import { givenCampaign, givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * The CSV downloads as an analyst's spreadsheet gets them: the same leads as the `leads` query
 * with the same filter (as query-string fields or as JSON), every page of a long list, the
 * reports' numbers, and the API's refusals as HTTP statuses with its error codes.
 */
let t: TestApp;
let campaignId: string;
let slaId: string;
const BULK = 230;

beforeAll(async () => {
  t = await startTestApp();
  campaignId = (await givenCampaign(t)).id;
  const mql = await givenLead(t, { campaignId, firstName: '=HYPERLINK("http://evil")' });
  ok(await gql(t, 'mutation($id: ID!) { moveLeadToStage(leadId: $id, stage: "mql") { id } }', { id: mql.id }));
  await givenLead(t, { campaignId, attributes: { plan: 'pro' } });
  slaId = ok(
    await gql(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
      { input: { name: unique('Sla'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 1 } },
      { as: Role.OPS },
    ),
  ).createSla.id;
  // More leads than one page, written behind the API's back (their rollups do not matter here).
  await t.dataSource.query(
    `INSERT INTO lead (email, stage_id, created_at, version)
     SELECT 'bulk' || i || '@example.com', (SELECT id FROM funnel_stage WHERE key = 'lead'), now() - i * interval '1 minute', 1
     FROM generate_series(1, ${BULK}) AS i`,
  );
}, 60_000);
afterAll(() => t.close());

async function download(path: string, as: Role | null = Role.ANALYST) {
  const req = request(t.app).get(path);
  if (as) req.set('Authorization', `Bearer ${t.tokens[as]}`);
  const res = await req.buffer(true);
  return res;
}

const rowsOf = (text: string): Array<Record<string, string>> => parse<Record<string, string>>(text, { columns: true });

describe('GET /exports/leads.csv', () => {
  test('streams every lead, all pages, as CSV with the lead fields as columns', async () => {
    const res = await download('/exports/leads.csv');
    expect([res.status, res.status === 200 ? '' : res.text]).toEqual([200, '']);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('leads.csv');
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(BULK + 2);
    expect(new Set(rows.map((row) => row.id)).size).toBe(BULK + 2);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['email', 'stage.key', 'campaign.name', 'score']));
    const pro = rows.find((row) => row['attributes']?.includes('pro'));
    expect(JSON.parse(pro!['attributes']!)).toEqual({ plan: 'pro' });
  });

  test('takes the filter of `leads` as query-string fields or as JSON, with the same answer as the API', async () => {
    const api = ok(
      await gql(t, 'query($f: LeadFilter) { leads(first: 100, filter: $f) { nodes { id } } }', {
        f: { campaignId, stages: ['mql'] },
      }),
    ).leads.nodes.map((node: { id: string }) => node.id);
    expect(api).toHaveLength(1);
    const byFields = rowsOf((await download(`/exports/leads.csv?campaignId=${campaignId}&stages=mql`)).text);
    const filter = encodeURIComponent(JSON.stringify({ campaignId, stages: ['mql'] }));
    const byJson = rowsOf((await download(`/exports/leads.csv?filter=${filter}`)).text);
    expect(byFields.map((row) => row.id)).toEqual(api);
    expect(byJson.map((row) => row.id)).toEqual(api);
    // A cell a spreadsheet would run as a formula is written as text.
    expect(byFields[0]!.firstName).toBe(`'=HYPERLINK("http://evil")`);
    const scored = rowsOf((await download('/exports/leads.csv?scoreMin=1')).text);
    expect(scored).toEqual([]);
  });

  test('refuses a caller without a token (401) and bad filters (400) with the API’s codes', async () => {
    const anonymous = await download('/exports/leads.csv', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const badToken = await request(t.app).get('/exports/leads.csv').set('Authorization', 'Bearer nope');
    expect(badToken.status).toBe(401);
    const badJson = await download('/exports/leads.csv?filter=%7Bnope');
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter' });
    const badStage = await download('/exports/leads.csv?stages=nowhere');
    expect(badStage.status).toBe(400);
    expect(badStage.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.stages' });
    const badNumber = await download('/exports/leads.csv?scoreMin=many');
    expect(badNumber.status).toBe(400);
  });
});

describe('the reports as CSV', () => {
  test('funnel.csv has one row per stage with the numbers of funnelReport', async () => {
    const api = ok(
      await gql(
        t,
        'query($f: LeadCohortFilter) { funnelReport(filter: $f) { stages { stage { key } entered reached } } }',
        {
          f: { campaignId },
        },
      ),
    ).funnelReport.stages;
    const rows = rowsOf((await download(`/exports/funnel.csv?campaignId=${campaignId}`)).text);
    expect(rows.map((row) => [row['stage.key'], Number(row.entered), Number(row.reached)])).toEqual(
      api.map((s: { stage: { key: string }; entered: number; reached: number }) => [s.stage.key, s.entered, s.reached]),
    );
  });

  test('campaign-performance.csv lists the campaigns of campaignPerformance', async () => {
    const rows = rowsOf((await download('/exports/campaign-performance.csv')).text);
    expect(rows.map((row) => row.campaignId)).toEqual([campaignId]);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['campaign.name', 'cost']));
  });

  test('sla-cases.csv lists the breached cases of an SLA and needs its arguments', async () => {
    await t.dataSource.query(
      `UPDATE stage_transition SET at = now() - interval '3 hours' WHERE to_stage_id = (SELECT id FROM funnel_stage WHERE key = 'mql')`,
    );
    await t.dataSource.transaction((manager) => rebuildAllLeadFacts(manager));
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const res = await download(`/exports/sla-cases.csv?slaId=${slaId}&from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'BREACHED', slaId });
    const missing = await download(`/exports/sla-cases.csv?from=${from}&to=${to}`);
    expect(missing.status).toBe(400);
    const unknown = await download(
      `/exports/sla-cases.csv?slaId=00000000-0000-4000-8000-000000000000&from=${from}&to=${to}`,
    );
    expect(unknown.status).toBe(404);
  });
});

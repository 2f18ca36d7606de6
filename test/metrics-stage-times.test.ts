import { Role } from '../src/entities/enums';
import type { FunnelStage } from '../src/entities/funnel-stage.entity';
import {
  rebuildAllLeadFacts,
  rebuildStaleStageTimes,
  stageTimesFresh,
} from '../src/rollups/lead-facts';
import { stagesWithNewNext } from '../src/rollups/funnel-order';
import { givenLead, gql, ok, startTestApp, type TestApp } from './helpers';

/**
 * lead_stage_time, the rollup behind funnelReport's medianHoursToNext and p90HoursToNext for
 * cohorts bounded by dates, kept by the services: after every move, and after the background pass
 * that follows a funnel edit, it must hold what a rebuild from scratch holds, and the report read
 * from it must equal the one computed from the per-lead history (asOf after everything happened
 * takes that path). Between an edit and the pass the report does not read it, and is right too.
 */
let t: TestApp;
const names = ['A', 'B', 'C', 'D'] as const;
const leads: Record<string, string> = {};
let window: { createdFrom: string; createdTo: string };

const FUNNEL = `query($filter: LeadCohortFilter, $asOf: DateTimeISO) {
  funnelReport(filter: $filter, asOf: $asOf) {
    stages { stage { key } nextStage { key } medianHoursToNext p90HoursToNext }
  }
}`;
const MOVE = 'mutation($leadId: ID!, $stage: String!) { moveLeadToStage(leadId: $leadId, stage: $stage) { id } }';
const REORDER = 'mutation($keys: [String!]!) { reorderFunnelStages(keys: $keys) { key } }';
const UPDATE_STAGE = 'mutation($input: UpdateFunnelStageInput!) { updateFunnelStage(input: $input) { kind } }';
const ORDER = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified'];

async function move(lead: string, stage: string): Promise<void> {
  ok(await gql(t, MOVE, { leadId: leads[lead], stage }));
}

async function stageTimes(): Promise<unknown[]> {
  return t.dataSource.query(
    'SELECT lead_id, stage_id, created_at, hours_to_next FROM lead_stage_time ORDER BY lead_id, stage_id',
  );
}

/** The report for the window equals the one computed from the per-lead history. */
async function expectReportRight(): Promise<void> {
  const live = ok(await gql(t, FUNNEL, { filter: window }, { as: Role.ANALYST })).funnelReport;
  const later = new Date(Date.now() + 86_400_000).toISOString();
  const fromHistory = ok(await gql(t, FUNNEL, { filter: window, asOf: later }, { as: Role.ANALYST })).funnelReport;
  expect(live).toEqual(fromHistory);
}

/** The rows kept lead by lead are the rows a rebuild from the facts writes; the report reads them right. */
async function expectStageTimesRight(): Promise<void> {
  expect(await stageTimesFresh(t.dataSource)).toBe(true);
  const kept = await stageTimes();
  await t.dataSource.transaction((manager) => rebuildAllLeadFacts(manager));
  expect(kept).toEqual(await stageTimes());
  await expectReportRight();
}

/** After a funnel edit: stale, and the report still right; after the pass, fresh and right again. */
async function expectRebuiltAfterEdit(): Promise<void> {
  expect(await stageTimesFresh(t.dataSource)).toBe(false);
  await expectReportRight();
  expect(await rebuildStaleStageTimes(t.dataSource, 2)).toBe(true); // batches of 2: several transactions
  await expectStageTimesRight();
}

const hoursOf = async (stage: string): Promise<number | null> => {
  const report = ok(await gql(t, FUNNEL, { filter: window }, { as: Role.ANALYST })).funnelReport;
  return report.stages.find((row: { stage: { key: string } }) => row.stage.key === stage).medianHoursToNext;
};

beforeAll(async () => {
  t = await startTestApp();
  const from = new Date(Date.now() - 60_000).toISOString();
  for (const name of names) leads[name] = (await givenLead(t)).id;
  window = { createdFrom: from, createdTo: new Date(Date.now() + 3_600_000).toISOString() };
  for (const stage of ['mql', 'sql', 'opportunity', 'customer']) await move('A', stage);
  for (const stage of ['mql', 'lead', 'mql']) await move('B', stage);
  await move('C', 'sql');
});
afterAll(() => t.close());

test('moves keep the stage times of the leads that moved', async () => {
  const rows = (await stageTimes()) as Array<{ lead_id: string; hours_to_next: number }>;
  // A: lead, mql, sql, opportunity each to the next; B: lead to mql; C: lead to sql (mql skipped).
  expect(rows.filter((row) => row.lead_id === leads.A)).toHaveLength(4);
  expect(rows.filter((row) => row.lead_id === leads.B)).toHaveLength(1);
  expect(rows.filter((row) => row.lead_id === leads.C)).toHaveLength(1);
  expect(rows.filter((row) => row.lead_id === leads.D)).toHaveLength(0);
  for (const row of rows) expect(row.hours_to_next).toBeGreaterThan(0);
  await expectStageTimesRight();
  expect(await hoursOf('mql')).not.toBeNull();

  await move('B', 'sql');
  await move('D', 'disqualified');
  const after = (await stageTimes()) as Array<{ lead_id: string }>;
  expect(after.filter((row) => row.lead_id === leads.B)).toHaveLength(2);
  expect(after.filter((row) => row.lead_id === leads.D)).toHaveLength(0);
  await expectStageTimesRight();
});

test('a reorder or a change of kind marks the times stale until the background pass; a new stage needs nothing', async () => {
  const swapped = ['lead', 'sql', 'mql', 'opportunity', 'customer', 'disqualified'];
  const hoursBefore = await hoursOf('mql');
  try {
    ok(await gql(t, REORDER, { keys: swapped }));
    await expectRebuiltAfterEdit();
    expect(await hoursOf('mql')).not.toEqual(hoursBefore); // mql's next stage is now opportunity
    ok(await gql(t, UPDATE_STAGE, { input: { key: 'sql', kind: 'LOST' } }));
    await expectRebuiltAfterEdit();
    // Nothing stale: nothing to do.
    expect(await rebuildStaleStageTimes(t.dataSource)).toBe(false);
    // A lost stage is nobody's next: moving it to the end changes no time, and nothing goes stale.
    const current = ok(await gql(t, '{ funnelStages { key } }', {}, { as: Role.ANALYST })).funnelStages.map(
      (stage: { key: string }) => stage.key,
    );
    ok(await gql(t, REORDER, { keys: [...current.filter((key: string) => key !== 'sql'), 'sql'] }));
    await expectStageTimesRight();
  } finally {
    ok(await gql(t, UPDATE_STAGE, { input: { key: 'sql', kind: 'OPEN' } }));
    ok(await gql(t, REORDER, { keys: ORDER }));
  }
  await expectRebuiltAfterEdit();
  // A new stage, which no lead has entered, changes nobody's time: nothing is rebuilt, all stays right.
  const input = { key: 'nurture', name: 'Nurture', definition: 'Not ready to buy yet.', position: 2 };
  ok(await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }', { input }));
  await expectStageTimesRight();
});

test('an edit rebuilds the times of the stages whose next stage changed, and only those', () => {
  const funnel = (order: string[], lost = ['disqualified']): FunnelStage[] =>
    order.map(
      (id, index) =>
        ({
          id,
          slot: ['lead', 'mql', 'sql', 'opportunity', 'disqualified'].indexOf(id),
          position: index + 1,
          kind: lost.includes(id) ? 'LOST' : 'OPEN',
        }) as FunnelStage,
    );
  const base = funnel(['lead', 'mql', 'sql', 'opportunity', 'disqualified']);
  // lead still reaches mql or anything after it; mql's and sql's next changed.
  expect(stagesWithNewNext(base, funnel(['lead', 'sql', 'mql', 'opportunity', 'disqualified']))).toEqual([
    'sql',
    'mql',
  ]);
  // A lost stage is nobody's next: moving it changes nothing.
  expect(stagesWithNewNext(base, funnel(['lead', 'mql', 'disqualified', 'sql', 'opportunity']))).toEqual([]);
  // opportunity turned lost: each stage before it has one stage fewer to reach; it had no next and has none.
  expect(
    stagesWithNewNext(
      base,
      funnel(['lead', 'mql', 'sql', 'opportunity', 'disqualified'], ['opportunity', 'disqualified']),
    ),
  ).toEqual(['lead', 'mql', 'sql']);
});

import * as sql from 'pg-sql2';
import type { EntityManager } from 'typeorm';
import type { Context } from '../src/context';
import { Role } from '../src/entities/enums';
import { campaignPerformance } from '../src/reports/campaign-performance';
import { funnelReport } from '../src/reports/funnel-report';
import { leadQuality } from '../src/reports/lead-quality';
import { slaReport } from '../src/reports/sla-report';
import { foldRollupDeltas } from '../src/rollups/fold';
import { DAILY_ROLLUPS, rebuildAllLeadFacts, rebuiltRows } from '../src/rollups/lead-facts';
import {
  type TestApp,
  givenCampaign,
  givenLead,
  givenPersona,
  gql,
  ok,
  startTestApp,
  systemContext,
  unique,
} from './helpers';

/**
 * Many writers at once (new leads, activities with and without campaigns, sales contacts, moves
 * across the funnel, verdicts), with folds running beside them: at every sampled instant, inside
 * one snapshot, every rollup table holds exactly what a rebuild from the facts would hold; and at
 * the end every report is the same before and after a full rebuild.
 */

let t: TestApp;
let campaigns: string[];
let personas: string[];
let slaId: string;

beforeAll(async () => {
  t = await startTestApp();
  campaigns = [];
  for (let i = 0; i < 3; i += 1) campaigns.push((await givenCampaign(t)).id);
  personas = [(await givenPersona(t)).id, (await givenPersona(t)).id];
  slaId = ok(
    await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
      input: { name: unique('Response'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4 },
    }),
  ).createSla.id as string;
}, 60_000);

afterAll(async () => {
  await t.close();
});

/** Columns compared rounded: sums of float shares differ in the last bits by the order they were added in. */
const FLOAT_COLUMNS = new Set([
  'credit',
  'first_touch_deal',
  'credit_deal',
  'credit_accepted',
  'credit_rejected',
  'hours_to_next',
]);
const compared = (columns: string[], alias: string): sql.SQL =>
  sql.join(
    columns.map((column) =>
      FLOAT_COLUMNS.has(column)
        ? sql.query`round(${sql.identifier(alias, column)}::numeric, 6) AS ${sql.identifier(column)}`
        : sql.identifier(alias, column),
    ),
    ', ',
  );

/**
 * For each rollup table: the rows it holds that a rebuild would not, and the rows a rebuild would
 * hold that it does not, read through `db` (one snapshot when `db` is a REPEATABLE READ
 * transaction). A daily rollup is read as the reports read it: its view, folded rows and deltas
 * summed by key; keys summing to zero count as absent.
 */
async function differencesFromRebuild(db: EntityManager): Promise<Record<string, { extra: number; missing: number }>> {
  const rebuilt = rebuiltRows();
  const result: Record<string, { extra: number; missing: number }> = {};
  for (const [table, { columns, select }] of Object.entries(rebuilt)) {
    const daily = (DAILY_ROLLUPS as string[]).includes(table);
    const rebuiltRowsOf = (ordered: string[]): sql.SQL =>
      sql.query`SELECT ${compared(ordered, 'r')} FROM (${select}) r`;
    if (!daily) {
      const kept = sql.query`SELECT ${compared(columns, 'k')} FROM ${sql.identifier(table)} k`;
      result[table] = await countDifferences(db, kept, rebuiltRowsOf(columns));
      continue;
    }
    const keys = columns.filter((column) => !isValueColumn(table, column)).map((column) => sql.identifier(column));
    const values = columns.filter((column) => isValueColumn(table, column));
    const sums = values.map((column) =>
      FLOAT_COLUMNS.has(column)
        ? sql.query`round(sum(${sql.identifier(column)})::numeric, 6) AS ${sql.identifier(column)}`
        : sql.query`sum(${sql.identifier(column)})::int AS ${sql.identifier(column)}`,
    );
    const kept = sql.query`SELECT * FROM (
        SELECT ${sql.join(keys, ', ')}, ${sql.join(sums, ', ')} FROM ${sql.identifier(table)} GROUP BY ${sql.join(keys, ', ')}
      ) k WHERE NOT (${sql.join(
        values.map((column) => sql.query`${sql.identifier('k', column)} = 0`),
        ' AND ',
      )})`;
    const ordered = [...columns.filter((column) => !isValueColumn(table, column)), ...values];
    result[table] = await countDifferences(db, kept, rebuiltRowsOf(ordered));
  }
  return result;
}

const VALUE_COLUMNS: Record<string, string[]> = {
  funnel_daily: ['leads'],
  campaign_daily: [
    'first_touch_leads',
    'credit',
    'first_touch_deal',
    'credit_deal',
    'first_touch_accepted',
    'credit_accepted',
    'first_touch_rejected',
    'credit_rejected',
  ],
  campaign_reason_daily: ['first_touch', 'credit'],
  sla_daily: ['met', 'late', 'open', 'late_logged'],
};
const isValueColumn = (table: string, column: string): boolean => VALUE_COLUMNS[table]?.includes(column) ?? false;

async function countDifferences(
  db: EntityManager,
  kept: sql.SQL,
  rebuilt: sql.SQL,
): Promise<{ extra: number; missing: number }> {
  const { text, values } = sql.compile(
    sql.query`WITH kept AS (${kept}), rebuilt AS (${rebuilt})
      SELECT (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM rebuilt) x)::int AS extra,
             (SELECT count(*) FROM (SELECT * FROM rebuilt EXCEPT ALL SELECT * FROM kept) x)::int AS missing`,
  );
  const [row] = await db.query<Array<{ extra: number; missing: number }>>(text, values);
  return row!;
}

const noDifferences = (differences: Record<string, { extra: number; missing: number }>): Record<string, unknown> =>
  Object.fromEntries(Object.keys(differences).map((table) => [table, { extra: 0, missing: 0 }]));

/** Every report, as plain data, read through `ctx` (its transaction's snapshot when it has one). */
const from = new Date(Date.now() - 3 * 86_400_000);
const to = new Date(Date.now() + 86_400_000);

async function reports(ctx: Context): Promise<unknown> {
  const window = { createdFrom: from, createdTo: to };
  // The SLA report says when it was computed (`at`): not a figure. Credit shares are float sums
  // whose last bits depend on the order they were added in: compared to 9 significant digits.
  const plain = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, field: unknown) =>
        key === 'at' ? undefined : typeof field === 'number' ? Number(field.toPrecision(9)) : field,
      ),
    ) as unknown;
  return {
    funnel: plain(await funnelReport(ctx, {})),
    funnelByDays: plain(await funnelReport(ctx, window)),
    campaigns: plain(
      (await campaignPerformance(ctx, window)).sort((a, b) =>
        String((a as { campaignId?: string }).campaignId).localeCompare(
          String((b as { campaignId?: string }).campaignId),
        ),
      ),
    ),
    quality: plain(await leadQuality(ctx, {})),
    sla: plain(await slaReport(ctx, slaId, from, to)),
  };
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

const RECORD = 'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }';
const MOVE = 'mutation($id: ID!, $stage: String!) { moveLeadToStage(leadId: $id, stage: $stage) { id } }';
const FEEDBACK = 'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }';

/** One writer: `steps` random writes against its own leads and the shared campaigns. */
async function writer(steps: number, errors: string[]): Promise<void> {
  const leads: string[] = [];
  for (let step = 0; step < steps; step += 1) {
    const roll = Math.random();
    let result;
    if (leads.length === 0 || roll < 0.25) {
      const lead = await givenLead(
        t,
        {
          campaignId: Math.random() < 0.7 ? pick(campaigns) : undefined,
          personaId: Math.random() < 0.5 ? pick(personas) : undefined,
          ownerId: t.userIds.SALES,
          dealValue: Math.round(Math.random() * 10_000),
        },
        Role.ADMIN,
      );
      leads.push(lead.id);
      continue;
    } else if (roll < 0.45) {
      result = await gql(t, RECORD, {
        input: {
          leadId: pick(leads),
          type: 'EMAIL_CLICK',
          campaignId: Math.random() < 0.6 ? pick(campaigns) : undefined,
        },
      });
    } else if (roll < 0.55) {
      result = await gql(t, RECORD, { input: { leadId: pick(leads), type: 'CALL' } }, { as: Role.SALES });
    } else if (roll < 0.8) {
      result = await gql(
        t,
        MOVE,
        { id: pick(leads), stage: pick(['lead', 'mql', 'mql', 'sql', 'opportunity', 'customer', 'disqualified']) },
        { as: Role.ADMIN },
      );
    } else {
      const leadId = pick(leads);
      ok(await gql(t, MOVE, { id: leadId, stage: 'mql' }, { as: Role.ADMIN }));
      const accepted = Math.random() < 0.5;
      result = await gql(
        t,
        FEEDBACK,
        {
          input: {
            leadId,
            kind: 'LEAD_QUALITY',
            disposition: accepted ? 'ACCEPTED' : 'REJECTED',
            rejectionReason: accepted ? undefined : pick(['NO_AUTHORITY', 'NO_BUDGET', 'BAD_FIT']),
          },
        },
        { as: Role.SALES },
      );
    }
    // A verdict on a lead that a concurrent move took out of mql is refused, as it should be.
    for (const error of result.errors ?? []) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      if (code !== 'BAD_USER_INPUT') errors.push(JSON.stringify(error));
    }
  }
}

async function inSnapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return t.dataSource.transaction('REPEATABLE READ', work);
}

test('with writers and folds running, every rollup equals a rebuild at every sampled instant, and every report equals the one after a rebuild', async () => {
  const errors: string[] = [];
  let writing = true;
  const folds: number[] = [];
  const folding = (async () => {
    while (writing) {
      const { ran, folded } = await foldRollupDeltas(t.dataSource);
      if (ran) folds.push(Object.values(folded).reduce((sum, rows) => sum + rows, 0));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
  const samples: Array<Record<string, { extra: number; missing: number }>> = [];
  const sampling = (async () => {
    while (writing) {
      samples.push(await inSnapshot((manager) => differencesFromRebuild(manager)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const writers = Array.from({ length: 8 }, () => writer(30, errors));
  await Promise.all(writers);
  writing = false;
  await Promise.all([folding, sampling]);

  expect(errors).toEqual([]);
  expect(samples.length).toBeGreaterThan(2);
  for (const sample of samples) expect(sample).toEqual(noDifferences(sample));
  expect(folds.some((rows) => rows > 0)).toBe(true);
  // One more write after the last fold: the reports below read its deltas unfolded.
  await givenLead(t, { campaignId: campaigns[0], ownerId: t.userIds.SALES }, Role.ADMIN);
  const [{ deltas }] = await t.dataSource.query<[{ deltas: number }]>(
    'SELECT (SELECT count(*) FROM funnel_daily_delta) + (SELECT count(*) FROM sla_daily_delta)::int AS deltas',
  );
  expect(Number(deltas)).toBeGreaterThan(0);

  const ctx = systemContext(t.dataSource, { id: t.userIds.ADMIN, name: 'admin', role: Role.ADMIN });
  // The reports, and the tables, in one snapshot: equal to a rebuild.
  const before = await inSnapshot(async (manager) => {
    expect(await differencesFromRebuild(manager)).toEqual(noDifferences(await differencesFromRebuild(manager)));
    return reports({ ...ctx, manager });
  });
  await t.dataSource.transaction((manager) => rebuildAllLeadFacts(manager));
  const after = await inSnapshot((manager) => reports({ ...ctx, manager }));
  expect(after).toEqual(before);
  // And a fold changes no figure.
  await foldRollupDeltas(t.dataSource);
  expect(await inSnapshot((manager) => reports({ ...ctx, manager }))).toEqual(before);
  const [{ leads }] = await t.dataSource.query<[{ leads: number }]>('SELECT count(*)::int AS leads FROM lead');
  expect((before as { funnel: { leads: number } }).funnel.leads).toBe(leads);
}, 300_000);

import type { DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { sql, type SQL } from '../src/db/fragments';
import { CampaignChannel, SlaKind, SlaPeriod, StageKind } from '../src/entities/enums';
import type { FunnelStage } from '../src/entities/funnel-stage.entity';
import type { SlaTerms } from '../src/entities/sla-terms.entity';
import { campaignPerformanceSql, campaignsSql, outcomeMasks } from '../src/reports/campaign-performance';
import { funnelCountsSql, hoursToNextSql, stageHoursSql, wonRevenueSql } from '../src/reports/funnel-report';
import { leadQualitySql } from '../src/reports/lead-quality';
import {
  firstReachesSql,
  slaBreachesQuery,
  slaCasePageSql,
  slaReportSql,
  slaStatusesSql,
} from '../src/reports/sla-report';
import { openSlaCasesQuery } from '../src/reports/sla-worklist';
import { caseSqlFor, countedAtSql, dueSql, lateLoggedSql, statusSql, termsInForceSql } from '../src/rollups/sla-case';

/**
 * The statements the reports send, compiled (text and values), kept as committed snapshots in
 * test/__snapshots__/report-sql.test.ts.snap, as PostGraphile keeps its generated SQL: a change
 * to any statement fails here until the snapshot is updated on purpose (`npx jest -u
 * test/report-sql.test.ts`) and the diff is reviewed with the change. Built without a database:
 * the column lists come from the entity metadata, which TypeORM builds without connecting.
 */
let dataSource: DataSource;

beforeAll(async () => {
  dataSource = createDataSource('postgres://nobody@127.0.0.1:1/none');
  // The metadata is built on initialize() after connecting; build it alone, with no connection.
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
});

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const stage = (n: number, key: string, kind: StageKind): FunnelStage =>
  ({ id: id(n), key, name: key, position: n, slot: n - 1, kind }) as FunnelStage;
/** The default funnel (migration DefaultFunnel), with fixed ids. */
const STAGES: FunnelStage[] = [
  stage(1, 'lead', StageKind.OPEN),
  stage(2, 'mql', StageKind.OPEN),
  stage(3, 'sql', StageKind.OPEN),
  stage(4, 'opportunity', StageKind.OPEN),
  stage(5, 'customer', StageKind.WON),
  stage(6, 'disqualified', StageKind.LOST),
];
const MQL = STAGES[1]!;

const CAMPAIGN = id(101);
const PERSONA = id(102);
const OWNER = id(103);
const SLA = id(201);

const from = new Date('2026-01-10T12:00:00Z');
const to = new Date('2026-04-05T06:00:00Z');
const at = new Date('2026-04-20T09:30:00Z');

const terms = (version: number, values: Partial<SlaTerms>): SlaTerms =>
  ({
    id: id(300 + version),
    slaId: SLA,
    version,
    stageId: MQL.id,
    effectiveFrom: null,
    effectiveTo: null,
    withinHours: null,
    withinDays: null,
    attempts: null,
    ...values,
  }) as SlaTerms;
/** A response SLA whose terms changed on March 1st: 24 hours before, 8 after. */
const RESPONSE_TERMS = [
  terms(1, { kind: SlaKind.RESPONSE_TIME, withinHours: 24, effectiveTo: new Date('2026-03-01T00:00:00Z') }),
  terms(2, { kind: SlaKind.RESPONSE_TIME, withinHours: 8, effectiveFrom: new Date('2026-03-01T00:00:00Z') }),
];
const FOLLOW_UP_TERMS = [terms(1, { kind: SlaKind.FOLLOW_UP, withinDays: 5, attempts: 3 })];

const compiled = (statement: SQL): { text: string; values: unknown[] } => {
  const { text, values } = sql.compile(statement);
  return { text, values: values ?? [] };
};

describe('funnelReport statements', () => {
  test.each([
    ['dates only: whole days from funnel_daily, the partial days from lead_fact', { createdFrom: from, createdTo: to }],
    ['no dates: every day from funnel_daily', {}],
    ['a campaign filter: per-lead rows', { createdFrom: from, createdTo: to, campaignId: CAMPAIGN }],
    ['channel, persona and owner filters', { channel: 'EMAIL', personaId: PERSONA, ownerId: OWNER }],
  ])('counts, %s', (_name, filter) => {
    expect(compiled(funnelCountsSql(dataSource, STAGES, filter, null))).toMatchSnapshot();
  });

  test('counts as of a past instant: the history summarised up to then', () => {
    expect(compiled(funnelCountsSql(dataSource, STAGES, { createdFrom: from }, at))).toMatchSnapshot();
  });

  test('won revenue, times to the next stage from stored times and from the per-lead rows', () => {
    const filter = { createdFrom: from, createdTo: to };
    expect(compiled(wonRevenueSql(STAGES, filter, null))).toMatchSnapshot('won revenue');
    expect(compiled(stageHoursSql(MQL, filter))).toMatchSnapshot('stored times of one stage');
    expect(compiled(hoursToNextSql(STAGES, { ...filter, campaignId: CAMPAIGN }, at))).toMatchSnapshot(
      'per-lead times as of',
    );
  });
});

describe('campaignPerformance statements', () => {
  test.each([
    ['dates only', { createdFrom: from, createdTo: to }],
    ['chosen campaigns of one channel, no dates', { campaignIds: [CAMPAIGN, id(104)], channel: CampaignChannel.EMAIL }],
  ])('%s', (_name, filter) => {
    const statements = campaignPerformanceSql(dataSource, outcomeMasks(STAGES), filter);
    expect(compiled(statements.figures)).toMatchSnapshot('figures');
    expect(compiled(statements.reasons)).toMatchSnapshot('reasons');
  });

  test('the campaigns shown, their columns from the Campaign entity', () => {
    expect(compiled(campaignsSql(dataSource, [CAMPAIGN], CampaignChannel.EMAIL))).toMatchSnapshot();
  });
});

describe('leadQuality statements', () => {
  test.each([
    ['dates only', { createdFrom: from, createdTo: to }],
    ['a persona filter, no dates', { personaId: PERSONA }],
  ])('%s', (_name, filter) => {
    const statements = leadQualitySql(outcomeMasks(STAGES), filter);
    for (const [name, statement] of Object.entries(statements)) expect(compiled(statement)).toMatchSnapshot(name);
  });
});

describe('SLA statements', () => {
  test('a RESPONSE_TIME report across a change of terms', () => {
    const statements = slaReportSql({ id: SLA }, RESPONSE_TERMS, from, to, at);
    expect(compiled(statements.counts)).toMatchSnapshot('counts');
    expect(compiled(statements.hours)).toMatchSnapshot('hours');
  });

  test('a FOLLOW_UP report within one day: no settled day, cases only', () => {
    const statements = slaReportSql(
      { id: SLA },
      FOLLOW_UP_TERMS,
      new Date('2026-04-19T00:00:00Z'),
      new Date('2026-04-19T12:00:00Z'),
      at,
    );
    expect(compiled(statements.counts)).toMatchSnapshot('counts');
  });

  test('a LEAD_VOLUME period: first reaches by quarter', () => {
    const volume = { personaId: PERSONA, campaignId: CAMPAIGN, period: SlaPeriod.QUARTER };
    expect(compiled(firstReachesSql(STAGES, MQL, volume, from, to))).toMatchSnapshot();
  });

  test('the breach list: first page, and the page after a cursor for one owner', () => {
    const report = { sla: { id: SLA } as never, from, to, at };
    const first = slaCasePageSql(slaBreachesQuery(report), 20, null);
    expect(compiled(first.rows)).toMatchSnapshot('first page');
    expect(compiled(first.count)).toMatchSnapshot('count');
    const next = slaCasePageSql(slaBreachesQuery(report, OWNER), 20, ['2026-02-01T10:00:00.000Z', id(400)]);
    expect(compiled(next.rows)).toMatchSnapshot('after a cursor');
  });

  test('the worklist: at risk only for one owner, and every open case', () => {
    const args = { slaId: SLA, ownerId: OWNER, atRiskOnly: true };
    expect(compiled(slaCasePageSql(openSlaCasesQuery(args, at), 10, null).rows)).toMatchSnapshot('at risk');
    const all = { slaId: SLA, atRiskOnly: false };
    expect(compiled(slaCasePageSql(openSlaCasesQuery(all, at), 10, null).rows)).toMatchSnapshot('all open');
  });

  test("each lead's latest cases (Lead.slaStatus)", () => {
    expect(compiled(slaStatusesSql([id(501), id(502)], at))).toMatchSnapshot();
  });

  test('the one case definition, over a terms row and specialised to one version', () => {
    expect(
      compiled(
        sql.query`${countedAtSql('a')} | ${termsInForceSql()} | ${dueSql()} | ${lateLoggedSql()} | ${statusSql(sql.query`now()`)}`,
      ),
    ).toMatchSnapshot('over sla_terms s');
    for (const version of [...RESPONSE_TERMS.slice(0, 1), ...FOLLOW_UP_TERMS]) {
      const { due, completed, reported, lateLogged } = caseSqlFor(version);
      expect(compiled(sql.join([due, completed, reported, lateLogged], ' | '))).toMatchSnapshot(version.kind);
    }
  });
});

describe('input never reaches the statement text', () => {
  test('ids, channels and dates travel as values', () => {
    const hostile = "x'); DROP TABLE lead; --";
    const statements = [
      funnelCountsSql(dataSource, STAGES, { campaignId: hostile, channel: hostile }, null),
      campaignPerformanceSql(dataSource, outcomeMasks(STAGES), { campaignIds: [hostile], channel: hostile as never })
        .figures,
      leadQualitySql(outcomeMasks(STAGES), { ownerId: hostile }).groups,
      slaCasePageSql(openSlaCasesQuery({ slaId: hostile, ownerId: hostile, atRiskOnly: true }, at), 5, null).rows,
    ];
    for (const statement of statements) {
      const { text, values } = compiled(statement);
      expect(text).not.toContain('DROP TABLE');
      expect(JSON.stringify(values)).toContain('DROP TABLE');
    }
  });
});

import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { readerOf } from '../context';
import { intLiteral, selectSql, sql, whereOf, type SQL } from '../db/fragments';
import { SlaKind, SlaPeriod } from '../entities/enums';
import type { Sla } from '../entities/sla.entity';
import type { SlaTerms } from '../entities/sla-terms.entity';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import type { Page } from '../schema/connection';
import { badInput } from '../schema/errors';
import { listStages } from '../services/funnel.service';
import { cursorKeyOf, decodeCursor, encodeCursor } from '../services/pagination';
import { getSlaOrThrow, listSlaTerms } from '../services/sla.service';
import { NO_OWNER } from '../entities/sla-daily.entity';
import { assertRange, firstReachSql, num, percentiles, ratio, selectSorting, splitByDay } from './metric-helpers';
import {
  allowedMs,
  breachedSql,
  caseColumnsSql,
  caseSqlFor,
  periodOf,
  termsAt,
  termsInForceSql,
} from '../rollups/sla-case';

type Queryable = DataSource | EntityManager;

const DAY_MS = 86_400_000;

/*
 * One SLA case is one entry of a lead into the SLA's stage, judged by the SLA's terms in force
 * when its clock started and owned by the owner the lead had then; src/rollups/sla-case.ts holds
 * the one definition of due, completed, late-logged and status, which every statement here reads.
 */

export interface SlaCaseFigures {
  visitId: string;
  leadId: string;
  slaId: string;
  ownerId: string | null;
  termsVersion: number;
  startedAt: Date;
  dueAt: Date;
  completedAt: Date | null;
  completedRecordedAt: Date | null;
  reportedCompletedAt: Date | null;
  lateLogged: boolean;
  attempts: number;
  status: 'MET' | 'BREACHED' | 'AT_RISK' | 'ON_TRACK';
}

export interface SlaComplianceFigures {
  ownerId: string | null;
  termsVersion: number | null;
  cases: number;
  met: number;
  breached: number;
  pending: number;
  lateLoggedCases: number;
  compliance: number | null;
  /** [median, p90] hours to complete; computed on first call, one statement for the whole report. */
  hoursToComplete: () => Promise<[number | null, number | null]>;
}

export interface SlaPeriodFigures {
  start: Date;
  end: Date;
  actual: number;
  target: number;
  termsVersion: number | null;
  status: 'MET' | 'BREACHED' | 'PENDING';
}

export interface SlaReportFigures {
  sla: Sla;
  terms: SlaTerms[];
  from: Date;
  to: Date;
  at: Date;
  total: SlaComplianceFigures;
  byOwner: SlaComplianceFigures[];
  byTermsVersion: SlaComplianceFigures[];
  periods: SlaPeriodFigures[];
}

const NO_HOURS = (): Promise<[null, null]> => Promise.resolve([null, null]);

/** [start, end) ∩ the instants a terms version judges; null when empty. */
function clip(term: SlaTerms, start: Date, end: Date): [Date, Date] | null {
  const from = term.effectiveFrom && new Date(term.effectiveFrom) > start ? new Date(term.effectiveFrom) : start;
  const to = term.effectiveTo && new Date(term.effectiveTo) < end ? new Date(term.effectiveTo) : end;
  return from < to ? [from, to] : null;
}

/**
 * One SELECT per terms version of the cases whose clock started in `ranges` and that the version
 * judges, each specialised to its terms, unioned; `columns` picks what each row carries.
 */
function casesByTerms(
  terms: SlaTerms[],
  ranges: Array<[Date, Date]>,
  columns: (caseSql: ReturnType<typeof caseSqlFor>, term: SlaTerms) => SQL,
  empty: SQL,
): SQL {
  const selects = terms.flatMap((term) => {
    const parts = ranges
      .map(([start, end]) => clip(term, start, end))
      .filter((range): range is [Date, Date] => range !== null)
      .map(([start, end]) => sql.query`(v.entered_at >= ${sql.value(start)} AND v.entered_at < ${sql.value(end)})`);
    if (parts.length === 0) return [];
    return [
      sql.query`SELECT ${columns(caseSqlFor(term), term)} FROM stage_visit v
       WHERE v.stage_id = ${sql.value(term.stageId)} AND (${sql.join(parts, ' OR ')})`,
    ];
  });
  return selects.length ? sql.join(selects, '\nUNION ALL\n') : sql.query`SELECT ${empty} WHERE false`;
}

/**
 * The statements of a time SLA's report over clocks started in [from, to), at `at`: the counts
 * (whole UTC days whose every case is already due from the SLA's daily rollup, the rest of the
 * window, partial days and the days still running out, from the cases), and the hours to complete.
 */
export function slaReportSql(
  sla: Pick<Sla, 'id'>,
  terms: SlaTerms[],
  from: Date,
  to: Date,
  at: Date,
): { counts: SQL; hours: SQL } {
  const now = sql.query`${sql.value(at)}::timestamptz`;
  const split = splitByDay(from, to);
  const longest = Math.max(0, ...terms.map(allowedMs));
  const settledEnd = Math.floor((at.getTime() - longest) / DAY_MS) * DAY_MS;
  let rolled = sql.query`false`;
  let caseRanges: Array<[Date, Date]> = [[from, to]];
  if (split.days?.firstDay && split.days.endDay) {
    const start = Date.parse(`${split.days.firstDay}T00:00:00Z`);
    const end = Math.min(Date.parse(`${split.days.endDay}T00:00:00Z`), settledEnd);
    if (start < end) {
      const day = (ms: number): SQL => sql.query`${sql.value(new Date(ms).toISOString().slice(0, 10))}::date`;
      rolled = sql.query`d.day >= ${day(start)} AND d.day < ${day(end)}`;
      caseRanges = [
        [from, new Date(start)],
        [new Date(end), to],
      ];
    }
  }
  const cases = casesByTerms(
    terms,
    caseRanges.filter(([start, end]) => start < end),
    ({ due, completed, lateLogged }, term) =>
      sql.query`v.owner_id, ${intLiteral(term.version)} AS terms_version, 1 AS cases, (${completed} <= ${due})::int AS met,
       ((${completed} IS NULL OR ${completed} > ${due}) AND ${due} <= ${now})::int AS breached,
       (${lateLogged})::int AS late_logged`,
    sql.query`NULL::uuid, NULL::int, 0, 0, 0, 0`,
  );
  const counts = sql.query`SELECT c.owner_id, c.terms_version, GROUPING(c.owner_id) AS all_owners, GROUPING(c.terms_version) AS all_terms,
       sum(c.cases) AS cases, sum(c.met) AS met, sum(c.breached) AS breached, sum(c.late_logged) AS late_logged
     FROM (
       SELECT nullif(d.owner_id, ${sql.literal(NO_OWNER)}::uuid) AS owner_id, d.terms_version, d.met + d.late + d.open AS cases,
         d.met, d.late + d.open AS breached, d.late_logged
       FROM sla_daily d WHERE d.sla_id = ${sql.value(sla.id)} AND ${rolled}
       UNION ALL
       ${cases}
     ) c GROUP BY GROUPING SETS ((), (c.owner_id), (c.terms_version))`;
  const hourCases = casesByTerms(
    terms,
    [[from, to]],
    ({ completed }, term) =>
      sql.query`v.owner_id, ${intLiteral(term.version)} AS terms_version, date_part('epoch', ${completed} - v.entered_at) / 3600 AS hours`,
    sql.query`NULL::uuid AS owner_id, NULL::int AS terms_version, NULL::float8 AS hours`,
  );
  const hours = sql.query`SELECT c.owner_id, c.terms_version, GROUPING(c.owner_id) AS all_owners, GROUPING(c.terms_version) AS all_terms,
         percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY c.hours) AS hours
       FROM (${hourCases}) c WHERE c.hours IS NOT NULL GROUP BY GROUPING SETS ((), (c.owner_id), (c.terms_version))`;
  return { counts, hours };
}

export async function slaReport(ctx: Context, slaId: string, from: Date, to: Date): Promise<SlaReportFigures> {
  assertRange(from, to, 'from', 'to');
  const sla = await getSlaOrThrow(ctx, slaId, 'slaId');
  const terms = await listSlaTerms(ctx, sla.id);
  const at = new Date();
  if (sla.kind === SlaKind.LEAD_VOLUME) return volumeReport(ctx, sla, terms, from, to, at);
  const statements = slaReportSql(sla, terms, from, to, at);
  const rows = await selectSql<Record<string, unknown>>(readerOf(ctx), statements.counts);
  let hours: Promise<Array<Record<string, unknown>>> | undefined;
  const allHours = (): Promise<Array<Record<string, unknown>>> =>
    (hours ??= selectSorting<Record<string, unknown>>(ctx, statements.hours));
  const sameGroup = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
    num(a.all_owners) === num(b.all_owners) &&
    num(a.all_terms) === num(b.all_terms) &&
    (a.owner_id ?? null) === (b.owner_id ?? null) &&
    (a.terms_version ?? null) === (b.terms_version ?? null);
  const toFigures = (row: Record<string, unknown> | undefined): SlaComplianceFigures => {
    const met = num(row?.met);
    const breached = num(row?.breached);
    return {
      ownerId: (row?.owner_id as string | null | undefined) ?? null,
      termsVersion: row && num(row.all_terms) === 0 ? num(row.terms_version) : null,
      cases: num(row?.cases),
      met,
      breached,
      pending: num(row?.cases) - met - breached,
      lateLoggedCases: num(row?.late_logged),
      compliance: ratio(met, met + breached),
      hoursToComplete: row
        ? async () => percentiles((await allHours()).find((other) => sameGroup(other, row))?.hours)
        : NO_HOURS,
    };
  };
  const total = toFigures(rows.find((row) => num(row.all_owners) === 1 && num(row.all_terms) === 1));
  const byOwner = rows
    .filter((row) => num(row.all_owners) === 0)
    .map(toFigures)
    .sort((a, b) => b.cases - a.cases || String(a.ownerId).localeCompare(String(b.ownerId)));
  const byTermsVersion = rows
    .filter((row) => num(row.all_terms) === 0)
    .map(toFigures)
    .sort((a, b) => Number(a.termsVersion) - Number(b.termsVersion));
  return { sla, terms, from, to, at, total, byOwner, byTermsVersion, periods: [] };
}

/** A SlaCaseFigures from a row of caseColumnsSql. */
function caseFromRow(row: Record<string, unknown>): SlaCaseFigures {
  return {
    visitId: row.visit_id as string,
    leadId: row.lead_id as string,
    slaId: row.sla_id as string,
    ownerId: row.owner_id as string | null,
    termsVersion: num(row.terms_version),
    startedAt: row.started_at as Date,
    dueAt: row.due_at as Date,
    completedAt: row.completed_at as Date | null,
    completedRecordedAt: row.completed_recorded_at as Date | null,
    reportedCompletedAt: row.reported_completed_at as Date | null,
    lateLogged: row.late_logged === true,
    attempts: num(row.attempts),
    status: row.status as SlaCaseFigures['status'],
  };
}

/** Which cases of one time SLA a page lists, at `at`: conditions on the visit `t` and its terms `s`. */
export interface SlaCaseQuery {
  slaId: string;
  at: Date;
  /** Given the visit `t`, its terms `s` and the instant `now`. */
  conditions: (now: SQL) => SQL[];
  direction: 'ASC' | 'DESC';
}

/** Cases of the SLA joined to the terms in force at their clock start (one version per case). */
const casesFromSql = (slaId: SQL): SQL =>
  sql.query`FROM stage_visit t JOIN sla_terms s ON s.sla_id = ${slaId} AND ${termsInForceSql('t', 's')}`;

/**
 * The statements of a page of cases: the rows (keyset by clock start, then visit id, one extra to
 * know whether another page follows) and their total count.
 */
export function slaCasePageSql(
  query: SlaCaseQuery,
  first: number,
  position: [string | number, string] | null,
): { rows: SQL; count: SQL } {
  const slaId = sql.value(query.slaId);
  const now = sql.query`${sql.value(query.at)}::timestamptz`;
  const where = [
    sql.query`t.stage_id IN (SELECT stage_id FROM sla_terms WHERE sla_id = ${slaId})`,
    ...query.conditions(now),
  ];
  const direction = sql.raw(query.direction === 'DESC' ? 'DESC' : 'ASC');
  const keyset = position
    ? [
        sql.query`(t.entered_at, t.id) ${sql.raw(query.direction === 'DESC' ? '<' : '>')} (${sql.value(position[0])}, ${sql.value(position[1])})`,
      ]
    : [];
  return {
    rows: sql.query`SELECT ${caseColumnsSql(now, 't', 's')} ${casesFromSql(slaId)}
     ${whereOf([...where, ...keyset])}
     ORDER BY t.entered_at ${direction}, t.id ${direction} LIMIT ${intLiteral(first + 1)}`,
    count: sql.query`SELECT count(*)::int AS count ${casesFromSql(slaId)} ${whereOf(where)}`,
  };
}

/**
 * A page of one SLA's cases, each judged in SQL by sla-case's definition. Cursors are those of
 * the stage_visit connections (sorted by enteredAt), so a page follows from the previous one.
 */
export async function slaCasePage(
  db: Queryable,
  query: SlaCaseQuery,
  first: number,
  after: string | null | undefined,
): Promise<Page<SlaCaseFigures>> {
  const key = await cursorKeyOf(db);
  const connection = `stage_visit:enteredAt:${query.direction}`;
  // `after: null` (an explicit null variable) is the first page, like no `after` at all.
  const position = after !== undefined && after !== null ? decodeCursor(key, connection, after, 'date') : null;
  const statements = slaCasePageSql(query, first, position);
  const rows = (await selectSql<Record<string, unknown>>(db, statements.rows)).map(caseFromRow);
  const nodes = rows.slice(0, first);
  return {
    nodes,
    cursorAt: (index) => encodeCursor(key, connection, nodes[index]!.startedAt, nodes[index]!.visitId),
    hasNextPage: rows.length > first,
    hasPreviousPage: position !== null,
    countTotal: async () => (await selectSql<{ count: number }>(db, statements.count))[0]?.count ?? 0,
  };
}

/** Which breached cases of a time SLA whose clock started in [from, to) a page lists, newest first. */
export function slaBreachesQuery(
  report: Pick<SlaReportFigures, 'sla' | 'from' | 'to' | 'at'>,
  ownerId?: string,
): SlaCaseQuery {
  return {
    slaId: report.sla.id,
    at: report.at,
    direction: 'DESC',
    conditions: (now) => [
      sql.query`t.entered_at >= ${sql.value(report.from)} AND t.entered_at < ${sql.value(report.to)}`,
      ...(ownerId ? [sql.query`t.owner_id = ${sql.value(ownerId)}`] : []),
      breachedSql(now, 't', 's'),
    ],
  };
}

/** The breached cases of a time SLA whose clock started in [from, to), newest first. */
export async function listSlaBreaches(
  ctx: Context,
  report: SlaReportFigures,
  first: number,
  after: string | undefined,
  ownerId?: string,
): Promise<Page<SlaCaseFigures>> {
  if (report.sla.kind === SlaKind.LEAD_VOLUME) {
    return {
      nodes: [],
      cursorAt: () => '',
      hasNextPage: false,
      hasPreviousPage: false,
      countTotal: () => Promise.resolve(0),
    };
  }
  return slaCasePage(readerOf(ctx), slaBreachesQuery(report, ownerId), first, after);
}

/**
 * Each lead's latest case under every time SLA (not archived) whose stage it has entered, judged
 * by the terms in force when its clock started, with its status at `at`. One statement for all
 * the leads of a request (see loaders).
 */
export function slaStatusesSql(leadIds: readonly string[], at: Date): SQL {
  return sql.query`SELECT DISTINCT ON (v.lead_id, s.id) ${caseColumnsSql(sql.query`${sql.value(at)}::timestamptz`, 'v', 'st')}, s.name
     FROM stage_visit v
     JOIN sla_terms st ON ${termsInForceSql('v', 'st')}
     JOIN sla s ON s.id = st.sla_id AND s.archived_at IS NULL AND s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP')
     WHERE v.lead_id = ANY(${sql.value(leadIds)}::uuid[])
     ORDER BY v.lead_id, s.id, v.entered_at DESC, v.id DESC`;
}

export async function slaStatusesOfLeads(
  db: DataSource | EntityManager,
  leadIds: readonly string[],
): Promise<Map<string, SlaCaseFigures[]>> {
  const rows = await selectSql<Record<string, unknown>>(db, slaStatusesSql(leadIds, new Date()));
  const byLead = new Map<string, SlaCaseFigures[]>();
  for (const row of rows.sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
    const list = byLead.get(row.lead_id as string) ?? [];
    list.push(caseFromRow(row));
    byLead.set(row.lead_id as string, list);
  }
  return byLead;
}

/** Leads that reached the terms' stage for the first time in [from, to), by period start. */
async function firstReachesByPeriod(
  ctx: Context,
  sla: Pick<SlaTerms, 'stageId' | 'personaId' | 'campaignId' | 'period'>,
  from: Date,
  to: Date,
): Promise<Map<number, number>> {
  const stages = await listStages(ctx);
  const stage = stages.find((candidate) => candidate.id === sla.stageId);
  if (!stage) return new Map();
  const rows = await selectSql<{ period: Date; leads: string }>(
    readerOf(ctx),
    firstReachesSql(stages, stage, sla, from, to),
  );
  return new Map(rows.map((row) => [new Date(row.period).getTime(), num(row.leads)]));
}

/** Leads of the terms' persona and campaign that first reached `stage` in [from, to), by period. */
export function firstReachesSql(
  stages: FunnelStage[],
  stage: FunnelStage,
  sla: Pick<SlaTerms, 'personaId' | 'campaignId' | 'period'>,
  from: Date,
  to: Date,
): SQL {
  const reach = firstReachSql(stages, stage);
  const where = [sql.query`${reach} >= ${sql.value(from)} AND ${reach} < ${sql.value(to)}`];
  if (sla.personaId) where.push(sql.query`f.persona_id = ${sql.value(sla.personaId)}`);
  if (sla.campaignId) where.push(sql.query`f.campaign_id = ${sql.value(sla.campaignId)}`);
  const unit = sql.literal(sla.period === SlaPeriod.QUARTER ? 'quarter' : 'month');
  return sql.query`SELECT date_trunc(${unit}, ${reach} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period, count(*) AS leads
     FROM lead_fact f ${whereOf(where)} GROUP BY 1`;
}

/**
 * A LEAD_VOLUME period's clock starts with the period: it is judged by the terms in force at its
 * start (target, stage, persona, campaign). The periods' length is the SLA's current one.
 */
async function volumeReport(
  ctx: Context,
  sla: Sla,
  terms: SlaTerms[],
  from: Date,
  to: Date,
  at: Date,
): Promise<SlaReportFigures> {
  const periods: Array<{ start: Date; end: Date; terms: SlaTerms | undefined }> = [];
  for (let period = periodOf(sla.period!, from); period.start < to; period = periodOf(sla.period!, period.end)) {
    periods.push({ ...period, terms: termsAt(terms, period.start) });
  }
  const counts = new Map<number, number>();
  for (const term of new Set(periods.map((period) => period.terms))) {
    const own = periods.filter((period) => period.terms === term);
    const first = own[0];
    const last = own[own.length - 1];
    if (!term || !first || !last) continue;
    const found = await firstReachesByPeriod(ctx, { ...term, period: sla.period }, first.start, last.end);
    for (const [start, leads] of found) counts.set(start, leads);
  }
  const figures = periods.map(({ start, end, terms: term }): SlaPeriodFigures => {
    const actual = counts.get(start.getTime()) ?? 0;
    const target = term?.target ?? sla.target ?? 0;
    return {
      start,
      end,
      actual,
      target,
      termsVersion: term?.version ?? null,
      status: actual >= target ? 'MET' : end <= at ? 'BREACHED' : 'PENDING',
    };
  });
  const met = figures.filter((p) => p.status === 'MET').length;
  const breached = figures.filter((p) => p.status === 'BREACHED').length;
  return {
    sla,
    terms,
    from,
    to,
    at,
    total: {
      ownerId: null,
      termsVersion: null,
      cases: figures.length,
      met,
      breached,
      pending: figures.length - met - breached,
      lateLoggedCases: 0,
      compliance: ratio(met, met + breached),
      hoursToComplete: NO_HOURS,
    },
    byOwner: [],
    byTermsVersion: [],
    periods: figures,
  };
}

export interface GoalProgressFigures {
  sla: Sla;
  at: Date;
  periodStart: Date;
  periodEnd: Date;
  target: number;
  actual: number;
  expectedToDate: number;
  projected: number | null;
  dailyRateNeeded: number;
}

/** Where a LEAD_VOLUME SLA stands at `at` within the period (calendar month or quarter, UTC) holding it. */
export async function goalProgress(ctx: Context, slaId: string, at: Date | null): Promise<GoalProgressFigures> {
  const when = at ?? new Date();
  if (Number.isNaN(when.getTime())) throw badInput('at', 'at is not a valid date');
  const sla = await getSlaOrThrow(ctx, slaId, 'slaId');
  if (sla.kind !== SlaKind.LEAD_VOLUME) {
    throw badInput('slaId', `goalProgress needs a LEAD_VOLUME SLA; ${sla.name} is ${sla.kind}`);
  }
  const { start, end } = periodOf(sla.period!, when);
  // The period is judged by the terms in force when it began (see volumeReport).
  const terms = termsAt(await listSlaTerms(ctx, sla.id), start);
  const counts = await firstReachesByPeriod(ctx, { ...(terms ?? sla), period: sla.period }, start, when);
  const actual = counts.get(start.getTime()) ?? 0;
  const target = terms?.target ?? sla.target ?? 0;
  const length = end.getTime() - start.getTime();
  const elapsed = when.getTime() - start.getTime();
  const remainingDays = (end.getTime() - when.getTime()) / 86_400_000;
  return {
    sla,
    at: when,
    periodStart: start,
    periodEnd: end,
    target,
    actual,
    expectedToDate: (target * elapsed) / length,
    projected: elapsed > 0 ? (actual * length) / elapsed : null,
    dailyRateNeeded: remainingDays > 0 ? Math.max(0, target - actual) / remainingDays : 0,
  };
}

import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { readerOf } from '../context';
import { Conditions, selectRows } from '../db/select';
import { SlaKind, SlaPeriod } from '../entities/enums';
import type { Sla } from '../entities/sla.entity';
import type { SlaTerms } from '../entities/sla-terms.entity';
import type { Page } from '../schema/connection';
import { badInput } from '../schema/errors';
import { listStages } from '../services/funnel.service';
import { keysetPage } from '../services/pagination';
import { getSlaOrThrow, listSlaTerms } from '../services/sla.service';
import { StageVisit } from '../entities/stage-visit.entity';
import { NO_OWNER } from '../entities/sla-daily.entity';
import { assertRange, firstReachSql, num, percentiles, ratio, selectSorting, splitByDay } from './metric-helpers';
import {
  allowedMs,
  caseSqlFor,
  completedSql,
  dueSql,
  lateLoggedSql,
  periodOf,
  reportedCompletedSql,
  termsAt,
  termsInForceSql,
} from '../rollups/sla-case';

const DAY_MS = 86_400_000;

/**
 * One SLA case is one entry of a lead into the SLA's stage, judged by the SLA's terms in force
 * when its clock started and owned by the owner the lead had then; see sla-case-sql.ts for the
 * one definition of due, completed, late-logged and status, over `v` (stage_visit) and `s`
 * (sla_terms).
 */
const DUE_SQL = dueSql('v', 'st');
const COMPLETED_SQL = completedSql('v', 'st');
/** A case is breached when it was not completed by its due time and that time has passed. */
const breachedSql = (now: string, v = 'v', s = 's'): string =>
  `((${completedSql(v, s)} IS NULL OR ${completedSql(v, s)} > ${dueSql(v, s)}) AND ${dueSql(v, s)} <= ${now})`;
const statusSql = (now: string): string => `(CASE
  WHEN ${COMPLETED_SQL} <= ${DUE_SQL} THEN 'MET'
  WHEN ${DUE_SQL} <= ${now} THEN 'BREACHED'
  WHEN ${now} >= v.entered_at + (${DUE_SQL} - v.entered_at) * 0.75 THEN 'AT_RISK'
  ELSE 'ON_TRACK' END)`;

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
  where: Conditions,
  terms: SlaTerms[],
  ranges: Array<[Date, Date]>,
  columns: (sql: ReturnType<typeof caseSqlFor>, term: SlaTerms) => string,
  empty: string,
): string {
  const selects = terms.flatMap((term) => {
    const parts = ranges
      .map(([start, end]) => clip(term, start, end))
      .filter((range): range is [Date, Date] => range !== null)
      .map(([start, end]) => `(v.entered_at >= ${where.param(start)} AND v.entered_at < ${where.param(end)})`);
    if (parts.length === 0) return [];
    return [
      `SELECT ${columns(caseSqlFor(term), term)} FROM stage_visit v
       WHERE v.stage_id = ${where.param(term.stageId)} AND (${parts.join(' OR ')})`,
    ];
  });
  return selects.length ? selects.join('\nUNION ALL\n') : `SELECT ${empty} WHERE false`;
}

export async function slaReport(ctx: Context, slaId: string, from: Date, to: Date): Promise<SlaReportFigures> {
  assertRange(from, to, 'from', 'to');
  const sla = await getSlaOrThrow(ctx, slaId, 'slaId');
  const terms = await listSlaTerms(ctx, sla.id);
  const at = new Date();
  if (sla.kind === SlaKind.LEAD_VOLUME) return volumeReport(ctx, sla, terms, from, to, at);
  // Counts: for whole days (UTC) whose every case is already due, the SLA's daily rollup; for the
  // rest of [from, to) (the partial days at its ends, and the days still running out) the cases.
  const where = new Conditions();
  const slaParam = where.param(sla.id);
  const split = splitByDay(from, to);
  const longest = Math.max(0, ...terms.map(allowedMs));
  const settledEnd = Math.floor((at.getTime() - longest) / DAY_MS) * DAY_MS;
  let rolled = 'false';
  let caseRanges: Array<[Date, Date]> = [[from, to]];
  if (split.days?.firstDay && split.days.endDay) {
    const start = Date.parse(`${split.days.firstDay}T00:00:00Z`);
    const end = Math.min(Date.parse(`${split.days.endDay}T00:00:00Z`), settledEnd);
    if (start < end) {
      rolled = `d.day >= ${where.param(new Date(start).toISOString().slice(0, 10))}::date AND d.day < ${where.param(new Date(end).toISOString().slice(0, 10))}::date`;
      caseRanges = [
        [from, new Date(start)],
        [new Date(end), to],
      ];
    }
  }
  const cases = casesByTerms(
    where,
    terms,
    caseRanges.filter(([start, end]) => start < end),
    ({ due, completed, lateLogged }, term) =>
      `v.owner_id, ${term.version} AS terms_version, 1 AS cases, (${completed} <= ${due})::int AS met,
       ((${completed} IS NULL OR ${completed} > ${due}) AND ${due} <= ${where.param(at)}::timestamptz)::int AS breached,
       (${lateLogged})::int AS late_logged`,
    'NULL::uuid, NULL::int, 0, 0, 0, 0',
  );
  const rows = await selectRows<Record<string, unknown>>(
    readerOf(ctx),
    `SELECT c.owner_id, c.terms_version, GROUPING(c.owner_id) AS all_owners, GROUPING(c.terms_version) AS all_terms,
       sum(c.cases) AS cases, sum(c.met) AS met, sum(c.breached) AS breached, sum(c.late_logged) AS late_logged
     FROM (
       SELECT nullif(d.owner_id, '${NO_OWNER}'::uuid) AS owner_id, d.terms_version, d.met + d.late + d.open AS cases,
         d.met, d.late + d.open AS breached, d.late_logged
       FROM sla_daily d WHERE d.sla_id = ${slaParam} AND ${rolled}
       UNION ALL
       ${cases}
     ) c GROUP BY GROUPING SETS ((), (c.owner_id), (c.terms_version))`,
    where.params,
  );
  const hourWhere = new Conditions();
  const hourCases = casesByTerms(
    hourWhere,
    terms,
    [[from, to]],
    ({ completed }, term) =>
      `v.owner_id, ${term.version} AS terms_version, date_part('epoch', ${completed} - v.entered_at) / 3600 AS hours`,
    'NULL::uuid AS owner_id, NULL::int AS terms_version, NULL::float8 AS hours',
  );
  let hours: Promise<Array<Record<string, unknown>>> | undefined;
  const allHours = (): Promise<Array<Record<string, unknown>>> =>
    (hours ??= selectSorting<Record<string, unknown>>(
      ctx,
      `SELECT c.owner_id, c.terms_version, GROUPING(c.owner_id) AS all_owners, GROUPING(c.terms_version) AS all_terms,
         percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY c.hours) AS hours
       FROM (${hourCases}) c WHERE c.hours IS NOT NULL GROUP BY GROUPING SETS ((), (c.owner_id), (c.terms_version))`,
      hourWhere.params,
    ));
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
  const where = new Conditions();
  const sla = where.param(report.sla.id);
  where.add(`t.stage_id IN (SELECT stage_id FROM sla_terms WHERE sla_id = ${sla})`);
  where.add(`t.entered_at >= ${where.param(report.from)} AND t.entered_at < ${where.param(report.to)}`);
  if (ownerId) where.add(`t.owner_id = ${where.param(ownerId)}`);
  const at = `${where.param(report.at)}::timestamptz`;
  where.add(
    `EXISTS (SELECT 1 FROM sla_terms s WHERE s.sla_id = ${sla} AND ${termsInForceSql('t', 's')} AND ${breachedSql(at, 't')})`,
  );
  const page = await keysetPage(
    readerOf(ctx),
    StageVisit,
    'stage_visit',
    where,
    { property: 'enteredAt', column: 'entered_at', kind: 'date', direction: 'DESC' },
    first,
    after,
  );
  return {
    ...page,
    nodes: page.nodes.map((visit) => caseOf(report.sla, report.terms, visit, report.at)),
  };
}

/**
 * The case of `visit` judged by the version of the SLA's terms (`allTerms`, any order) in force on
 * its stage when its clock started, in JS for the rows of a page; the same rules as the SQL above.
 */
export function caseOf(sla: Sla, allTerms: SlaTerms[], visit: StageVisit, at: Date): SlaCaseFigures {
  const startedAt = new Date(visit.enteredAt);
  const terms = termsAt(
    allTerms.filter((candidate) => candidate.stageId === visit.stageId),
    startedAt,
  )!;
  const allowed = allowedMs(terms);
  const dueAt = new Date(startedAt.getTime() + allowed);
  const needed = terms.kind === SlaKind.RESPONSE_TIME ? 1 : (terms.attempts ?? 1);
  const dates = (values: Date[] | null | undefined): Date[] => (values ?? []).map((time) => new Date(time));
  const completedAt = dates(visit.contactTimes)[needed - 1] ?? null;
  const reportedCompletedAt = dates(visit.reportedContactTimes)[needed - 1] ?? null;
  const met = completedAt !== null && completedAt <= dueAt;
  const status = met
    ? 'MET'
    : dueAt <= at
      ? 'BREACHED'
      : at.getTime() >= startedAt.getTime() + allowed * 0.75
        ? 'AT_RISK'
        : 'ON_TRACK';
  return {
    visitId: visit.id,
    leadId: visit.leadId,
    slaId: sla.id,
    ownerId: visit.ownerId,
    termsVersion: terms.version,
    startedAt,
    dueAt,
    completedAt,
    completedRecordedAt: dates(visit.contactRecordedTimes)[needed - 1] ?? null,
    reportedCompletedAt,
    lateLogged: !met && reportedCompletedAt !== null && reportedCompletedAt <= dueAt,
    attempts: (visit.contactTimes ?? []).length,
    status,
  };
}

/**
 * Each lead's latest case under every time SLA (not archived) whose stage it has entered, judged
 * by the terms in force when its clock started, with its status now. One statement for all the
 * leads of a request (see loaders).
 */
export async function slaStatusesOfLeads(
  db: DataSource | EntityManager,
  leadIds: readonly string[],
): Promise<Map<string, SlaCaseFigures[]>> {
  const rows = await selectRows<Record<string, unknown>>(
    db,
    `SELECT DISTINCT ON (v.lead_id, s.id) v.id AS visit_id, v.lead_id, s.id AS sla_id, s.name, v.owner_id,
       st.version AS terms_version, v.entered_at AS started_at, ${DUE_SQL} AS due_at, ${COMPLETED_SQL} AS completed_at,
       CASE WHEN st.kind = 'RESPONSE_TIME' THEN v.contact_recorded_times[1] ELSE v.contact_recorded_times[st.attempts] END
         AS completed_recorded_at,
       ${reportedCompletedSql('v', 'st')} AS reported_completed_at, ${lateLoggedSql('v', 'st')} AS late_logged,
       cardinality(v.contact_times) AS attempts, ${statusSql('$2::timestamptz')} AS status
     FROM stage_visit v
     JOIN sla_terms st ON ${termsInForceSql('v', 'st')}
     JOIN sla s ON s.id = st.sla_id AND s.archived_at IS NULL AND s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP')
     WHERE v.lead_id = ANY($1::uuid[])
     ORDER BY v.lead_id, s.id, v.entered_at DESC, v.id DESC`,
    [leadIds, new Date()],
  );
  const byLead = new Map<string, SlaCaseFigures[]>();
  for (const row of rows.sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
    const list = byLead.get(row.lead_id as string) ?? [];
    list.push({
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
    });
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
  const where = new Conditions();
  const reach = firstReachSql(stages, stage);
  where.add(`${reach} >= ${where.param(from)} AND ${reach} < ${where.param(to)}`);
  if (sla.personaId) where.add(`f.persona_id = ${where.param(sla.personaId)}`);
  if (sla.campaignId) where.add(`f.campaign_id = ${where.param(sla.campaignId)}`);
  const unit = sla.period === SlaPeriod.QUARTER ? 'quarter' : 'month';
  const rows = await selectRows<{ period: Date; leads: string }>(
    readerOf(ctx),
    `SELECT date_trunc('${unit}', ${reach} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period, count(*) AS leads
     FROM lead_fact f ${where.where()} GROUP BY 1`,
    where.params,
  );
  return new Map(rows.map((row) => [new Date(row.period).getTime(), num(row.leads)]));
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

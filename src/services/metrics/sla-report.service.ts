import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../context';
import { readerOf } from '../../context';
import { Conditions, selectRows } from '../../db/select';
import { SlaKind, SlaPeriod } from '../../entities/enums';
import type { Sla } from '../../entities/sla.entity';
import type { Page } from '../../schema/connection';
import { badInput } from '../../schema/errors';
import { listStages } from '../funnel.service';
import { keysetPage } from '../pagination';
import { getSlaOrThrow } from '../sla.service';
import { StageVisit } from '../../entities/stage-visit.entity';
import { NO_OWNER } from '../../entities/sla-daily.entity';
import { assertRange, firstReachSql, num, percentiles, ratio, selectSorting, splitByDay } from './metric-helpers';
import { allowedMs, caseSqlFor, completedSql, dueSql } from './sla-case-sql';

const DAY_MS = 86_400_000;

/**
 * One SLA case is one entry of a lead into the SLA's stage: the clock starts at the entry. The
 * attempts are the lead's CALL, EMAIL_SENT and MEETING activities from the entry until its next
 * entry into the same stage (stage_visit.contact_times). These SQL expressions, over `v`
 * (stage_visit) and `s` (sla), are the one definition of due, completed and status.
 */
const DUE_SQL = dueSql();
const COMPLETED_SQL = completedSql();
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
  startedAt: Date;
  dueAt: Date;
  completedAt: Date | null;
  attempts: number;
  status: 'MET' | 'BREACHED' | 'AT_RISK' | 'ON_TRACK';
}

export interface SlaComplianceFigures {
  ownerId: string | null;
  cases: number;
  met: number;
  breached: number;
  pending: number;
  compliance: number | null;
  /** [median, p90] hours to complete; computed on first call, one statement for the whole report. */
  hoursToComplete: () => Promise<[number | null, number | null]>;
}

export interface SlaPeriodFigures {
  start: Date;
  end: Date;
  actual: number;
  target: number;
  status: 'MET' | 'BREACHED' | 'PENDING';
}

export interface SlaReportFigures {
  sla: Sla;
  from: Date;
  to: Date;
  at: Date;
  total: SlaComplianceFigures;
  byOwner: SlaComplianceFigures[];
  periods: SlaPeriodFigures[];
}

const NO_HOURS = (): Promise<[null, null]> => Promise.resolve([null, null]);

export async function slaReport(ctx: Context, slaId: string, from: Date, to: Date): Promise<SlaReportFigures> {
  assertRange(from, to, 'from', 'to');
  const sla = await getSlaOrThrow(ctx, slaId, 'slaId');
  const at = new Date();
  if (sla.kind === SlaKind.LEAD_VOLUME) return volumeReport(ctx, sla, from, to, at);
  // Counts: for whole days (UTC) whose every case is already due, the SLA's daily rollup; for the
  // rest of [from, to) (the partial days at its ends, and the days still running out) the cases.
  const { due, completed } = caseSqlFor(sla);
  const where = new Conditions();
  const slaParam = where.param(sla.id);
  const stageParam = where.param(sla.stageId);
  const atParam = where.param(at);
  const split = splitByDay(from, to);
  const settledEnd = Math.floor((at.getTime() - allowedMs(sla)) / DAY_MS) * DAY_MS;
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
  const ranges = caseRanges
    .filter(([start, end]) => start < end)
    .map(([start, end]) => `(v.entered_at >= ${where.param(start)} AND v.entered_at < ${where.param(end)})`);
  const rows = await selectRows<Record<string, unknown>>(
    readerOf(ctx),
    `SELECT c.owner_id, GROUPING(c.owner_id) AS is_total, sum(c.cases) AS cases, sum(c.met) AS met, sum(c.breached) AS breached
     FROM (
       SELECT nullif(d.owner_id, '${NO_OWNER}'::uuid) AS owner_id, d.met + d.late + d.open AS cases, d.met, d.late + d.open AS breached
       FROM sla_daily d WHERE d.sla_id = ${slaParam} AND ${rolled}
       UNION ALL
       SELECT v.owner_id, 1, (${completed} <= ${due})::int,
         ((${completed} IS NULL OR ${completed} > ${due}) AND ${due} <= ${atParam})::int
       FROM stage_visit v WHERE v.stage_id = ${stageParam} AND (${ranges.length ? ranges.join(' OR ') : 'false'})
     ) c GROUP BY ROLLUP (c.owner_id)`,
    where.params,
  );
  const cases = `FROM stage_visit v WHERE v.stage_id = $1 AND v.entered_at >= $2 AND v.entered_at < $3`;
  const params = [sla.stageId, from, to];
  let hours: Promise<Array<Record<string, unknown>>> | undefined;
  const allHours = (): Promise<Array<Record<string, unknown>>> =>
    (hours ??= selectSorting<Record<string, unknown>>(
      ctx,
      `SELECT v.owner_id, GROUPING(v.owner_id) AS is_total,
         percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', ${completed} - v.entered_at) / 3600) AS hours
       ${cases} AND ${completed} IS NOT NULL GROUP BY ROLLUP (v.owner_id)`,
      params,
    ));
  const sameGroup = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
    num(a.is_total) === num(b.is_total) && (a.owner_id ?? null) === (b.owner_id ?? null);
  const toFigures = (row: Record<string, unknown> | undefined): SlaComplianceFigures => {
    const met = num(row?.met);
    const breached = num(row?.breached);
    return {
      ownerId: (row?.owner_id as string | null | undefined) ?? null,
      cases: num(row?.cases),
      met,
      breached,
      pending: num(row?.cases) - met - breached,
      compliance: ratio(met, met + breached),
      hoursToComplete: row
        ? async () => percentiles((await allHours()).find((other) => sameGroup(other, row))?.hours)
        : NO_HOURS,
    };
  };
  const total = toFigures(rows.find((row) => num(row.is_total) === 1));
  const byOwner = rows
    .filter((row) => num(row.is_total) === 0)
    .map(toFigures)
    .sort((a, b) => b.cases - a.cases || String(a.ownerId).localeCompare(String(b.ownerId)));
  return { sla, from, to, at, total, byOwner, periods: [] };
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
    return { nodes: [], cursorAt: () => '', hasNextPage: false, hasPreviousPage: false, countTotal: () => Promise.resolve(0) };
  }
  const where = new Conditions();
  const sla = where.param(report.sla.id);
  where.add(`t.stage_id = (SELECT stage_id FROM sla WHERE id = ${sla})`);
  where.add(`t.entered_at >= ${where.param(report.from)} AND t.entered_at < ${where.param(report.to)}`);
  if (ownerId) where.add(`t.owner_id = ${where.param(ownerId)}`);
  const at = `${where.param(report.at)}::timestamptz`;
  where.add(`EXISTS (SELECT 1 FROM sla s WHERE s.id = ${sla} AND ${breachedSql(at, 't')})`);
  const page = await keysetPage(
    readerOf(ctx),
    StageVisit,
    'stage_visit',
    where,
    { property: 'enteredAt', column: 'entered_at', kind: 'date', direction: 'DESC' },
    first,
    after,
  );
  return { ...page, nodes: page.nodes.map((visit) => caseOf(report.sla, visit, report.at)) };
}

function caseOf(sla: Sla, visit: StageVisit, at: Date): SlaCaseFigures {
  const startedAt = new Date(visit.enteredAt);
  const allowedMs =
    sla.kind === SlaKind.RESPONSE_TIME ? (sla.withinHours ?? 0) * 3_600_000 : (sla.withinDays ?? 0) * 86_400_000;
  const dueAt = new Date(startedAt.getTime() + allowedMs);
  const needed = sla.kind === SlaKind.RESPONSE_TIME ? 1 : (sla.attempts ?? 1);
  const times = (visit.contactTimes ?? []).map((time) => new Date(time));
  const completedAt = times[needed - 1] ?? null;
  const status =
    completedAt && completedAt <= dueAt
      ? 'MET'
      : dueAt <= at
        ? 'BREACHED'
        : at.getTime() >= startedAt.getTime() + allowedMs * 0.75
          ? 'AT_RISK'
          : 'ON_TRACK';
  return {
    visitId: visit.id,
    leadId: visit.leadId,
    slaId: sla.id,
    ownerId: visit.ownerId,
    startedAt,
    dueAt,
    completedAt,
    attempts: times.length,
    status,
  };
}

/**
 * Each lead's latest case under every time SLA (not archived) whose stage it has entered, with its
 * status now. One statement for all the leads of a request (see loaders).
 */
export async function slaStatusesOfLeads(
  db: DataSource | EntityManager,
  leadIds: readonly string[],
): Promise<Map<string, SlaCaseFigures[]>> {
  const rows = await selectRows<Record<string, unknown>>(
    db,
    `SELECT DISTINCT ON (v.lead_id, s.id) v.id AS visit_id, v.lead_id, s.id AS sla_id, s.name, v.owner_id,
       v.entered_at AS started_at, ${DUE_SQL} AS due_at, ${COMPLETED_SQL} AS completed_at,
       cardinality(v.contact_times) AS attempts, ${statusSql('$2::timestamptz')} AS status
     FROM stage_visit v
     JOIN sla s ON s.stage_id = v.stage_id AND s.archived_at IS NULL AND s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP')
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
      startedAt: row.started_at as Date,
      dueAt: row.due_at as Date,
      completedAt: row.completed_at as Date | null,
      attempts: num(row.attempts),
      status: row.status as SlaCaseFigures['status'],
    });
    byLead.set(row.lead_id as string, list);
  }
  return byLead;
}

/** [start, end) of the calendar month or quarter (UTC) that contains `at`. */
export function periodOf(period: SlaPeriod, at: Date): { start: Date; end: Date } {
  const months = period === SlaPeriod.QUARTER ? 3 : 1;
  const year = at.getUTCFullYear();
  const month = Math.floor(at.getUTCMonth() / months) * months;
  return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + months, 1)) };
}

/** Leads that reached the SLA's stage for the first time in [from, to), by period start. */
async function firstReachesByPeriod(ctx: Context, sla: Sla, from: Date, to: Date): Promise<Map<number, number>> {
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

async function volumeReport(ctx: Context, sla: Sla, from: Date, to: Date, at: Date): Promise<SlaReportFigures> {
  const periods: Array<{ start: Date; end: Date }> = [];
  for (let period = periodOf(sla.period!, from); period.start < to; period = periodOf(sla.period!, period.end)) {
    periods.push(period);
  }
  const first = periods[0];
  const last = periods[periods.length - 1];
  const counts =
    first && last ? await firstReachesByPeriod(ctx, sla, first.start, last.end) : new Map<number, number>();
  const target = sla.target ?? 0;
  const figures = periods.map(({ start, end }): SlaPeriodFigures => {
    const actual = counts.get(start.getTime()) ?? 0;
    return { start, end, actual, target, status: actual >= target ? 'MET' : end <= at ? 'BREACHED' : 'PENDING' };
  });
  const met = figures.filter((p) => p.status === 'MET').length;
  const breached = figures.filter((p) => p.status === 'BREACHED').length;
  return {
    sla,
    from,
    to,
    at,
    total: {
      ownerId: null,
      cases: figures.length,
      met,
      breached,
      pending: figures.length - met - breached,
      compliance: ratio(met, met + breached),
      hoursToComplete: NO_HOURS,
    },
    byOwner: [],
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
  const counts = await firstReachesByPeriod(ctx, sla, start, when);
  const actual = counts.get(start.getTime()) ?? 0;
  const target = sla.target ?? 0;
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

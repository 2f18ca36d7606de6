import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { readerOf } from '../context';
import { allOf, column, columnListOf, columnNamesOf, selectSql, sql, whereOf, type SQL } from '../db/fragments';
import { FunnelDailyFolded } from '../entities/funnel-daily.entity';
import { LeadFact } from '../entities/lead-fact.entity';
import { StageKind } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { badInput } from '../schema/errors';
import { listStages, stageByKeyOrThrow } from '../services/funnel.service';
import { enteredAtColumn, leadSummary, stageTimesFresh } from '../rollups/lead-facts';
import {
  cohortConditions,
  daysCondition,
  edgesCondition,
  splitByDay,
  assertCohortFilter,
  bigintSql,
  bitOf,
  firstReachSql,
  maskOf,
  movedBackSql,
  nextStageOf,
  num,
  percentiles,
  selectSorting,
  ratio,
  reachStages,
  type CohortFilter,
} from './metric-helpers';

type Queryable = DataSource | EntityManager;

export interface FunnelStageFigures {
  stage: FunnelStage;
  nextStage: FunnelStage | null;
  entered: number;
  reached: number;
  skipped: number;
  current: number;
  movedBack: number;
  reentered: number;
  reachedShare: number | null;
  conversionToNext: number | null;
  /** [median, p90] hours to the next stage; computed on first call, for all stages at once. */
  hoursToNext: () => Promise<[number | null, number | null]>;
}

export interface FunnelReportFigures {
  filter: CohortFilter;
  asOf: Date | null;
  leads: number;
  recycled: number;
  stages: FunnelStageFigures[];
  /** Won revenue of the cohort; computed on first call. */
  wonRevenue: () => Promise<number>;
}

/**
 * The columns funnel_daily groups leads by: those of its folded rows (the view's columns) that lead_fact has too (its day
 * and weight columns, or any bookkeeping column of the rollups, are not among them).
 */
const rollupColumns = (db: Queryable, alias: string): SQL => {
  const perLead = new Set(columnNamesOf(db, LeadFact));
  return columnListOf(
    db,
    FunnelDailyFolded,
    alias,
    columnNamesOf(db, FunnelDailyFolded).filter((name) => !perLead.has(name)),
  );
};

/** Hours from the first entry into `stage` to the first reach of the next stage after it. */
function stageHoursToNextSql(stages: FunnelStage[], stage: FunnelStage, next: FunnelStage): { value: SQL; when: SQL } {
  const entered = column('f', enteredAtColumn(stage.slot));
  const reachedNext = firstReachSql(stages, next);
  return {
    value: sql.query`date_part('epoch', ${reachedNext} - ${entered}) / 3600`,
    when: sql.query`${entered} IS NOT NULL AND ${reachedNext} > ${entered}`,
  };
}

const onlyDates = (filter: CohortFilter): boolean =>
  !filter.campaignId && !filter.channel && !filter.personaId && !filter.ownerId;

/**
 * The per-lead rows of the cohort as `f`: lead_fact, or with `asOf` the same summary computed
 * from the history up to then. Every row has weight `n` = 1.
 */
function leadRowsSource(filter: CohortFilter, asOf: Date | null): SQL {
  if (asOf) {
    const bound = sql.value(asOf);
    const cohort = [...cohortConditions('l', filter), sql.query`l.created_at <= ${bound}`];
    return sql.query`(SELECT s.*, 1 AS n FROM (${leadSummary(allOf(cohort), sql.query`${bound}::timestamptz`)}) s) f`;
  }
  return sql.query`(SELECT e.*, 1 AS n FROM lead_fact e ${whereOf(cohortConditions('e', filter))}) f`;
}

/**
 * The rows counted: for a cohort bounded by dates only, the whole UTC days come from funnel_daily
 * (weight n = the leads sharing a row) and the partial days at the ends from lead_fact; any other
 * filter, or asOf, reads per-lead rows.
 */
function countedSource(db: Queryable, filter: CohortFilter, asOf: Date | null): SQL {
  if (asOf || !onlyDates(filter)) return leadRowsSource(filter, asOf);
  const split = splitByDay(filter.createdFrom, filter.createdTo);
  const edges = sql.query`SELECT ${rollupColumns(db, 'e')}, 1 AS n FROM lead_fact e WHERE ${edgesCondition('e', split.edges)}`;
  if (!split.days) return sql.query`(${edges}) f`;
  return sql.query`(SELECT ${rollupColumns(db, 'd')}, d.leads AS n FROM funnel_daily d WHERE ${daysCondition('d', split.days)}
           UNION ALL ${edges}) f`;
}

/** The statement of a funnel's counts: one row, columns leads, recycled and per stage index i. */
export function funnelCountsSql(db: Queryable, stages: FunnelStage[], filter: CohortFilter, asOf: Date | null): SQL {
  const sum = (condition: SQL): SQL => sql.query`coalesce(sum(f.n) FILTER (WHERE ${condition}), 0)`;
  const selects = [
    sql.query`coalesce(sum(f.n), 0) AS leads`,
    sql.query`${sum(sql.query`f.reentered_mask <> 0`)} AS recycled`,
  ];
  stages.forEach((stage, i) => {
    const bit = bigintSql(bitOf(stage));
    selects.push(
      sql.query`${sum(sql.query`f.entered_mask & ${bit} <> 0`)} AS ${sql.identifier(`entered_${i}`)}`,
      sql.query`${sum(sql.query`f.entered_mask & ${bigintSql(maskOf(reachStages(stages, stage)))} <> 0`)} AS ${sql.identifier(`reached_${i}`)}`,
      sql.query`${sum(sql.query`f.stage_id = ${sql.value(stage.id)}::uuid`)} AS ${sql.identifier(`current_${i}`)}`,
      sql.query`${sum(movedBackSql(stages, stage))} AS ${sql.identifier(`moved_back_${i}`)}`,
      sql.query`${sum(sql.query`f.reentered_mask & ${bit} <> 0`)} AS ${sql.identifier(`reentered_${i}`)}`,
    );
  });
  return sql.query`SELECT ${sql.join(selects, ',\n  ')} FROM ${countedSource(db, filter, asOf)}`;
}

/**
 * The funnel of a cohort: counts in one statement over the rollups; the times to the next stage,
 * which no rollup can sum, in one more statement over the per-lead rows, only when asked for.
 */
export async function funnelReport(
  ctx: Context,
  filter: CohortFilter,
  asOf: Date | null = null,
  stageKeys: string[] | null = null,
): Promise<FunnelReportFigures> {
  await assertCohortFilter(ctx, filter);
  if (asOf && Number.isNaN(asOf.getTime())) throw badInput('asOf', 'asOf is not a valid date');
  const shown = stageKeys ? await Promise.all(stageKeys.map((key) => stageByKeyOrThrow(ctx, key, 'stages'))) : null;
  const stages = await listStages(ctx);
  const db = readerOf(ctx);
  const [row] = await selectSql<Record<string, unknown>>(db, funnelCountsSql(db, stages, filter, asOf));
  const figures = row ?? {};
  const leads = num(figures.leads);
  const reachedOf = (index: number): number => num(figures[`reached_${index}`]);
  let hours: Promise<Record<string, unknown>> | undefined;
  const allHours = (): Promise<Record<string, unknown>> => (hours ??= hoursToNextOf(ctx, stages, filter, asOf));
  return {
    filter,
    asOf,
    leads,
    recycled: num(figures.recycled),
    wonRevenue: () => wonRevenueOf(ctx, stages, filter, asOf),
    stages: stages.flatMap((stage, i) => {
      if (shown && !shown.some((wanted) => wanted.id === stage.id)) return [];
      const next = nextStageOf(stages, stage) ?? null;
      const reached = reachedOf(i);
      const entered = num(figures[`entered_${i}`]);
      const result: FunnelStageFigures = {
        stage,
        nextStage: next,
        entered,
        reached,
        skipped: reached - entered,
        current: num(figures[`current_${i}`]),
        movedBack: num(figures[`moved_back_${i}`]),
        reentered: num(figures[`reentered_${i}`]),
        reachedShare: ratio(reached, leads),
        conversionToNext: next ? ratio(reachedOf(stages.indexOf(next)), reached) : null,
        hoursToNext: async () => (next ? percentiles((await allHours())[`hours_${i}`]) : [null, null]),
      };
      return [result];
    }),
  };
}

/** Sum of the deal values of the cohort's leads that entered a WON stage (by asOf), over the per-lead rows. */
async function wonRevenueOf(
  ctx: Context,
  stages: FunnelStage[],
  filter: CohortFilter,
  asOf: Date | null,
): Promise<number> {
  const [row] = await selectSql<{ revenue: unknown }>(readerOf(ctx), wonRevenueSql(stages, filter, asOf));
  return num(row?.revenue);
}

export function wonRevenueSql(stages: FunnelStage[], filter: CohortFilter, asOf: Date | null): SQL {
  const won = bigintSql(maskOf(stages.filter((stage) => stage.kind === StageKind.WON)));
  return sql.query`SELECT coalesce(sum(f.deal_value) FILTER (WHERE f.entered_mask & ${won} <> 0), 0) AS revenue FROM ${leadRowsSource(filter, asOf)}`;
}

const percentileSql = (value: SQL): SQL => sql.query`percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${value})`;

/** One stage's median and p90 hours to the next stage, from lead_stage_time (a cohort of dates only). */
export function stageHoursSql(stage: FunnelStage, filter: CohortFilter): SQL {
  const where = [...cohortConditions('t', filter), sql.query`t.stage_id = ${sql.value(stage.id)}::uuid`];
  return sql.query`SELECT ${percentileSql(sql.query`t.hours_to_next`)} AS hours FROM lead_stage_time t ${whereOf(where)}`;
}

/** Every stage's median and p90 hours to the next stage (`hours_<index>`), from the per-lead rows. */
export function hoursToNextSql(stages: FunnelStage[], filter: CohortFilter, asOf: Date | null): SQL {
  const selects = stages.flatMap((stage, index) => {
    const next = nextStageOf(stages, stage);
    if (!next) return [];
    const hours = stageHoursToNextSql(stages, stage, next);
    return [
      sql.query`${percentileSql(hours.value)} FILTER (WHERE ${hours.when}) AS ${sql.identifier(`hours_${index}`)}`,
    ];
  });
  return sql.query`SELECT ${sql.join(selects, ',\n  ')} FROM ${leadRowsSource(filter, asOf)}`;
}

/** Statements one report runs at once: the pool is shared with every other request. */
const STAGE_STATEMENTS_AT_ONCE = 2;

/**
 * Median and p90 of the hours to the next stage, as `hours_<index>` for every stage that has one:
 * for a cohort bounded by dates only, from lead_stage_time while it follows the funnel as it is,
 * one statement per stage, two at a time on their own connections (each reads its stage's times
 * from an index in order, so nothing is sorted); for any other filter, asOf, or right after a
 * funnel edit, from the per-lead rows in one statement.
 */
async function hoursToNextOf(
  ctx: Context,
  stages: FunnelStage[],
  filter: CohortFilter,
  asOf: Date | null,
): Promise<Record<string, unknown>> {
  const timed = stages.flatMap((stage, index) => {
    const next = nextStageOf(stages, stage);
    return next ? [{ stage, next, index }] : [];
  });
  if (timed.length === 0) return {};
  if (!asOf && onlyDates(filter) && (await stageTimesFresh(readerOf(ctx)))) {
    const figures: Array<[string, unknown]> = [];
    const queue = [...timed];
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const [row] = await selectSorting<{ hours: unknown }>(ctx, stageHoursSql(item.stage, filter));
        figures.push([`hours_${item.index}`, row?.hours]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAGE_STATEMENTS_AT_ONCE, timed.length) }, worker));
    return Object.fromEntries(figures);
  }
  const [row] = await selectSorting<Record<string, unknown>>(ctx, hoursToNextSql(stages, filter, asOf));
  return row ?? {};
}

import type { Context } from '../context';
import { readerOf } from '../context';
import { Conditions, selectRows } from '../db/select';
import { StageKind } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { badInput } from '../schema/errors';
import { listStages, stageByKeyOrThrow } from '../services/funnel.service';
import { enteredAtColumn, leadSummarySql, stageTimesFresh } from '../rollups/lead-facts';
import {
  addCohortConditions,
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

const ROLLUP_COLUMNS = 'stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3';

/** Hours from the first entry into `stage` to the first reach of the next stage after it. */
function hoursToNextSql(stages: FunnelStage[], stage: FunnelStage, next: FunnelStage): { value: string; when: string } {
  const entered = `f.${enteredAtColumn(stage.slot)}`;
  const reachedNext = firstReachSql(stages, next);
  return {
    value: `date_part('epoch', ${reachedNext} - ${entered}) / 3600`,
    when: `${entered} IS NOT NULL AND ${reachedNext} > ${entered}`,
  };
}

const onlyDates = (filter: CohortFilter): boolean =>
  !filter.campaignId && !filter.channel && !filter.personaId && !filter.ownerId;

/**
 * The per-lead rows of the cohort as `f`: lead_fact, or with `asOf` the same summary computed
 * from the history up to then. Every row has weight `n` = 1.
 */
function leadRowsSource(where: Conditions, filter: CohortFilter, asOf: Date | null): string {
  if (asOf) {
    const cohort = new Conditions();
    cohort.params.push(...where.params);
    addCohortConditions(cohort, 'l', filter);
    const bound = cohort.param(asOf);
    cohort.add(`l.created_at <= ${bound}`);
    where.params.splice(0, where.params.length, ...cohort.params);
    return `(SELECT s.*, 1 AS n FROM (${leadSummarySql(cohort.parts.join(' AND '), `${bound}::timestamptz`)}) s) f`;
  }
  const cohort = new Conditions();
  cohort.params.push(...where.params);
  addCohortConditions(cohort, 'e', filter);
  where.params.splice(0, where.params.length, ...cohort.params);
  return `(SELECT e.*, 1 AS n FROM lead_fact e ${cohort.where()}) f`;
}

/**
 * The rows counted: for a cohort bounded by dates only, the whole UTC days come from funnel_daily
 * (weight n = the leads sharing a row) and the partial days at the ends from lead_fact; any other
 * filter, or asOf, reads per-lead rows.
 */
function countedSource(where: Conditions, filter: CohortFilter, asOf: Date | null): string {
  if (asOf || !onlyDates(filter)) return leadRowsSource(where, filter, asOf);
  const split = splitByDay(filter.createdFrom, filter.createdTo);
  const edges = `SELECT ${ROLLUP_COLUMNS}, 1 AS n FROM lead_fact e WHERE ${edgesCondition(where, 'e', split.edges)}`;
  if (!split.days) return `(${edges}) f`;
  return `(SELECT ${ROLLUP_COLUMNS}, leads AS n FROM funnel_daily d WHERE ${daysCondition(where, 'd', split.days)}
           UNION ALL ${edges}) f`;
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
  const where = new Conditions();
  const sum = (condition: string): string => `coalesce(sum(f.n) FILTER (WHERE ${condition}), 0)`;
  const selects = ['coalesce(sum(f.n), 0) AS leads', `${sum('f.reentered_mask <> 0')} AS recycled`];
  stages.forEach((stage, i) => {
    const bit = bigintSql(bitOf(stage));
    selects.push(
      `${sum(`f.entered_mask & ${bit} <> 0`)} AS entered_${i}`,
      `${sum(`f.entered_mask & ${bigintSql(maskOf(reachStages(stages, stage)))} <> 0`)} AS reached_${i}`,
      `${sum(`f.stage_id = ${where.param(stage.id)}::uuid`)} AS current_${i}`,
      `${sum(movedBackSql(stages, stage))} AS moved_back_${i}`,
      `${sum(`f.reentered_mask & ${bit} <> 0`)} AS reentered_${i}`,
    );
  });
  const source = countedSource(where, filter, asOf);
  const [row] = await selectRows<Record<string, unknown>>(
    readerOf(ctx),
    `SELECT ${selects.join(',\n  ')} FROM ${source}`,
    where.params,
  );
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
  const won = bigintSql(maskOf(stages.filter((stage) => stage.kind === StageKind.WON)));
  const where = new Conditions();
  const source = leadRowsSource(where, filter, asOf);
  const [row] = await selectRows<{ revenue: unknown }>(
    readerOf(ctx),
    `SELECT coalesce(sum(f.deal_value) FILTER (WHERE f.entered_mask & ${won} <> 0), 0) AS revenue FROM ${source}`,
    where.params,
  );
  return num(row?.revenue);
}

const percentileSql = (value: string): string => `percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${value})`;

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
        const where = new Conditions();
        addCohortConditions(where, 't', filter);
        where.add(`t.stage_id = ${where.param(item.stage.id)}::uuid`);
        const [row] = await selectSorting<{ hours: unknown }>(
          ctx,
          `SELECT ${percentileSql('t.hours_to_next')} AS hours FROM lead_stage_time t ${where.where()}`,
          where.params,
        );
        figures.push([`hours_${item.index}`, row?.hours]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAGE_STATEMENTS_AT_ONCE, timed.length) }, worker));
    return Object.fromEntries(figures);
  }
  const selects = timed.map(({ stage, next, index }) => {
    const hours = hoursToNextSql(stages, stage, next);
    return `${percentileSql(hours.value)} FILTER (WHERE ${hours.when}) AS hours_${index}`;
  });
  const where = new Conditions();
  const source = leadRowsSource(where, filter, asOf);
  const [row] = await selectSorting<Record<string, unknown>>(
    ctx,
    `SELECT ${selects.join(',\n  ')} FROM ${source}`,
    where.params,
  );
  return row ?? {};
}

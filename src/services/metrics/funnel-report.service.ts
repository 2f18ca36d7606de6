import type { Context } from '../../context';
import { managerOf } from '../../context';
import { Conditions, selectRows } from '../../db/select';
import type { FunnelStage } from '../../entities/funnel-stage.entity';
import { badInput } from '../../schema/errors';
import { listStages, stageByKeyOrThrow } from '../funnel.service';
import { enteredAtColumn, leadSummarySql } from './lead-facts.service';
import {
  addCohortConditions,
  assertCohortFilter,
  bigintSql,
  bitOf,
  firstReachSql,
  maskOf,
  movedBackSql,
  nextStageOf,
  num,
  percentiles,
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
  medianHoursToNext: number | null;
  p90HoursToNext: number | null;
}

export interface FunnelReportFigures {
  filter: CohortFilter;
  asOf: Date | null;
  leads: number;
  recycled: number;
  stages: FunnelStageFigures[];
}

/** Hours from the first entry into `stage` to the first reach of the next stage after it. */
function hoursToNextSql(stages: FunnelStage[], stage: FunnelStage, next: FunnelStage): { value: string; when: string } {
  const entered = `f.${enteredAtColumn(stage.slot)}`;
  const reachedNext = firstReachSql(stages, next);
  return {
    value: `date_part('epoch', ${reachedNext} - ${entered}) / 3600`,
    when: `${entered} IS NOT NULL AND ${reachedNext} > ${entered}`,
  };
}

/**
 * The funnel of a cohort, one SQL statement over the per-lead rollup (or, with `asOf`, over the
 * same per-lead summary computed from the history up to that instant).
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
  let source = 'lead_fact f';
  if (asOf) {
    const cohort = new Conditions();
    addCohortConditions(cohort, 'l', filter);
    const bound = cohort.param(asOf);
    cohort.add(`l.created_at <= ${bound}`);
    source = `(${leadSummarySql(cohort.parts.join(' AND '), `${bound}::timestamptz`)}) f`;
    where.params.push(...cohort.params);
  } else {
    addCohortConditions(where, 'f', filter);
  }

  const selects = ['count(*) AS leads', 'count(*) FILTER (WHERE f.reentered_mask <> 0) AS recycled'];
  stages.forEach((stage, i) => {
    const bit = bigintSql(bitOf(stage));
    selects.push(
      `count(*) FILTER (WHERE f.entered_mask & ${bit} <> 0) AS entered_${i}`,
      `count(*) FILTER (WHERE f.entered_mask & ${bigintSql(maskOf(reachStages(stages, stage)))} <> 0) AS reached_${i}`,
      `count(*) FILTER (WHERE f.stage_id = ${where.param(stage.id)}::uuid) AS current_${i}`,
      `count(*) FILTER (WHERE ${movedBackSql(stages, stage)}) AS moved_back_${i}`,
      `count(*) FILTER (WHERE f.reentered_mask & ${bit} <> 0) AS reentered_${i}`,
    );
    const next = nextStageOf(stages, stage);
    if (next) {
      const hours = hoursToNextSql(stages, stage, next);
      selects.push(
        `percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${hours.value}) FILTER (WHERE ${hours.when}) AS hours_${i}`,
      );
    }
  });
  const [row] = await selectRows<Record<string, unknown>>(
    managerOf(ctx),
    `SELECT ${selects.join(',\n  ')} FROM ${source} ${where.where()}`,
    where.params,
  );
  const figures = row ?? {};
  const leads = num(figures.leads);
  const reachedOf = (index: number): number => num(figures[`reached_${index}`]);
  return {
    filter,
    asOf,
    leads,
    recycled: num(figures.recycled),
    stages: stages.flatMap((stage, i) => {
      if (shown && !shown.some((wanted) => wanted.id === stage.id)) return [];
      const next = nextStageOf(stages, stage) ?? null;
      const reached = reachedOf(i);
      const entered = num(figures[`entered_${i}`]);
      const [median, p90] = percentiles(figures[`hours_${i}`]);
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
        medianHoursToNext: median,
        p90HoursToNext: p90,
      };
      return [result];
    }),
  };
}

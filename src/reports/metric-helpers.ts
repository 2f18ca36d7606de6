import type { Context } from '../context';
import { allOf, bigintLiteral, column, sql, type SQL } from '../db/fragments';
import { Campaign } from '../entities/campaign.entity';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { enteredAtColumn } from '../rollups/lead-facts';
import { Persona } from '../entities/persona.entity';
import { User } from '../entities/user.entity';
import { badInput } from '../schema/errors';
import { assertExists } from '../services/references';
import { bitOf, maskOf, nextStageOf, reachStages } from '../rollups/funnel-order';

// The funnel's order (moved to rollups, where the services read it too), for the reports.
export { bitOf, maskOf, nextStageOf, reachStages };

/** Longest time range a report accepts. */
export const MAX_RANGE_YEARS = 5;

function addYears(date: Date, years: number): Date {
  const copy = new Date(date.getTime());
  copy.setUTCFullYear(copy.getUTCFullYear() + years);
  return copy;
}

/**
 * A half-open range [from, to): both real dates, from not after to, and (when both are given) at
 * most five years long, so no report scans without bound by mistake.
 */
export function assertRange(
  from: Date | null | undefined,
  to: Date | null | undefined,
  fromField: string,
  toField: string,
): void {
  if (from && Number.isNaN(from.getTime())) throw badInput(fromField, `${fromField} is not a valid date`);
  if (to && Number.isNaN(to.getTime())) throw badInput(toField, `${toField} is not a valid date`);
  if (from && to && from > to) throw badInput(fromField, `${fromField} is after ${toField}`);
  if (from && to && to > addYears(from, MAX_RANGE_YEARS)) {
    throw badInput(toField, `${fromField} to ${toField} spans more than ${MAX_RANGE_YEARS} years`);
  }
}

/** A bigint as a SQL literal; bit 63 of a mask is the sign bit of a PostgreSQL bigint. */
export const bigintSql = bigintLiteral;

/** SQL for the first time a lead of alias `f` reached `stage` (null when it never did). */
export function firstReachSql(stages: readonly FunnelStage[], stage: FunnelStage, alias = 'f'): SQL {
  const columns = reachStages(stages, stage).map((s) => column(alias, enteredAtColumn(s.slot)));
  return columns.length === 1 ? columns[0]! : sql.query`LEAST(${sql.join(columns, ', ')})`;
}

/** SQL: the lead of alias `f` ever moved from `stage` to a stage earlier in the current order. */
export function movedBackSql(stages: readonly FunnelStage[], stage: FunnelStage, alias = 'f'): SQL {
  const earlier = stages.filter((other) => other.position < stage.position);
  const pattern = earlier.reduce((mask, s) => mask | (1n << BigInt((stage.slot % 4) * 16 + s.slot)), 0n);
  if (pattern === 0n) return sql.query`false`;
  return sql.query`${column(alias, `moves${Math.floor(stage.slot / 4)}`)} & ${bigintSql(pattern)} <> 0`;
}

export function stageByKey(stages: readonly FunnelStage[], key: string): FunnelStage | undefined {
  return stages.find((stage) => stage.key === key);
}

/** Who is in a report: leads created in [createdFrom, createdTo), optionally narrowed. */
export interface CohortFilter {
  createdFrom?: Date | null;
  createdTo?: Date | null;
  campaignId?: string | null;
  channel?: string | null;
  personaId?: string | null;
  ownerId?: string | null;
}

/** Checks the filter's range and that the ids it names exist (NOT_FOUND naming `filter.x`). */
export async function assertCohortFilter(ctx: Context, filter: CohortFilter, prefix = 'filter'): Promise<void> {
  assertRange(filter.createdFrom, filter.createdTo, `${prefix}.createdFrom`, `${prefix}.createdTo`);
  await assertExists(ctx, Campaign, 'campaign', filter.campaignId, `${prefix}.campaignId`);
  await assertExists(ctx, Persona, 'persona', filter.personaId, `${prefix}.personaId`);
  await assertExists(ctx, User, 'user', filter.ownerId, `${prefix}.ownerId`);
}

/** The cohort as conditions on an alias with created_at, campaign_id, persona_id, owner_id columns. */
export function cohortConditions(alias: string, filter: CohortFilter): SQL[] {
  const where: SQL[] = [];
  const equals = (name: string, value: unknown): number =>
    where.push(sql.query`${column(alias, name)} = ${sql.value(value)}`);
  if (filter.createdFrom) where.push(sql.query`${column(alias, 'created_at')} >= ${sql.value(filter.createdFrom)}`);
  if (filter.createdTo) where.push(sql.query`${column(alias, 'created_at')} < ${sql.value(filter.createdTo)}`);
  if (filter.campaignId) equals('campaign_id', filter.campaignId);
  if (filter.personaId) equals('persona_id', filter.personaId);
  if (filter.ownerId) equals('owner_id', filter.ownerId);
  if (filter.channel) {
    where.push(
      sql.query`${column(alias, 'campaign_id')} IN (SELECT c.id FROM campaign c WHERE c.channel = ${sql.value(filter.channel)}::campaign_channel)`,
    );
  }
  return where;
}

/** count(*) and friends arrive as strings (bigint); metrics are far below 2^53. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/** numerator / denominator, or null when there is nothing to divide by. */
export const ratio = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? numerator / denominator : null;

/** [p50, p90] from `percentile_cont(ARRAY[0.5, 0.9])`, or nulls when no value was aggregated. */
export function percentiles(value: unknown): [number | null, number | null] {
  if (!Array.isArray(value)) return [null, null];
  const [p50, p90] = value as Array<number | string | null>;
  return [
    p50 === null || p50 === undefined ? null : Number(p50),
    p90 === null || p90 === undefined ? null : Number(p90),
  ];
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * How a cohort window [from, to) splits between the daily rollups and the per-lead rows: the
 * whole UTC days inside it come from the rollups, the partial days at its ends from the leads.
 */
export interface DaySplit {
  /** Whole days [firstDay, endDay) as 'YYYY-MM-DD'; null ends are open. Null when there are none. */
  days: { firstDay: string | null; endDay: string | null } | null;
  /** Instant ranges [from, to) read from the per-lead rows. */
  edges: Array<[Date | null, Date | null]>;
}

export function splitByDay(from: Date | null | undefined, to: Date | null | undefined): DaySplit {
  const firstDayMs = from ? Math.ceil(from.getTime() / DAY_MS) * DAY_MS : null;
  const endDayMs = to ? Math.floor(to.getTime() / DAY_MS) * DAY_MS : null;
  if (firstDayMs !== null && endDayMs !== null && firstDayMs >= endDayMs) {
    return { days: null, edges: [[from ?? null, to ?? null]] };
  }
  const edges: Array<[Date | null, Date | null]> = [];
  if (from && firstDayMs !== null && from.getTime() < firstDayMs) edges.push([from, new Date(firstDayMs)]);
  if (to && endDayMs !== null && endDayMs < to.getTime()) edges.push([new Date(endDayMs), to]);
  return {
    days: {
      firstDay: firstDayMs === null ? null : isoDay(firstDayMs),
      endDay: endDayMs === null ? null : isoDay(endDayMs),
    },
    edges,
  };
}

/** SQL: `alias.day` within the split's whole days. */
export function daysCondition(alias: string, days: NonNullable<DaySplit['days']>): SQL {
  const parts = [sql.query`true`];
  if (days.firstDay) parts.push(sql.query`${column(alias, 'day')} >= ${sql.value(days.firstDay)}::date`);
  if (days.endDay) parts.push(sql.query`${column(alias, 'day')} < ${sql.value(days.endDay)}::date`);
  return allOf(parts);
}

/** SQL: `alias.created_at` within one of the split's edges, or `false` without edges. */
export function edgesCondition(alias: string, edges: DaySplit['edges']): SQL {
  if (edges.length === 0) return sql.query`false`;
  return sql.join(
    edges.map(([from, to]) => {
      const parts = [sql.query`true`];
      if (from) parts.push(sql.query`${column(alias, 'created_at')} >= ${sql.value(from)}`);
      if (to) parts.push(sql.query`${column(alias, 'created_at')} < ${sql.value(to)}`);
      return sql.query`(${allOf(parts)})`;
    }),
    ' OR ',
  );
}

/**
 * Runs a statement that sorts many values (percentiles) with room to sort in memory: at the
 * default 4 MB work_mem, the median of a million leads spills to disk and takes twice as long.
 */
export async function selectSorting<T>(ctx: Context, statement: SQL): Promise<T[]> {
  const { text, values } = sql.compile(statement);
  return (ctx.readDataSource ?? ctx.dataSource).transaction(async (manager) => {
    await manager.query(`SET LOCAL work_mem = '${SORT_WORK_MEM}'`);
    return manager.query<T[]>(text, values);
  });
}

const SORT_WORK_MEM = '64MB';

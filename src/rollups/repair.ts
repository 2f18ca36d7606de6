import type { DataSource, EntityManager } from 'typeorm';
import { logger } from '../logger';
import { backfillLeadFacts, rebuildDailyRollups, refreshLeadFacts, type DayRange } from './lead-facts';
import * as sql from 'pg-sql2';
import { termsInForceSql } from './sla-case';
import { run } from './sql';

/**
 * Repair of the metric rollups, built on the public functions of lead-facts.ts only: the per-lead
 * rows are rebuilt from the facts by refreshLeadFacts, the daily sums from the per-lead rows by
 * rebuildDailyRollups. Nothing here keeps counts of its own, so a repair cannot double count.
 */

type Queryable = DataSource | EntityManager;

const DAY_MS = 86_400_000;

/**
 * The days (UTC) whose daily sums disagree with the per-lead rows: leads per day (funnel_daily
 * against lead_fact), first touches and credit per day (campaign_daily against
 * lead_campaign_credit), SLA cases per clock-start day (sla_daily against stage_visit). A lost
 * or doubled daily row shows up here; the range spans the first to the last such day.
 */
export async function dailyDrift(db: Queryable): Promise<DayRange | null> {
  const rows = await run<Array<{ first: string | null; last: string | null }>>(
    db,
    sql.query`
    WITH funnel AS (
      SELECT day FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS n FROM lead_fact GROUP BY 1) a
      FULL JOIN (SELECT day, sum(leads)::bigint AS n FROM funnel_daily GROUP BY 1) b USING (day)
      WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
    ),
    campaign AS (
      SELECT day FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) FILTER (WHERE first_touch)::bigint AS n,
                              coalesce(sum(credit), 0) AS credit FROM lead_campaign_credit GROUP BY 1) a
      FULL JOIN (SELECT day, sum(first_touch_leads)::bigint AS n, sum(credit) AS credit FROM campaign_daily GROUP BY 1) b USING (day)
      WHERE coalesce(a.n, 0) <> coalesce(b.n, 0) OR abs(coalesce(a.credit, 0) - coalesce(b.credit, 0)) > 1e-6
    ),
    sla AS (
      SELECT day FROM (SELECT (v.entered_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS n FROM stage_visit v
                       JOIN sla_terms s ON s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP') AND ${termsInForceSql()} GROUP BY 1) a
      FULL JOIN (SELECT day, sum(met + late + open)::bigint AS n FROM sla_daily GROUP BY 1) b USING (day)
      WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
    ),
    days AS (SELECT day FROM funnel UNION SELECT day FROM campaign UNION SELECT day FROM sla)
    SELECT min(day)::text AS first, max(day)::text AS last FROM days`,
  );
  const { first, last } = rows[0] ?? { first: null, last: null };
  if (!first || !last) return null;
  return { from: new Date(`${first}T00:00:00Z`), to: new Date(Date.parse(`${last}T00:00:00Z`) + DAY_MS) };
}

/**
 * The release step's repair: builds the rollups of leads that have none (backfillLeadFacts, which
 * rebuilds their days) or lack credit or stage-visit rows, then rebuilds the days whose daily sums disagree with the per-lead rows, in
 * one transaction, so a writer's delta lands either before it or on the rebuilt rows.
 */
export async function repairRollups(dataSource: DataSource): Promise<{ leads: number; days: DayRange | null }> {
  let leads = await backfillLeadFacts(dataSource);
  // Leads whose credit or stage-visit rows were lost; their refresh may count them twice in a
  // daily sum, which the day rebuild below puts right.
  const incomplete = await dataSource.query<Array<{ id: string }>>(`
    SELECT l.id FROM lead l WHERE l.campaign_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM lead_campaign_credit c WHERE c.lead_id = l.id AND c.first_touch)
    UNION
    SELECT t.lead_id FROM stage_transition t WHERE NOT EXISTS (SELECT 1 FROM stage_visit v WHERE v.id = t.id)`);
  for (let i = 0; i < incomplete.length; i += 5000) {
    await refreshLeadFacts(
      dataSource,
      incomplete.slice(i, i + 5000).map((row) => row.id),
    );
  }
  leads += incomplete.length;
  return dataSource.transaction(async (manager) => {
    const days = await dailyDrift(manager);
    if (days) {
      await rebuildDailyRollups(manager, days);
      logger.warn(
        { from: days.from?.toISOString(), to: days.to?.toISOString() },
        'daily metric rollups disagreed with the per-lead rollups; those days were rebuilt',
      );
    }
    return { leads, days };
  });
}

/** The leads created in [from, to) after `after` (by id), at most `size`. */
export async function leadIdsInRange(
  db: Queryable,
  range: DayRange,
  after: string | null,
  size: number,
): Promise<string[]> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT id FROM lead WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)
       AND ($3::uuid IS NULL OR id > $3::uuid) ORDER BY id LIMIT ${Math.trunc(size)}`,
    [range.from, range.to, after],
  );
  return rows.map((row) => row.id);
}

export async function countLeadsInRange(db: Queryable, range: DayRange): Promise<number> {
  const rows: Array<{ count: number }> = await db.query(
    `SELECT count(*)::int AS count FROM lead
      WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)`,
    [range.from, range.to],
  );
  return rows[0]?.count ?? 0;
}

/** Rebuilds the per-lead rollups of these leads (one batch of a rebuild). */
export async function rebuildLeadRollups(db: Queryable, leadIds: readonly string[]): Promise<void> {
  await refreshLeadFacts(db, leadIds);
}

/**
 * The last step of a rebuild: the daily sums of every day touched by leads created in [from, to)
 * (whole UTC days), from the per-lead rows.
 */
export async function rebuildDaysOf(db: Queryable, range: DayRange): Promise<void> {
  const days: DayRange = {
    from: range.from ? new Date(Math.floor(range.from.getTime() / DAY_MS) * DAY_MS) : null,
    to: range.to ? new Date(Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS) : null,
  };
  await rebuildDailyRollups(db, days);
}

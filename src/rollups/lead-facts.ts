import * as sql from 'pg-sql2';
import type { DataSource } from 'typeorm';
import { CampaignDailyFolded, CampaignReasonDailyFolded } from '../entities/campaign-daily.entity';
import { FunnelDailyFolded } from '../entities/funnel-daily.entity';
import { LeadCampaignCredit } from '../entities/lead-campaign-credit.entity';
import { LeadFact, STAGE_SLOTS } from '../entities/lead-fact.entity';
import { LeadStageTime } from '../entities/lead-stage-time.entity';
import { NO_OWNER, SlaDailyFolded } from '../entities/sla-daily.entity';
import { StageVisit } from '../entities/stage-visit.entity';
import { logger } from '../logger';
import { FOLD_LOCK } from './fold-lock';
import { completedSql, countedAtSql, dueSql, lateLoggedSql, termsInForceSql } from './sla-case';
import {
  changedFromExcluded,
  col,
  columnList,
  type Fragment,
  type Queryable,
  replaceExcluded,
  run,
  tableColumns,
} from './sql';

/**
 * The metric rollups (lead_fact, lead_campaign_credit, stage_visit, lead_stage_time and the daily
 * deltas) are derived from the facts (lead, stage_transition, activity, feedback) by the SQL below
 * and by nothing else. A lead write refreshes the rollups of the leads it locked or created, in one
 * statement, just before its transaction commits (see the hook in services/transaction.ts); the
 * full rebuild (seed, bench, repair) runs the same SQL for every lead, so incremental and bulk
 * rollups cannot disagree.
 *
 * No lead write updates a row that other leads share: the per-lead rows are the lead's own, and
 * its share of the daily totals (funnel_daily, campaign_daily, campaign_reason_daily, sla_daily) is
 * appended as signed delta rows (old row -1, new row +1) that `foldRollupDeltas` folds later. The
 * daily names are views over folded rows and deltas, so a report sums both and is exact at once.
 */

export type { Queryable } from './sql';

export const SALES_TYPES_SQL = `'{CALL,EMAIL_SENT,MEETING}'::activity_type[]`;
const SALES_TYPES = sql.raw(SALES_TYPES_SQL);
const SLOTS = Array.from({ length: STAGE_SLOTS }, (_, slot) => slot);

/** `enteredAt0, ..., enteredAt15` as SQL column names. */
export const enteredAtColumn = (slot: number): string => `entered_at${slot}`;

const FACT = tableColumns(LeadFact);
const CREDIT = tableColumns(LeadCampaignCredit);
const VISIT = tableColumns(StageVisit);
const STAGE_TIME = tableColumns(LeadStageTime);
const FUNNEL_DAILY = tableColumns(FunnelDailyFolded);
const CAMPAIGN_DAILY = tableColumns(CampaignDailyFolded);
const REASON_DAILY = tableColumns(CampaignReasonDailyFolded);
const SLA_DAILY = tableColumns(SlaDailyFolded);
const lit = (value: number): Fragment => sql.literal(value);

/**
 * One row per lead of `leadCondition` (a condition on `l`, the lead table), summarising its
 * history up to `bound` (a timestamptz expression): the columns of lead_fact. The asOf funnel runs
 * it with a past bound instead of reading lead_fact.
 */
export function leadSummary(leadCondition: Fragment, bound: Fragment): Fragment {
  const enteredAt = SLOTS.map(
    (slot) =>
      sql.query`min(x.first_at) FILTER (WHERE x.slot = ${lit(slot)}) AS ${sql.identifier(enteredAtColumn(slot))}`,
  );
  const moves = [0, 1, 2, 3].map(
    (word) =>
      sql.query`coalesce(bit_or(1::bigint << ((f.slot % 4) * 16 + s.slot)) FILTER (WHERE f.slot / 4 = ${lit(word)}), 0) AS ${sql.identifier(`moves${word}`)}`,
  );
  return sql.query`SELECT l.id AS lead_id, l.created_at, l.campaign_id, l.persona_id, l.owner_id,
      coalesce(cur.stage_id, l.stage_id) AS stage_id,
      coalesce(h.entered_mask, 0) AS entered_mask, coalesce(h.reentered_mask, 0) AS reentered_mask,
      coalesce(m.moves0, 0) AS moves0, coalesce(m.moves1, 0) AS moves1,
      coalesce(m.moves2, 0) AS moves2, coalesce(m.moves3, 0) AS moves3,
      ${columnList(SLOTS.map(enteredAtColumn), 'h')},
      l.deal_value, coalesce(v.accepted, 0) AS accepted_count, coalesce(v.rejected, 0) AS rejected_count,
      coalesce(v.reasons, '{}') AS rejection_reasons
    FROM lead l
    LEFT JOIN LATERAL (
      SELECT bit_or(1::bigint << x.slot) AS entered_mask,
        coalesce(bit_or(1::bigint << x.slot) FILTER (WHERE x.entries > 1), 0) AS reentered_mask,
        ${sql.join(enteredAt, ',\n        ')}
      FROM (SELECT s.slot, count(*) AS entries, min(t.at) AS first_at
            FROM stage_transition t JOIN funnel_stage s ON s.id = t.to_stage_id
            WHERE t.lead_id = l.id AND t.at <= ${bound} GROUP BY s.slot) x
    ) h ON true
    LEFT JOIN LATERAL (
      SELECT ${sql.join(moves, ', ')}
      FROM stage_transition t
      JOIN funnel_stage f ON f.id = t.from_stage_id
      JOIN funnel_stage s ON s.id = t.to_stage_id
      WHERE t.lead_id = l.id AND t.at <= ${bound}
    ) m ON true
    LEFT JOIN LATERAL (
      SELECT t.to_stage_id AS stage_id FROM stage_transition t
      WHERE t.lead_id = l.id AND t.at <= ${bound} ORDER BY t.at DESC, t.id DESC LIMIT 1
    ) cur ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE fb.disposition = 'ACCEPTED') AS accepted,
        count(*) FILTER (WHERE fb.disposition = 'REJECTED') AS rejected,
        array_agg(fb.rejection_reason ORDER BY fb.created_at) FILTER (WHERE fb.disposition = 'REJECTED') AS reasons
      FROM feedback fb WHERE fb.lead_id = l.id AND fb.disposition IS NOT NULL AND fb.created_at <= ${bound}
    ) v ON true
    WHERE ${leadCondition}`;
}

/** leadSummary as SQL text, for the report SQL that is still written as text (funnelReport's asOf). */
export function leadSummarySql(leadCondition: string, bound: string): string {
  return sql.compile(leadSummary(sql.raw(leadCondition), sql.raw(bound))).text;
}

const INFINITY = sql.raw(`'infinity'::timestamptz`);
const dayOf = (alias: string, column = 'created_at'): Fragment =>
  sql.query`(${col(alias, column)} AT TIME ZONE 'UTC')::date`;

/** funnel_daily's key of the lead_fact-shaped rows of `alias`. */
const funnelKeyOf = (alias: string): Fragment =>
  sql.query`${dayOf(alias)} AS day, ${columnList(FUNNEL_DAILY.key.slice(1), alias)}`;

/** Touches: the first-touch campaign counts once, each lead-side activity with a campaign once. */
function creditsSelect(condition: (column: Fragment) => Fragment, facts: Fragment): Fragment {
  return sql.query`SELECT t.lead_id, t.campaign_id, f.created_at, t.first_touch, t.touches,
      t.touches::float8 / sum(t.touches) OVER (PARTITION BY t.lead_id) AS credit,
      f.entered_mask, f.deal_value, f.accepted_count, f.rejected_count, f.rejection_reasons
    FROM (
      SELECT x.lead_id, x.campaign_id, bool_or(x.first_touch) AS first_touch, count(*)::int AS touches
      FROM (
        SELECT l.id AS lead_id, l.campaign_id, true AS first_touch FROM lead l
        WHERE l.campaign_id IS NOT NULL AND ${condition(sql.raw('l.id'))}
        UNION ALL
        SELECT a.lead_id, a.campaign_id, false FROM activity a
        WHERE a.campaign_id IS NOT NULL AND a.type <> ALL(${SALES_TYPES}) AND ${condition(sql.raw('a.lead_id'))}
      ) x GROUP BY x.lead_id, x.campaign_id
    ) t JOIN ${facts} f ON f.lead_id = t.lead_id`;
}

/** What one credit row adds to campaign_daily (times its sign), per value column. */
export const CAMPAIGN_VALUES: Array<[column: string, value: (c: string) => string]> = [
  ['first_touch_leads', (c) => `${c}.first_touch::int`],
  ['credit', (c) => `${c}.credit`],
  ['first_touch_deal', (c) => `CASE WHEN ${c}.first_touch THEN coalesce(${c}.deal_value, 0)::float8 ELSE 0 END`],
  ['credit_deal', (c) => `${c}.credit * coalesce(${c}.deal_value, 0)::float8`],
  ['first_touch_accepted', (c) => `CASE WHEN ${c}.first_touch THEN ${c}.accepted_count ELSE 0 END`],
  ['credit_accepted', (c) => `${c}.credit * ${c}.accepted_count`],
  ['first_touch_rejected', (c) => `CASE WHEN ${c}.first_touch THEN ${c}.rejected_count ELSE 0 END`],
  ['credit_rejected', (c) => `${c}.credit * ${c}.rejected_count`],
];
const INT_VALUES = new Set(['first_touch_leads', 'first_touch_accepted', 'first_touch_rejected']);

/** The signed sums of `values` over rows `c` (with c.sign), cast back to the column types. */
const signedSums = (values: Array<[column: string, value: Fragment]>): Fragment[] =>
  values.map(
    ([column, value]) =>
      sql.query`sum(c.sign * ${value})${INT_VALUES.has(column) ? sql.raw('::int') : sql.blank} AS ${sql.identifier(column)}`,
  );
const notAllZero = (sums: Fragment[]): Fragment =>
  sql.query`NOT (${sql.join(
    sums.map((sum) => sql.query`${sum} = 0`),
    ' AND ',
  )})`;

/** campaign_daily rows (day, campaign, mask, sums) from the signed credit rows `source` (alias c, with c.sign). */
function campaignDailyRows(source: Fragment, onlyChanges: boolean): Fragment {
  if (CAMPAIGN_VALUES.map(([column]) => column).join() !== CAMPAIGN_DAILY.values.join()) {
    throw new Error('CAMPAIGN_VALUES and the campaign_daily columns differ');
  }
  const values = CAMPAIGN_VALUES.map(([column, value]): [string, Fragment] => [column, sql.raw(value('c'))]);
  const sums = signedSums(values);
  const bare = values.map(
    ([column, value]) => sql.query`sum(c.sign * ${value})${INT_VALUES.has(column) ? sql.raw('::int') : sql.blank}`,
  );
  return sql.query`SELECT ${dayOf('c')} AS day, c.campaign_id, c.entered_mask, ${sql.join(sums, ', ')}
    FROM ${source} GROUP BY 1, 2, 3${onlyChanges ? sql.query` HAVING ${notAllZero(bare)}` : sql.blank}`;
}

function reasonDailyRows(source: Fragment, onlyChanges: boolean): Fragment {
  return sql.query`SELECT ${dayOf('c')} AS day, c.campaign_id, r.reason,
      sum(c.sign * c.first_touch::int)::int AS first_touch, sum(c.sign * c.credit) AS credit
    FROM ${source} CROSS JOIN LATERAL unnest(c.rejection_reasons) AS r(reason)
    WHERE c.rejected_count > 0 GROUP BY 1, 2, 3${
      onlyChanges
        ? sql.query` HAVING NOT (sum(c.sign * c.first_touch::int) = 0 AND sum(c.sign * c.credit) = 0)`
        : sql.blank
    }`;
}

/**
 * One row per entry into a stage, owned by the owner the lead had then, with the contact attempts
 * counted (the SLA case's countedAt) from the entry until the next entry into it.
 */
function visitsSelect(condition: (column: Fragment) => Fragment): Fragment {
  return sql.query`SELECT t.id, t.lead_id, t.to_stage_id AS stage_id, t.owner_id, t.at AS entered_at, t.next_entry_at,
      c.times[1] AS first_contact_at, coalesce(c.times, '{}') AS contact_times,
      coalesce(c.recorded, '{}') AS contact_recorded_times, coalesce(c.reported, '{}') AS reported_contact_times
    FROM (
      SELECT t.id, t.lead_id, t.to_stage_id, t.at, t.owner_id,
        lead(t.at) OVER (PARTITION BY t.lead_id, t.to_stage_id ORDER BY t.at, t.id) AS next_entry_at
      FROM stage_transition t WHERE ${condition(sql.raw('t.lead_id'))}
    ) t
    LEFT JOIN LATERAL (
      SELECT array_agg(x.counted_at ORDER BY x.counted_at, x.id) AS times,
        array_agg(x.recorded_at ORDER BY x.counted_at, x.id) AS recorded,
        array_agg(x.occurred_at ORDER BY x.occurred_at, x.id) AS reported
      FROM (
        SELECT a.id, a.occurred_at, a.recorded_at, ${countedAtSql('a')} AS counted_at FROM activity a
        WHERE a.lead_id = t.lead_id AND a.type = ANY(${SALES_TYPES})
          AND (t.next_entry_at IS NULL OR a.occurred_at < t.next_entry_at)
      ) x
      WHERE x.counted_at >= t.at AND (t.next_entry_at IS NULL OR x.counted_at < t.next_entry_at)
    ) c ON true`;
}

/**
 * sla_daily rows from the signed visits `source` (alias v, with v.sign): per time SLA, the visit's
 * clock-start day (UTC), its owner and the SLA's terms version in force then (s, sla_terms), the
 * cases met, completed late, still open, and not met but met at their reported times.
 */
function slaDailyRows(source: Fragment, onlyChanges: boolean, slaCondition: Fragment = sql.raw('true')): Fragment {
  const due = dueSql();
  const completed = completedSql();
  const sums = [
    sql.query`coalesce(sum(v.sign) FILTER (WHERE ${completed} <= ${due}), 0)::int`,
    sql.query`coalesce(sum(v.sign) FILTER (WHERE ${completed} > ${due}), 0)::int`,
    sql.query`coalesce(sum(v.sign) FILTER (WHERE ${completed} IS NULL), 0)::int`,
    sql.query`coalesce(sum(v.sign) FILTER (WHERE ${lateLoggedSql()}), 0)::int`,
  ];
  const named = ['met', 'late', 'open', 'late_logged'].map(
    (name, i) => sql.query`${sums[i]!} AS ${sql.identifier(name)}`,
  );
  return sql.query`SELECT s.sla_id, (v.entered_at AT TIME ZONE 'UTC')::date AS day,
      coalesce(v.owner_id, ${sql.literal(NO_OWNER)}::uuid) AS owner_id, s.version AS terms_version, ${sql.join(named, ', ')}
    FROM ${source} JOIN sla_terms s ON s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP') AND ${termsInForceSql()} AND ${slaCondition}
    GROUP BY 1, 2, 3, 4${onlyChanges ? sql.query` HAVING ${notAllZero(sums)}` : sql.blank}`;
}

/** Each open stage with the slots that count as reaching its next stage (funnelReport's definition). */
const STAGE_REACH = sql.query`SELECT s.id AS stage_id, s.slot,
      (SELECT coalesce(bit_or(1::bigint << r.slot), 0) FROM funnel_stage r
       WHERE r.kind <> 'LOST' AND r.position > s.position) AS reach
    FROM funnel_stage s WHERE s.kind = 'OPEN'`;

/**
 * One lead_stage_time row per lead of `facts` (lead_fact-shaped rows `f`) and open stage it first
 * entered before it first reached that stage's next stage, against the funnel's order now: the
 * next stage of an open stage is the first open or won stage after it, and reaching it means
 * entering it or any open or won stage after it. `reach` names the STAGE_REACH rows.
 */
function stageTimesSelect(facts: Fragment, reach: Fragment): Fragment {
  const entered = sql.query`CASE p.slot ${sql.join(
    SLOTS.map((slot) => sql.query`WHEN ${lit(slot)} THEN ${col('f', enteredAtColumn(slot))}`),
    ' ',
  )} END`;
  const reachedNext = sql.query`LEAST(${sql.join(
    SLOTS.map(
      (slot) =>
        sql.query`CASE WHEN p.reach & (1::bigint << ${lit(slot)}) <> 0 THEN ${col('f', enteredAtColumn(slot))} END`,
    ),
    ', ',
  )})`;
  return sql.query`SELECT f.lead_id, p.stage_id, f.created_at, date_part('epoch', x.reached_next - x.entered) / 3600 AS hours_to_next
    FROM ${reach} p CROSS JOIN ${facts} f
    CROSS JOIN LATERAL (SELECT ${entered} AS entered, ${reachedNext} AS reached_next) x
    WHERE x.reached_next > x.entered`;
}

/** Replaces the stage times of the leads `ids` from their lead_fact rows (the stale-times pass). */
function refreshStageTimesFromFacts(ids: Fragment): Fragment {
  return sql.query`WITH p AS MATERIALIZED (${STAGE_REACH}),
    new AS (${stageTimesSelect(sql.query`(SELECT * FROM lead_fact WHERE lead_id = ANY(${ids}))`, sql.raw('p'))}),
    gone AS (
      DELETE FROM lead_stage_time t WHERE t.lead_id = ANY(${ids})
        AND NOT EXISTS (SELECT 1 FROM new n WHERE n.lead_id = t.lead_id AND n.stage_id = t.stage_id)
    )
    INSERT INTO lead_stage_time (${columnList(STAGE_TIME.all)}) SELECT ${columnList(STAGE_TIME.all)} FROM new ORDER BY lead_id, stage_id
    ON CONFLICT (${columnList(STAGE_TIME.key)}) DO UPDATE SET ${replaceExcluded(STAGE_TIME.values)}
    WHERE ${changedFromExcluded('lead_stage_time', STAGE_TIME.values)}`;
}

/**
 * The one statement that brings the rollups of the leads `$ids` up to date with their facts, for a
 * transaction that holds their row locks. Every part reads the facts as the statement starts
 * (data-modifying CTEs do not see each other's writes), so credits and stage times are computed
 * from the `new_fact` rows, not from lead_fact:
 * - lead_fact, lead_campaign_credit, stage_visit, lead_stage_time: the lead's own rows, upserted
 *   (an unchanged row is not rewritten) and the ones no longer derived deleted;
 * - the daily totals: the difference between the old rows and the new, appended as signed deltas
 *   (nothing when nothing moved). No statement here updates a row another lead also updates.
 */
export function refreshStatement(leadIds: readonly string[], forget = false): Fragment {
  const ids = sql.query`(SELECT ids FROM input)::uuid[]`;
  // Forgetting (before the leads are deleted, as a merge does): no new rows, the old ones undone.
  const byIds = (column: Fragment): Fragment => (forget ? sql.raw('false') : sql.query`${column} = ANY(${ids})`);
  const funnelKeys = columnList(FUNNEL_DAILY.key);
  const campaignAll = columnList(CAMPAIGN_DAILY.all);
  const reasonAll = columnList(REASON_DAILY.all);
  const slaAll = columnList(SLA_DAILY.all);
  return sql.query`WITH input AS (SELECT ${sql.value(leadIds)}::uuid[] AS ids),
    new_fact AS (${leadSummary(byIds(sql.raw('l.id')), INFINITY)}),
    old_fact AS (SELECT * FROM lead_fact WHERE lead_id = ANY(${ids})),
    fact_up AS (
      INSERT INTO lead_fact (${columnList(FACT.all)}) SELECT ${columnList(FACT.all)} FROM new_fact ORDER BY lead_id
      ON CONFLICT (${columnList(FACT.key)}) DO UPDATE SET ${replaceExcluded(FACT.values)}
      WHERE ${changedFromExcluded('lead_fact', FACT.values)}
    ),
    fact_gone AS (
      DELETE FROM lead_fact f WHERE f.lead_id = ANY(${ids}) AND NOT EXISTS (SELECT 1 FROM new_fact n WHERE n.lead_id = f.lead_id)
    ),
    funnel_delta AS (
      INSERT INTO funnel_daily_delta (${funnelKeys}, leads)
      SELECT ${funnelKeys}, sum(d)::int FROM (
        SELECT ${funnelKeyOf('o')}, -1 AS d FROM old_fact o UNION ALL SELECT ${funnelKeyOf('n')}, 1 FROM new_fact n
      ) x GROUP BY ${funnelKeys} HAVING sum(d) <> 0
    ),
    new_credit AS (${creditsSelect(byIds, sql.raw('new_fact'))}),
    old_credit AS (SELECT * FROM lead_campaign_credit WHERE lead_id = ANY(${ids})),
    credit_up AS (
      INSERT INTO lead_campaign_credit (${columnList(CREDIT.all)}) SELECT ${columnList(CREDIT.all)} FROM new_credit
      ORDER BY lead_id, campaign_id
      ON CONFLICT (${columnList(CREDIT.key)}) DO UPDATE SET ${replaceExcluded(CREDIT.values)}
      WHERE ${changedFromExcluded('lead_campaign_credit', CREDIT.values)}
    ),
    credit_gone AS (
      DELETE FROM lead_campaign_credit c WHERE c.lead_id = ANY(${ids})
        AND NOT EXISTS (SELECT 1 FROM new_credit n WHERE n.lead_id = c.lead_id AND n.campaign_id = c.campaign_id)
    ),
    signed_credit AS (
      SELECT ${columnList(CREDIT.all, 'o')}, -1 AS sign FROM old_credit o
      UNION ALL SELECT ${columnList(CREDIT.all, 'n')}, 1 FROM new_credit n
    ),
    campaign_delta AS (
      INSERT INTO campaign_daily_delta (${campaignAll})
      SELECT ${campaignAll} FROM (${campaignDailyRows(sql.raw('signed_credit c'), true)}) d
    ),
    reason_delta AS (
      INSERT INTO campaign_reason_daily_delta (${reasonAll})
      SELECT ${reasonAll} FROM (${reasonDailyRows(sql.raw('signed_credit c'), true)}) d
    ),
    new_visit AS (${visitsSelect(byIds)}),
    old_visit AS (SELECT * FROM stage_visit WHERE lead_id = ANY(${ids})),
    visit_up AS (
      INSERT INTO stage_visit (${columnList(VISIT.all)}) SELECT ${columnList(VISIT.all)} FROM new_visit ORDER BY id
      ON CONFLICT (${columnList(VISIT.key)}) DO UPDATE SET ${replaceExcluded(VISIT.values)}
      WHERE ${changedFromExcluded('stage_visit', VISIT.values)}
    ),
    visit_gone AS (
      DELETE FROM stage_visit v WHERE v.lead_id = ANY(${ids})
        AND NOT EXISTS (SELECT 1 FROM new_visit n WHERE n.id = v.id)
    ),
    signed_visit AS (
      SELECT ${columnList(VISIT.all, 'o')}, -1 AS sign FROM old_visit o
      UNION ALL SELECT ${columnList(VISIT.all, 'n')}, 1 FROM new_visit n
    ),
    sla_delta AS (
      INSERT INTO sla_daily_delta (${slaAll}) SELECT ${slaAll} FROM (${slaDailyRows(sql.raw('signed_visit v'), true)}) d
    ),
    p AS MATERIALIZED (${STAGE_REACH}),
    new_time AS (${stageTimesSelect(sql.raw('new_fact'), sql.raw('p'))}),
    time_gone AS (
      DELETE FROM lead_stage_time t WHERE t.lead_id = ANY(${ids})
        AND NOT EXISTS (SELECT 1 FROM new_time n WHERE n.lead_id = t.lead_id AND n.stage_id = t.stage_id)
    )
    INSERT INTO lead_stage_time (${columnList(STAGE_TIME.all)}) SELECT ${columnList(STAGE_TIME.all)} FROM new_time
    ORDER BY lead_id, stage_id
    ON CONFLICT (${columnList(STAGE_TIME.key)}) DO UPDATE SET ${replaceExcluded(STAGE_TIME.values)}
    WHERE ${changedFromExcluded('lead_stage_time', STAGE_TIME.values)}`;
}

/**
 * Brings the rollups of leads whose row locks the caller's transaction holds up to date, in one
 * statement. The hook on the transaction calls it just before commit.
 */
export async function refreshLockedLeadFacts(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  await run(db, refreshStatement([...new Set(leadIds)].sort()));
}

function isDataSource(db: Queryable): db is DataSource {
  return typeof (db as Partial<DataSource>).transaction === 'function' && 'isInitialized' in db;
}

/**
 * Rebuilds the rollup rows of these leads from their facts (a lead that no longer exists has
 * none): the batch entry point (imports, tests, repairs). It locks the leads first (key order), so
 * no concurrent write to one of them can compute its deltas from the same old rows; given a
 * DataSource it runs in a transaction of its own.
 */
export async function refreshLeadFacts(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  const ids = [...new Set(leadIds)].sort();
  const work = async (tx: Queryable): Promise<void> => {
    await tx.query('SELECT id FROM lead WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    await refreshLockedLeadFacts(tx, ids);
  };
  if (isDataSource(db)) await db.transaction((manager) => work(manager));
  else await work(db);
}

/**
 * Marks lead_stage_time stale after a funnel edit changed which stage is next for some stage (a
 * reorder, a change of kind), in the edit's transaction. funnelReport stops reading the table at
 * once; `rebuildStaleStageTimes` brings it back in the background. The edit itself stays quick and
 * blocks no lead write, whatever the number of leads.
 */
export async function markStageTimesStale(db: Queryable): Promise<void> {
  await db.query('UPDATE stage_time_state SET generation = generation + 1 WHERE id = 1');
}

/** Whether lead_stage_time follows the funnel as it is now. */
export async function stageTimesFresh(db: Queryable): Promise<boolean> {
  const rows = await db.query<Array<{ fresh: boolean }>>(
    'SELECT generation = built_generation AS fresh FROM stage_time_state WHERE id = 1',
  );
  return rows[0]?.fresh ?? false;
}

/**
 * Rebuilds the stage times of every lead, `batch` leads per transaction, when they are stale; then
 * records them built for the funnel edit it started from. An edit during the pass leaves them
 * stale for the next pass. Each batch locks its leads' lead_fact rows (key order) and rewrites their
 * rows against the funnel as it is, so a lead written meanwhile is right either way: its own
 * transaction waited for the batch, or the batch waited for it. One process at a time (advisory
 * lock); returns whether it ran.
 */
export async function rebuildStaleStageTimes(dataSource: DataSource, batch = 5000): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const lock = "hashtext('smarketing.stage_times')";
  try {
    const [state] = (await runner.query(
      'SELECT generation, built_generation AS built FROM stage_time_state WHERE id = 1',
    )) as Array<{ generation: number; built: number }>;
    if (!state || state.generation === state.built) return false;
    const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(${lock}) AS locked`)) as [
      { locked: boolean },
    ];
    if (!locked) return false;
    try {
      const started = Date.now();
      let after: string | null = null;
      let leads = 0;
      for (;;) {
        await runner.startTransaction();
        try {
          const rows = (await runner.query(
            `SELECT lead_id FROM lead_fact WHERE ($1::uuid IS NULL OR lead_id > $1::uuid)
             ORDER BY lead_id LIMIT ${batch} FOR SHARE`,
            [after],
          )) as Array<{ lead_id: string }>;
          if (rows.length > 0) {
            await run(
              runner,
              refreshStageTimesFromFacts(sql.query`${sql.value(rows.map((row) => row.lead_id))}::uuid[]`),
            );
          }
          await runner.commitTransaction();
          leads += rows.length;
          if (rows.length < batch) break;
          after = rows[rows.length - 1]!.lead_id;
        } catch (error) {
          await runner.rollbackTransaction();
          throw error;
        }
      }
      await runner.query('UPDATE stage_time_state SET built_generation = $1 WHERE id = 1 AND generation = $1', [
        state.generation,
      ]);
      // The rewritten rows leave dead index entries behind; the reports' index-only scans want them
      // gone now. Should it fail (the statement timeout on a very large table), autovacuum follows.
      await runner
        .query('VACUUM (ANALYZE) lead_stage_time')
        .catch((error: unknown) => logger.warn({ err: error }, 'vacuum after the stage time rebuild failed'));
      logger.info({ leads, ms: Date.now() - started, generation: state.generation }, 'stage times rebuilt');
      return true;
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${lock})`);
    }
  } finally {
    await runner.release();
  }
}

const ALL_VISITS = sql.raw('(SELECT *, 1 AS sign FROM stage_visit) v');

/**
 * Rebuilds one SLA's daily counts from the visits (when it is created or its terms change), in the
 * caller's transaction: waits for a running fold, then in one statement replaces the SLA's folded
 * rows and drops its deltas (both read in the same snapshot as the visits, so a write that commits
 * meanwhile is counted once: in the rebuild or in its delta).
 */
export async function rebuildSlaDaily(db: Queryable, slaId: string): Promise<void> {
  const sla = sql.value(slaId);
  await db.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
  await run(
    db,
    sql.query`WITH rebuilt AS (${slaDailyRows(ALL_VISITS, false, sql.query`s.sla_id = ${sla}`)}),
      deltas_gone AS (DELETE FROM sla_daily_delta WHERE sla_id = ${sla}),
      folded_gone AS (
        DELETE FROM sla_daily_folded d WHERE d.sla_id = ${sla} AND NOT EXISTS (
          SELECT 1 FROM rebuilt r WHERE (${columnList(SLA_DAILY.key, 'r')}) = (${columnList(SLA_DAILY.key, 'd')}))
      )
      INSERT INTO sla_daily_folded (${columnList(SLA_DAILY.all)}) SELECT ${columnList(SLA_DAILY.all)} FROM rebuilt
      ON CONFLICT (${columnList(SLA_DAILY.key)}) DO UPDATE SET ${replaceExcluded(SLA_DAILY.values)}`,
  );
}

/**
 * What a rebuild writes, table by table, as SELECTs: each per-lead rollup from the facts, each
 * daily rollup (folded, no deltas) from the per-lead rollups. The rebuilds insert these rows; the
 * concurrency test compares them with the tables inside one snapshot.
 */
export function rebuiltRows(): Record<
  'lead_fact' | 'lead_campaign_credit' | 'stage_visit' | 'lead_stage_time' | DailyRollup,
  { columns: string[]; select: Fragment }
> {
  const all = (): Fragment => sql.raw('true');
  const credits = sql.raw('(SELECT *, 1 AS sign FROM lead_campaign_credit) c');
  return {
    lead_fact: { columns: FACT.all, select: leadSummary(sql.raw('true'), INFINITY) },
    lead_campaign_credit: { columns: CREDIT.all, select: creditsSelect(all, sql.raw('lead_fact')) },
    stage_visit: { columns: VISIT.all, select: visitsSelect(all) },
    lead_stage_time: {
      columns: STAGE_TIME.all,
      select: sql.query`WITH p AS MATERIALIZED (${STAGE_REACH}) ${stageTimesSelect(sql.raw('lead_fact'), sql.raw('p'))}`,
    },
    funnel_daily: {
      columns: FUNNEL_DAILY.all,
      select: sql.query`SELECT count(*)::int AS leads, ${funnelKeyOf('f')} FROM lead_fact f GROUP BY ${columnList(
        FUNNEL_DAILY.key,
      )}`,
    },
    campaign_daily: { columns: CAMPAIGN_DAILY.all, select: campaignDailyRows(credits, false) },
    campaign_reason_daily: { columns: REASON_DAILY.all, select: reasonDailyRows(credits, false) },
    sla_daily: { columns: SLA_DAILY.all, select: slaDailyRows(ALL_VISITS, false) },
  };
}

/** The daily rollups: each a view over `<name>_folded` and `<name>_delta`. */
export type DailyRollup = 'funnel_daily' | 'campaign_daily' | 'campaign_reason_daily' | 'sla_daily';
export const DAILY_ROLLUPS: DailyRollup[] = ['funnel_daily', 'campaign_daily', 'campaign_reason_daily', 'sla_daily'];

/** The statements that rebuild the daily rollups (folded, no deltas) from the per-lead rollups. */
export function rebuildDailyStatements(): Fragment[] {
  const rows = rebuiltRows();
  return [
    sql.query`TRUNCATE ${sql.join(
      DAILY_ROLLUPS.flatMap((name) => [sql.identifier(`${name}_folded`), sql.identifier(`${name}_delta`)]),
      ', ',
    )}`,
    ...DAILY_ROLLUPS.map((name) => {
      const { columns, select } = rows[name];
      return sql.query`INSERT INTO ${sql.identifier(`${name}_folded`)} (${columnList(columns)})
      SELECT ${columnList(columns)} FROM (${select}) d`;
    }),
  ];
}

/** Days (UTC) [from, to) of the daily rollups; an open end is unbounded. */
export interface DayRange {
  from: Date | null;
  to: Date | null;
}

/**
 * The statements that rebuild the daily rollups of the days in `days` (folded, their deltas
 * dropped) from the per-lead rollups. SLA days are keyed by clock start, not by cohort day, so the
 * SLA rollup is rebuilt whole.
 */
export function rebuildDaysStatements(days: DayRange): Fragment[] {
  const rows = rebuiltRows();
  const day = (column: Fragment): Fragment =>
    sql.join(
      [
        days.from ? sql.query`${column} >= ${sql.value(days.from.toISOString().slice(0, 10))}::date` : sql.raw('true'),
        days.to ? sql.query`${column} < ${sql.value(days.to.toISOString().slice(0, 10))}::date` : sql.raw('true'),
      ],
      ' AND ',
    );
  // Writers wait (their delta INSERT) until the rebuild commits: a delta committed between the
  // DELETE and the INSERT below would otherwise be counted twice.
  const lock = sql.query`LOCK TABLE ${sql.join(
    DAILY_ROLLUPS.map((name) => sql.identifier(`${name}_delta`)),
    ', ',
  )} IN SHARE MODE`;
  return [
    lock,
    ...DAILY_ROLLUPS.flatMap((name) => {
      const inDays = name === 'sla_daily' ? sql.raw('true') : day(sql.identifier('day'));
      const { columns, select } = rows[name];
      return [
        sql.query`DELETE FROM ${sql.identifier(`${name}_folded`)} WHERE ${inDays}`,
        sql.query`DELETE FROM ${sql.identifier(`${name}_delta`)} WHERE ${inDays}`,
        sql.query`INSERT INTO ${sql.identifier(`${name}_folded`)} (${columnList(columns)})
      SELECT ${columnList(columns)} FROM (${select}) d WHERE ${inDays}`,
      ];
    }),
  ];
}

/**
 * Rebuilds the daily rollups from lead_fact, lead_campaign_credit and stage_visit (deltas dropped):
 * all of them, or the days of `days`, in one transaction that waits for a running fold, so a
 * writer's delta lands either before the rebuild (and is dropped with the rows it changed) or after it.
 */
export async function rebuildDailyRollups(db: Queryable, days?: DayRange): Promise<void> {
  const work = async (tx: Queryable): Promise<void> => {
    await tx.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    for (const statement of days ? rebuildDaysStatements(days) : rebuildDailyStatements()) await run(tx, statement);
  };
  if (isDataSource(db)) await db.transaction((manager) => work(manager));
  else await work(db);
}

/** Takes these leads out of every rollup (their own rows, their share of the daily totals), before they are deleted. */
export async function forgetLeadFacts(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  await run(db, refreshStatement([...new Set(leadIds)].sort(), true));
}

/** The statements that rebuild every lead's own rollup rows from the facts. */
export function rebuildLeadStatements(): Fragment[] {
  const rows = rebuiltRows();
  const perLead = ['lead_fact', 'lead_campaign_credit', 'stage_visit', 'lead_stage_time'] as const;
  return [
    sql.query`TRUNCATE ${sql.join(
      perLead.map((name) => sql.identifier(name)),
      ', ',
    )}`,
    ...perLead.map((name) => {
      const { columns, select } = rows[name];
      return sql.query`INSERT INTO ${sql.identifier(name)} (${columnList(columns)}) SELECT ${columnList(columns)} FROM (${select}) r`;
    }),
    sql.query`UPDATE stage_time_state SET built_generation = generation WHERE id = 1`,
  ];
}

/**
 * Rebuilds every lead's rollups, for bulk loads that bypass the services (demo seed, benchmark,
 * repair). Runs in the caller's transaction when given a transaction's manager.
 */
export async function rebuildAllLeadFacts(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
  for (const statement of rebuildLeadStatements()) await run(db, statement);
  await rebuildDailyRollups(db);
}

/**
 * Builds the rollups of leads that have none (after an upgrade, a bulk load, or a lost row), in
 * batches, then rebuilds the daily rollups of their cohort days from the per-lead rows: a daily
 * row may still count a lead whose own row was lost, so adding its share again would count it twice.
 */
export async function backfillLeadFacts(db: Queryable, batch = 5000): Promise<number> {
  let done = 0;
  let first: Date | null = null;
  let last: Date | null = null;
  for (;;) {
    const rows = await db.query<Array<{ id: string; created_at: Date }>>(
      `SELECT l.id, l.created_at FROM lead l WHERE NOT EXISTS (SELECT 1 FROM lead_fact f WHERE f.lead_id = l.id) LIMIT ${batch}`,
    );
    if (rows.length === 0) break;
    for (const { created_at: at } of rows) {
      if (!first || at < first) first = at;
      if (!last || at > last) last = at;
    }
    await refreshLeadFacts(
      db,
      rows.map((row) => row.id),
    );
    done += rows.length;
  }
  if (first && last) {
    await rebuildDailyRollups(db, { from: first, to: new Date(last.getTime() + 86_400_000) });
    logger.info({ leads: done }, 'metric rollups built for leads that had none');
  }
  return done;
}

import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { STAGE_SLOTS } from '../entities/lead-fact.entity';
import { NO_OWNER } from '../entities/sla-daily.entity';
import { logger } from '../logger';
import { completedSql, countedAtSql, dueSql, lateLoggedSql, termsInForceSql } from './sla-case';

/**
 * The metric rollups (lead_fact, lead_campaign_credit, stage_visit, lead_stage_time) are derived
 * from the facts (lead, stage_transition, activity, feedback) by the SQL below and by nothing
 * else: a mutation marks the leads it touched, and `inTransaction` rebuilds their rollup rows just
 * before it commits, in the same transaction. The full rebuild (seed, bench, repair) runs the same
 * SQL for every lead, so incremental and bulk rollups cannot disagree.
 */

type Queryable = DataSource | EntityManager;

export const SALES_TYPES_SQL = `'{CALL,EMAIL_SENT,MEETING}'::activity_type[]`;
const SLOTS = Array.from({ length: STAGE_SLOTS }, (_, slot) => slot);

/** `enteredAt0, ..., enteredAt15` as SQL column names. */
export const enteredAtColumn = (slot: number): string => `entered_at${slot}`;

/**
 * One row per lead of `leadCondition` (a condition on `l`, the lead table), summarising its
 * history up to `bound` (a SQL expression: a parameter, or 'infinity'): the columns of lead_fact,
 * in its order. The asOf funnel runs it with a past bound instead of reading lead_fact.
 */
export function leadSummarySql(leadCondition: string, bound: string): string {
  const enteredAt = SLOTS.map((slot) => `min(x.first_at) FILTER (WHERE x.slot = ${slot}) AS ${enteredAtColumn(slot)}`);
  const moves = [0, 1, 2, 3].map(
    (word) =>
      `coalesce(bit_or(1::bigint << ((f.slot % 4) * 16 + s.slot)) FILTER (WHERE f.slot / 4 = ${word}), 0) AS moves${word}`,
  );
  return `
    SELECT l.id AS lead_id, l.created_at, l.campaign_id, l.persona_id, l.owner_id,
      coalesce(cur.stage_id, l.stage_id) AS stage_id,
      coalesce(h.entered_mask, 0) AS entered_mask, coalesce(h.reentered_mask, 0) AS reentered_mask,
      coalesce(m.moves0, 0) AS moves0, coalesce(m.moves1, 0) AS moves1,
      coalesce(m.moves2, 0) AS moves2, coalesce(m.moves3, 0) AS moves3,
      ${SLOTS.map((slot) => `h.${enteredAtColumn(slot)}`).join(', ')},
      l.deal_value, coalesce(v.accepted, 0) AS accepted_count, coalesce(v.rejected, 0) AS rejected_count,
      coalesce(v.reasons, '{}') AS rejection_reasons
    FROM lead l
    LEFT JOIN LATERAL (
      SELECT bit_or(1::bigint << x.slot) AS entered_mask,
        coalesce(bit_or(1::bigint << x.slot) FILTER (WHERE x.entries > 1), 0) AS reentered_mask,
        ${enteredAt.join(',\n        ')}
      FROM (SELECT s.slot, count(*) AS entries, min(t.at) AS first_at
            FROM stage_transition t JOIN funnel_stage s ON s.id = t.to_stage_id
            WHERE t.lead_id = l.id AND t.at <= ${bound} GROUP BY s.slot) x
    ) h ON true
    LEFT JOIN LATERAL (
      SELECT ${moves.join(', ')}
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

const FACT_COLUMNS = [
  'lead_id',
  'created_at',
  'campaign_id',
  'persona_id',
  'owner_id',
  'stage_id',
  'entered_mask',
  'reentered_mask',
  'moves0',
  'moves1',
  'moves2',
  'moves3',
  ...SLOTS.map(enteredAtColumn),
  'deal_value',
  'accepted_count',
  'rejected_count',
  'rejection_reasons',
];

const FUNNEL_KEY = ['day', 'stage_id', 'entered_mask', 'reentered_mask', 'moves0', 'moves1', 'moves2', 'moves3'];
const funnelKeyOf = (alias: string): string =>
  `(${alias}.created_at AT TIME ZONE 'UTC')::date AS day, ${FUNNEL_KEY.slice(1)
    .map((c) => `${alias}.${c}`)
    .join(', ')}`;

/**
 * Upserts the facts of the leads `$1` and moves their weight in funnel_daily from
 * their old row's key to their new one, in one statement (so its row locks are taken in key order).
 */
function upsertFactsSql(): string {
  const keys = FUNNEL_KEY.join(', ');
  return `WITH new AS (${leadSummarySql('l.id = ANY($1::uuid[])', "'infinity'::timestamptz")}),
    old AS (SELECT * FROM lead_fact WHERE lead_id = ANY($1::uuid[])),
    up AS (
      INSERT INTO lead_fact (${FACT_COLUMNS.join(', ')}) SELECT ${FACT_COLUMNS.join(', ')} FROM new
      ON CONFLICT (lead_id) DO UPDATE SET ${FACT_COLUMNS.slice(1)
        .map((column) => `${column} = EXCLUDED.${column}`)
        .join(', ')}
    )
    INSERT INTO funnel_daily (${keys}, leads)
    SELECT ${keys}, sum(d)::int FROM (
      SELECT ${funnelKeyOf('o')}, -1 AS d FROM old o UNION ALL SELECT ${funnelKeyOf('n')}, 1 FROM new n
    ) x GROUP BY ${keys} HAVING sum(d) <> 0 ORDER BY ${keys}
    ON CONFLICT (${keys}) DO UPDATE SET leads = funnel_daily.leads + EXCLUDED.leads`;
}

/** Touches: the first-touch campaign counts once, each lead-side activity with a campaign once. */
function creditsSelectSql(condition: (column: string) => string): string {
  return `SELECT t.lead_id, t.campaign_id, f.created_at, t.first_touch, t.touches,
      t.touches::float8 / sum(t.touches) OVER (PARTITION BY t.lead_id) AS credit,
      f.entered_mask, f.deal_value, f.accepted_count, f.rejected_count, f.rejection_reasons
    FROM (
      SELECT x.lead_id, x.campaign_id, bool_or(x.first_touch) AS first_touch, count(*)::int AS touches
      FROM (
        SELECT l.id AS lead_id, l.campaign_id, true AS first_touch FROM lead l
        WHERE l.campaign_id IS NOT NULL AND ${condition('l.id')}
        UNION ALL
        SELECT a.lead_id, a.campaign_id, false FROM activity a
        WHERE a.campaign_id IS NOT NULL AND a.type <> ALL(${SALES_TYPES_SQL}) AND ${condition('a.lead_id')}
      ) x GROUP BY x.lead_id, x.campaign_id
    ) t JOIN lead_fact f ON f.lead_id = t.lead_id`;
}

const CREDIT_COLUMNS = [
  'lead_id',
  'campaign_id',
  'created_at',
  'first_touch',
  'touches',
  'credit',
  'entered_mask',
  'deal_value',
  'accepted_count',
  'rejected_count',
  'rejection_reasons',
];

/** What one credit row adds to campaign_daily (times `sign`), and the table's value columns. */
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
const dayOf = (alias: string): string => `(${alias}.created_at AT TIME ZONE 'UTC')::date`;

/** campaign_daily rows (day, campaign, mask, sums) from the signed credit rows of `source` (columns c.*, c.sign). */
function campaignDailySql(source: string, upsert: boolean): string {
  const columns = CAMPAIGN_VALUES.map(([column]) => column);
  const sums = CAMPAIGN_VALUES.map(
    ([column, value]) => `sum(c.sign * ${value('c')})${INT_VALUES.has(column) ? '::int' : ''}`,
  );
  return `INSERT INTO campaign_daily (day, campaign_id, entered_mask, ${columns.join(', ')})
    SELECT ${dayOf('c')}, c.campaign_id, c.entered_mask, ${sums.join(', ')}
    FROM ${source} GROUP BY 1, 2, 3
    ${
      upsert
        ? `HAVING NOT (${sums.map((sum) => `${sum} = 0`).join(' AND ')}) ORDER BY 1, 2, 3
    ON CONFLICT (day, campaign_id, entered_mask) DO UPDATE SET ${columns
      .map((column) => `${column} = campaign_daily.${column} + EXCLUDED.${column}`)
      .join(', ')}`
        : ''
    }`;
}

function reasonDailySql(source: string, upsert: boolean): string {
  return `INSERT INTO campaign_reason_daily (day, campaign_id, reason, first_touch, credit)
    SELECT ${dayOf('c')}, c.campaign_id, r.reason, sum(c.sign * c.first_touch::int)::int, sum(c.sign * c.credit)
    FROM ${source} CROSS JOIN LATERAL unnest(c.rejection_reasons) AS r(reason)
    WHERE c.rejected_count > 0 GROUP BY 1, 2, 3
    ${
      upsert
        ? `HAVING NOT (sum(c.sign * c.first_touch::int) = 0 AND sum(c.sign * c.credit) = 0) ORDER BY 1, 2, 3
    ON CONFLICT (day, campaign_id, reason) DO UPDATE SET first_touch = campaign_reason_daily.first_touch + EXCLUDED.first_touch,
      credit = campaign_reason_daily.credit + EXCLUDED.credit`
        : ''
    }`;
}

/**
 * Replaces the credit rows of these leads (upsert the current ones, delete the rest) and moves
 * their sums in campaign_daily and campaign_reason_daily, in one statement.
 */
function refreshCreditsSql(): string {
  const byIds = (column: string): string => `${column} = ANY($1::uuid[])`;
  return `WITH new AS (${creditsSelectSql(byIds)}),
    old AS (SELECT * FROM lead_campaign_credit WHERE lead_id = ANY($1::uuid[])),
    up AS (
      INSERT INTO lead_campaign_credit (${CREDIT_COLUMNS.join(', ')}) SELECT ${CREDIT_COLUMNS.join(', ')} FROM new
      ON CONFLICT (lead_id, campaign_id) DO UPDATE SET ${CREDIT_COLUMNS.slice(2)
        .map((column) => `${column} = EXCLUDED.${column}`)
        .join(', ')}
    ),
    gone AS (
      DELETE FROM lead_campaign_credit c WHERE c.lead_id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM new n WHERE n.lead_id = c.lead_id AND n.campaign_id = c.campaign_id)
    ),
    signed AS (
      SELECT o.*, -1 AS sign FROM old o
      UNION ALL SELECT ${CREDIT_COLUMNS.map((column) => `n.${column}`).join(', ')}, 1 FROM new n
    ),
    reasons AS (${reasonDailySql('signed c', true)})
    ${campaignDailySql('signed c', true)}`;
}

const VISIT_COLUMNS = [
  'id',
  'lead_id',
  'stage_id',
  'owner_id',
  'entered_at',
  'next_entry_at',
  'first_contact_at',
  'contact_times',
  'contact_recorded_times',
  'reported_contact_times',
];

/**
 * One row per entry into a stage, owned by the owner the lead had then, with the contact attempts
 * counted (countedAtSql) from the entry until the next entry into it.
 */
function visitsSelectSql(condition: (column: string) => string): string {
  return `SELECT t.id, t.lead_id, t.to_stage_id AS stage_id, t.owner_id, t.at AS entered_at, t.next_entry_at,
      c.times[1] AS first_contact_at, coalesce(c.times, '{}') AS contact_times,
      coalesce(c.recorded, '{}') AS contact_recorded_times, coalesce(c.reported, '{}') AS reported_contact_times
    FROM (
      SELECT t.id, t.lead_id, t.to_stage_id, t.at, t.owner_id,
        lead(t.at) OVER (PARTITION BY t.lead_id, t.to_stage_id ORDER BY t.at, t.id) AS next_entry_at
      FROM stage_transition t WHERE ${condition('t.lead_id')}
    ) t
    LEFT JOIN LATERAL (
      SELECT array_agg(x.counted_at ORDER BY x.counted_at, x.id) AS times,
        array_agg(x.recorded_at ORDER BY x.counted_at, x.id) AS recorded,
        array_agg(x.occurred_at ORDER BY x.occurred_at, x.id) AS reported
      FROM (
        SELECT a.id, a.occurred_at, a.recorded_at, ${countedAtSql('a')} AS counted_at FROM activity a
        WHERE a.lead_id = t.lead_id AND a.type = ANY(${SALES_TYPES_SQL})
          AND (t.next_entry_at IS NULL OR a.occurred_at < t.next_entry_at)
      ) x
      WHERE x.counted_at >= t.at AND (t.next_entry_at IS NULL OR x.counted_at < t.next_entry_at)
    ) c ON true`;
}

/**
 * sla_daily rows from the signed visits of `source` (alias v, with v.sign): per time SLA, the
 * visit's clock-start day (UTC), its owner and the SLA's terms version in force then (s, sla_terms),
 * the cases met, completed late, still open, and not met but met at their reported times.
 */
function slaDailySql(source: string, upsert: boolean, slaCondition = 'true'): string {
  const due = dueSql();
  const completed = completedSql();
  const sums = [
    `coalesce(sum(v.sign) FILTER (WHERE ${completed} <= ${due}), 0)::int`,
    `coalesce(sum(v.sign) FILTER (WHERE ${completed} > ${due}), 0)::int`,
    `coalesce(sum(v.sign) FILTER (WHERE ${completed} IS NULL), 0)::int`,
    `coalesce(sum(v.sign) FILTER (WHERE ${lateLoggedSql()}), 0)::int`,
  ];
  return `INSERT INTO sla_daily (sla_id, day, owner_id, terms_version, met, late, open, late_logged)
    SELECT s.sla_id, (v.entered_at AT TIME ZONE 'UTC')::date, coalesce(v.owner_id, '${NO_OWNER}'::uuid), s.version,
      ${sums.join(', ')}
    FROM ${source} JOIN sla_terms s ON s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP') AND ${termsInForceSql()} AND ${slaCondition}
    GROUP BY 1, 2, 3, 4
    ${
      upsert
        ? `HAVING NOT (${sums.map((sum) => `${sum} = 0`).join(' AND ')}) ORDER BY 1, 2, 3, 4
    ON CONFLICT (sla_id, day, owner_id, terms_version) DO UPDATE SET met = sla_daily.met + EXCLUDED.met,
      late = sla_daily.late + EXCLUDED.late, open = sla_daily.open + EXCLUDED.open,
      late_logged = sla_daily.late_logged + EXCLUDED.late_logged`
        : ''
    }`;
}

/** Replaces the visits of these leads (upsert current, delete gone) and moves their SLA counts, in one statement. */
function refreshVisitsSql(): string {
  const byIds = (column: string): string => `${column} = ANY($1::uuid[])`;
  return `WITH new AS (${visitsSelectSql(byIds)}),
    old AS (SELECT * FROM stage_visit WHERE lead_id = ANY($1::uuid[])),
    up AS (
      INSERT INTO stage_visit (${VISIT_COLUMNS.join(', ')}) SELECT ${VISIT_COLUMNS.join(', ')} FROM new
      ON CONFLICT (id) DO UPDATE SET ${VISIT_COLUMNS.slice(1)
        .map((column) => `${column} = EXCLUDED.${column}`)
        .join(', ')}
    ),
    gone AS (
      DELETE FROM stage_visit v WHERE v.lead_id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM new n WHERE n.id = v.id)
    ),
    signed AS (
      SELECT ${VISIT_COLUMNS.map((column) => `o.${column}`).join(', ')}, -1 AS sign FROM old o
      UNION ALL SELECT ${VISIT_COLUMNS.map((column) => `n.${column}`).join(', ')}, 1 FROM new n
    )
    ${slaDailySql('signed v', true)}`;
}

/**
 * One lead_stage_time row per lead of `factCondition` (a condition on `f`, lead_fact) and open
 * stage it first entered before it first reached that stage's next stage, against the funnel's
 * order now: the next stage of an open stage is the first open or won stage after it, and reaching
 * it means entering it or any open or won stage after it (funnelReport's definition). The order is
 * read by the statement that writes the rows; a funnel edit that changes it marks the table stale
 * (markStageTimesStale) until a pass has rewritten every lead's rows against the new order.
 */
function stageTimesSelectSql(factCondition: string): string {
  const entered = `CASE p.slot ${SLOTS.map((slot) => `WHEN ${slot} THEN f.${enteredAtColumn(slot)}`).join(' ')} END`;
  const reachedNext = `LEAST(${SLOTS.map(
    (slot) => `CASE WHEN p.reach & (1::bigint << ${slot}) <> 0 THEN f.${enteredAtColumn(slot)} END`,
  ).join(', ')})`;
  // Materialized: else the planner re-reads funnel_stage for every lead.
  return `WITH p AS MATERIALIZED (
      SELECT s.id AS stage_id, s.slot, (SELECT coalesce(bit_or(1::bigint << r.slot), 0) FROM funnel_stage r
                                        WHERE r.kind <> 'LOST' AND r.position > s.position) AS reach
      FROM funnel_stage s WHERE s.kind = 'OPEN'
    )
    SELECT f.lead_id, p.stage_id, f.created_at, date_part('epoch', x.reached_next - x.entered) / 3600 AS hours_to_next
    FROM p CROSS JOIN lead_fact f
    CROSS JOIN LATERAL (SELECT ${entered} AS entered, ${reachedNext} AS reached_next) x
    WHERE ${factCondition} AND x.reached_next > x.entered`;
}

const STAGE_TIME_COLUMNS = 'lead_id, stage_id, created_at, hours_to_next';

/** Replaces the stage times of these leads from their lead_fact rows (written just before), in one statement. */
function refreshStageTimesSql(): string {
  return `WITH new AS (${stageTimesSelectSql('f.lead_id = ANY($1::uuid[])')}),
    gone AS (
      DELETE FROM lead_stage_time t WHERE t.lead_id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM new n WHERE n.lead_id = t.lead_id AND n.stage_id = t.stage_id)
    )
    INSERT INTO lead_stage_time (${STAGE_TIME_COLUMNS}) SELECT ${STAGE_TIME_COLUMNS} FROM new ORDER BY lead_id, stage_id
    ON CONFLICT (lead_id, stage_id) DO UPDATE SET created_at = EXCLUDED.created_at, hours_to_next = EXCLUDED.hours_to_next
    WHERE (lead_stage_time.created_at, lead_stage_time.hours_to_next)
      IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.hours_to_next)`;
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
  const rows: Array<{ fresh: boolean }> = await db.query(
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
          if (rows.length > 0) await runner.query(refreshStageTimesSql(), [rows.map((row) => row.lead_id)]);
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

/**
 * Rebuilds stale stage times every `intervalMs` (a funnel edit marks them stale), in the
 * background of the server; returns a stop function that waits for a running pass.
 */
export function watchStageTimes(dataSource: DataSource, intervalMs = 5000): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => rebuildStaleStageTimes(dataSource))
      .catch((error: unknown) => logger.warn({ err: error }, 'stage time rebuild failed; it is tried again'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Rebuilds one SLA's daily counts from the visits (when it is created or its terms change). */
export async function rebuildSlaDaily(db: Queryable, slaId: string): Promise<void> {
  await db.query('DELETE FROM sla_daily WHERE sla_id = $1', [slaId]);
  await db.query(slaDailySql('(SELECT *, 1 AS sign FROM stage_visit) v', false, 's.sla_id = $1'), [slaId]);
}

/** Rebuilds the rollup rows of these leads from their facts (a lead that no longer exists has none). */
export async function refreshLeadFacts(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  const ids = [...new Set(leadIds)].sort();
  await db.query(upsertFactsSql(), [ids]);
  await db.query(refreshCreditsSql(), [ids]);
  await db.query(refreshVisitsSql(), [ids]);
  await db.query(refreshStageTimesSql(), [ids]);
}

/** Rebuilds the daily rollups from lead_fact and lead_campaign_credit. */
export async function rebuildDailyRollups(db: Queryable): Promise<void> {
  const keys = FUNNEL_KEY.join(', ');
  await db.query('TRUNCATE funnel_daily, campaign_daily, campaign_reason_daily, sla_daily');
  await db.query(
    `INSERT INTO funnel_daily (${keys}, leads) SELECT ${funnelKeyOf('f')}, count(*) FROM lead_fact f GROUP BY ${keys}`,
  );
  const signed = '(SELECT *, 1 AS sign FROM lead_campaign_credit) c';
  await db.query(campaignDailySql(signed, false));
  await db.query(reasonDailySql(signed, false));
  await db.query(slaDailySql('(SELECT *, 1 AS sign FROM stage_visit) v', false));
}

/**
 * Rebuilds every lead's rollups, for bulk loads that bypass the services (demo seed, benchmark).
 * Runs in the caller's transaction when given a transaction's manager.
 */
export async function rebuildAllLeadFacts(db: Queryable): Promise<void> {
  const all = (): string => 'true';
  await db.query('TRUNCATE lead_fact, lead_campaign_credit, stage_visit, lead_stage_time');
  await db.query(
    `INSERT INTO lead_fact (${FACT_COLUMNS.join(', ')}) ${leadSummarySql('true', "'infinity'::timestamptz")}`,
  );
  await db.query(`INSERT INTO lead_campaign_credit (${CREDIT_COLUMNS.join(', ')}) ${creditsSelectSql(all)}`);
  await db.query(`INSERT INTO stage_visit (${VISIT_COLUMNS.join(', ')}) ${visitsSelectSql(all)}`);
  await db.query(`INSERT INTO lead_stage_time (${STAGE_TIME_COLUMNS}) ${stageTimesSelectSql('true')}`);
  await db.query('UPDATE stage_time_state SET built_generation = generation WHERE id = 1');
  await rebuildDailyRollups(db);
}

/** Builds the rollups of leads that have none (after an upgrade, or a bulk load), in batches. */
export async function backfillLeadFacts(db: Queryable, batch = 5000): Promise<number> {
  let done = 0;
  for (;;) {
    const rows: Array<{ id: string }> = await db.query(
      `SELECT l.id FROM lead l WHERE NOT EXISTS (SELECT 1 FROM lead_fact f WHERE f.lead_id = l.id) LIMIT ${batch}`,
    );
    if (rows.length === 0) break;
    await refreshLeadFacts(
      db,
      rows.map((row) => row.id),
    );
    done += rows.length;
  }
  if (done > 0) logger.info({ leads: done }, 'metric rollups built for leads that had none');
  return done;
}

const pending = new WeakMap<EntityManager, Set<string>>();

/**
 * Notes that these leads' facts changed in the caller's transaction; their rollups are rebuilt
 * when it commits (see inTransaction). Outside a transaction they are rebuilt at once.
 */
export async function markLeadsChanged(ctx: Context, leadIds: readonly string[]): Promise<void> {
  if (!ctx.manager) {
    await refreshLeadFacts(managerOf(ctx), leadIds);
    return;
  }
  let set = pending.get(ctx.manager);
  if (!set) pending.set(ctx.manager, (set = new Set<string>()));
  for (const id of leadIds) set.add(id);
}

/** Rebuilds the rollups of the leads marked in this transaction. */
export async function flushLeadFacts(tx: Context): Promise<void> {
  if (!tx.manager) return;
  const set = pending.get(tx.manager);
  if (!set || set.size === 0) return;
  pending.delete(tx.manager);
  await refreshLeadFacts(tx.manager, [...set]);
}

/**
 * Takes these leads out of the rollups, before they are deleted (an undone import): their
 * lead_fact, credit, visit and stage-time rows go, and the daily rollups lose what those rows
 * added. Deleting a lead cascades to its rollup rows without touching the daily sums, so this
 * runs first, in the same transaction as the delete.
 */
export async function forgetLeadFacts(db: Queryable, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  const ids = [...new Set(leadIds)].sort();
  const keys = FUNNEL_KEY.join(', ');
  await db.query(
    `WITH old AS (DELETE FROM lead_fact WHERE lead_id = ANY($1::uuid[]) RETURNING *)
     INSERT INTO funnel_daily (${keys}, leads)
     SELECT ${keys}, -count(*)::int FROM (SELECT ${funnelKeyOf('o')} FROM old o) x GROUP BY ${keys} ORDER BY ${keys}
     ON CONFLICT (${keys}) DO UPDATE SET leads = funnel_daily.leads + EXCLUDED.leads`,
    [ids],
  );
  await db.query(
    `WITH old AS (DELETE FROM lead_campaign_credit WHERE lead_id = ANY($1::uuid[]) RETURNING *),
      signed AS (SELECT o.*, -1 AS sign FROM old o),
      reasons AS (${reasonDailySql('signed c', true)})
     ${campaignDailySql('signed c', true)}`,
    [ids],
  );
  await db.query(
    `WITH old AS (DELETE FROM stage_visit WHERE lead_id = ANY($1::uuid[]) RETURNING *),
      signed AS (SELECT ${VISIT_COLUMNS.map((column) => `o.${column}`).join(', ')}, -1 AS sign FROM old o)
     ${slaDailySql('signed v', true)}`,
    [ids],
  );
  await db.query('DELETE FROM lead_stage_time WHERE lead_id = ANY($1::uuid[])', [ids]);
}

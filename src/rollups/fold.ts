import * as sql from 'pg-sql2';
import type { DataSource } from 'typeorm';
import { CampaignDailyFolded, CampaignReasonDailyFolded } from '../entities/campaign-daily.entity';
import { FunnelDailyFolded } from '../entities/funnel-daily.entity';
import { SlaDailyFolded } from '../entities/sla-daily.entity';
import type { EntityClass } from '../entities/rollup-view';
import { FOLD_LOCK } from './fold-lock';
import { type Fragment, type Queryable, col, columnList, run, tableColumns } from './sql';

const DAILY: Array<{ name: string; entity: EntityClass; ints: ReadonlySet<string>; where?: Fragment }> = [
  { name: 'funnel_daily', entity: FunnelDailyFolded, ints: new Set(['leads']) },
  {
    name: 'campaign_daily',
    entity: CampaignDailyFolded,
    ints: new Set(['first_touch_leads', 'first_touch_accepted', 'first_touch_rejected']),
  },
  { name: 'campaign_reason_daily', entity: CampaignReasonDailyFolded, ints: new Set(['first_touch']) },
  // The deltas carry no foreign key (see SlaDailyDelta): those of an SLA deleted meanwhile go.
  {
    name: 'sla_daily',
    entity: SlaDailyFolded,
    ints: new Set(['met', 'late', 'open', 'late_logged']),
    where: sql.query`sla_id IN (SELECT id FROM sla)`,
  },
];

/**
 * The fold: in one statement, every delta row visible to it is deleted and added, summed by key,
 * to the folded rows (a data-modifying CTE per table). Reports read folded + deltas, and the fold
 * commits both sides at once, so no report ever sees a delta twice or not at all. A delta
 * inserted after the fold's snapshot stays for the next fold.
 */
export function foldStatement(): Fragment {
  const parts = DAILY.map(({ name, entity, ints, where }) => {
    const { key, values } = tableColumns(entity);
    const folded = `${name}_folded`;
    const moved = `${name}_moved`;
    const sums = values.map(
      (value) =>
        sql.query`sum(${sql.identifier(value)})${ints.has(value) ? sql.raw('::int') : sql.blank} AS ${sql.identifier(value)}`,
    );
    return {
      moved: sql.query`${sql.identifier(moved)} AS (DELETE FROM ${sql.identifier(`${name}_delta`)} RETURNING ${columnList([...key, ...values])})`,
      upsert: sql.query`${sql.identifier(`${name}_up`)} AS (
      INSERT INTO ${sql.identifier(folded)} (${columnList([...key, ...values])})
      SELECT ${columnList(key)}, ${sql.join(sums, ', ')} FROM ${sql.identifier(moved)}${where ? sql.query` WHERE ${where}` : sql.blank}
      GROUP BY ${columnList(key)} ORDER BY ${columnList(key)}
      ON CONFLICT (${columnList(key)}) DO UPDATE SET ${sql.join(
        values.map(
          (value) => sql.query`${sql.identifier(value)} = ${col(folded, value)} + EXCLUDED.${sql.identifier(value)}`,
        ),
        ', ',
      )}
    )`,
      count: sql.query`(SELECT count(*) FROM ${sql.identifier(moved)})::int AS ${sql.identifier(name)}`,
    };
  });
  return sql.query`WITH ${sql.join(
    parts.flatMap((part) => [part.moved, part.upsert]),
    ',\n    ',
  )}
    SELECT ${sql.join(
      parts.map((part) => part.count),
      ', ',
    )}`;
}

export interface FoldResult {
  /** False when another fold (or a rebuild) held the fold lock: nothing was done. */
  ran: boolean;
  /** Delta rows folded, per daily table. */
  folded: Record<string, number>;
}

async function foldIn(db: Queryable): Promise<FoldResult> {
  const [{ locked }] = await db.query<[{ locked: boolean }]>(
    `SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS locked`,
  );
  if (!locked) return { ran: false, folded: {} };
  const [counts] = await run<[Record<string, number>]>(db, foldStatement());
  return { ran: true, folded: counts };
}

/**
 * Folds the daily rollups' delta rows into their folded rows, in one transaction of its own. Safe
 * to run at any time and from any number of processes (one runs, the others return ran: false);
 * it changes no report figure, it only keeps the delta tables short.
 */
export async function foldRollupDeltas(dataSource: DataSource): Promise<FoldResult> {
  return dataSource.transaction((manager) => foldIn(manager));
}


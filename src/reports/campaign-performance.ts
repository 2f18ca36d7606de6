import type { DataSource, EntityManager } from 'typeorm';
import { config } from '../config';
import type { Context } from '../context';
import { readerOf } from '../context';
import { column, columnNamesOf, selectListOf, selectSql, sql, whereOf, type SQL } from '../db/fragments';
import { Campaign } from '../entities/campaign.entity';
import { CampaignDailyFolded } from '../entities/campaign-daily.entity';
import { StageKind, type CampaignChannel, type RejectionReason } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { listStages } from '../services/funnel.service';
import { assertAllExist } from '../services/references';
import { CAMPAIGN_VALUES } from '../rollups/lead-facts';
import {
  assertRange,
  bigintSql,
  daysCondition,
  edgesCondition,
  maskOf,
  num,
  ratio,
  reachStages,
  splitByDay,
  stageByKey,
} from './metric-helpers';

type Queryable = DataSource | EntityManager;

export interface CampaignPerformanceFilter {
  createdFrom?: Date | null;
  createdTo?: Date | null;
  campaignIds?: string[] | null;
  channel?: CampaignChannel | null;
}

export interface ReasonFigures {
  reason: RejectionReason;
  count: number;
  share: number | null;
}

export interface AttributionFigures {
  leads: number;
  mqls: number;
  sqls: number;
  customers: number;
  wonRevenue: number;
  costPerLead: number | null;
  costPerMql: number | null;
  roi: number | null;
  accepted: number;
  rejected: number;
  acceptanceRate: number | null;
  rejectionRate: number | null;
  rejectionReasons: ReasonFigures[];
}

export interface CampaignPerformanceFigures {
  campaignId: string;
  campaign: Campaign;
  cost: number | null;
  firstTouch: AttributionFigures;
  linear: AttributionFigures;
}

export interface OutcomeMasks {
  /** Reached the hand-over stage (HANDOVER_STAGE): entered it or any later open or won stage. */
  handover: SQL;
  /** Reached the stage sales accepts leads into (ACCEPTED_STAGE). */
  accepted: SQL;
  won: SQL;
  /** Ids of the stages that count as reaching the hand-over stage. */
  handoverStageIds: string[];
}

/**
 * Masks of the stages that mean "handed over", "accepted by sales" and "won", read against the
 * current funnel; the first two stages come from configuration, never from a key in the code.
 */
export function outcomeMasks(stages: FunnelStage[]): OutcomeMasks {
  const reach = (key: string): FunnelStage[] => {
    const stage = stageByKey(stages, key);
    return stage ? reachStages(stages, stage) : [];
  };
  const handover = reach(config.handoverStageKey);
  return {
    handover: bigintSql(maskOf(handover)),
    accepted: bigintSql(maskOf(reach(config.acceptedStageKey))),
    won: bigintSql(maskOf(stages.filter((stage) => stage.kind === StageKind.WON))),
    handoverStageIds: handover.map((stage) => stage.id),
  };
}

/**
 * The budget share spent in the window [from, to): the budget spread evenly over the campaign's
 * run [startsAt, endsAt], the part of the run inside the window. An open end of the window has no
 * bound on that side (the part of the run after `from`, or before `to`); with neither end, the
 * whole budget. A run without both dates cannot be spread and counts whole. The `cost` field's
 * description says the same; a test holds them together.
 */
export function costInWindow(
  campaign: Campaign,
  from: Date | null | undefined,
  to: Date | null | undefined,
): number | null {
  if (campaign.budget === null || campaign.budget === undefined) return null;
  const budget = Number(campaign.budget);
  if (!campaign.startsAt || !campaign.endsAt || (!from && !to)) return budget;
  const start = new Date(campaign.startsAt).getTime();
  const end = new Date(campaign.endsAt).getTime();
  const windowStart = from ? from.getTime() : -Infinity;
  const windowEnd = to ? to.getTime() : Infinity;
  if (end <= start) return start >= windowStart && start < windowEnd ? budget : 0;
  const overlap = Math.max(0, Math.min(end, windowEnd) - Math.max(start, windowStart));
  return (budget * overlap) / (end - start);
}

/**
 * Linear credits are fractions summed in floating point, over folded rows and signed deltas, so a
 * whole number may come back a hair off (three thirds as 1.0000000000000002, a lead added and
 * taken back as -5.6e-17). A sum within 1e-9 of a whole number is that number.
 */
const wholeWhenNear = (value: number): number => {
  const whole = Math.round(value);
  return Math.abs(value - whole) < 1e-9 ? whole || 0 : value;
};

function attribution(
  row: Record<string, unknown> | undefined,
  prefix: 'ft' | 'lin',
  reasons: Array<Record<string, unknown>>,
  cost: number | null,
): AttributionFigures {
  const value = (name: string): number => wholeWhenNear(num(row?.[`${prefix}_${name}`]));
  const leads = value('leads');
  const mqls = value('mqls');
  const revenue = value('revenue');
  const accepted = value('accepted');
  const rejected = value('rejected');
  return {
    leads,
    mqls,
    sqls: value('sqls'),
    customers: value('customers'),
    wonRevenue: revenue,
    costPerLead: cost === null ? null : ratio(cost, leads),
    costPerMql: cost === null ? null : ratio(cost, mqls),
    roi: cost === null ? null : ratio(revenue - cost, cost),
    accepted,
    rejected,
    acceptanceRate: ratio(accepted, accepted + rejected),
    rejectionRate: ratio(rejected, accepted + rejected),
    rejectionReasons: reasons
      .map((reason) => ({
        reason: reason.reason as RejectionReason,
        count: wholeWhenNear(num(reason[prefix])),
        share: ratio(wholeWhenNear(num(reason[prefix])), rejected),
      }))
      .filter((reason) => reason.count > 0)
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}

/**
 * Per campaign, first-touch and linear multi-touch side by side, over the leads created in the
 * window. Two statements (figures, then rejection reasons) over the daily rollups for whole days
 * and lead_campaign_credit for the partial days at the window's ends.
 */
export async function campaignPerformance(
  ctx: Context,
  filter: CampaignPerformanceFilter,
): Promise<CampaignPerformanceFigures[]> {
  assertRange(filter.createdFrom, filter.createdTo, 'filter.createdFrom', 'filter.createdTo');
  if (filter.campaignIds) await assertAllExist(ctx, Campaign, 'campaign', filter.campaignIds, 'filter.campaignIds');
  const masks = outcomeMasks(await listStages(ctx));
  const db = readerOf(ctx);
  const statements = campaignPerformanceSql(db, masks, filter);
  const [rows, reasonRows] = await Promise.all([
    selectSql<Record<string, unknown>>(db, statements.figures),
    selectSql<Record<string, unknown>>(db, statements.reasons),
  ]);
  const byCampaign = new Map(rows.map((row) => [row.campaign_id as string, row]));
  const ids = filter.campaignIds ? [...new Set(filter.campaignIds)] : [...byCampaign.keys()];
  const campaigns = ids.length ? await selectSql<Campaign>(db, campaignsSql(db, ids, filter.channel)) : [];
  return campaigns.map((campaign) => {
    const row = byCampaign.get(campaign.id);
    const reasons = reasonRows.filter((reason) => reason.campaign_id === campaign.id);
    const cost = costInWindow(campaign, filter.createdFrom, filter.createdTo);
    return {
      campaignId: campaign.id,
      campaign,
      cost,
      firstTouch: attribution(row, 'ft', reasons, cost),
      linear: attribution(row, 'lin', reasons, cost),
    };
  });
}

/** The campaigns shown, by name: the ids asked for or found, narrowed to a channel. */
export function campaignsSql(db: Queryable, ids: string[], channel: CampaignChannel | null | undefined): SQL {
  const where = [sql.query`c.id = ANY(${sql.value(ids)}::uuid[])`];
  if (channel) where.push(sql.query`c.channel = ${sql.value(channel)}::campaign_channel`);
  return sql.query`SELECT ${selectListOf(db, Campaign, 'c')} FROM campaign c ${whereOf(where)} ORDER BY c.name, c.id`;
}

/**
 * The two statements of campaign performance: the figures per campaign and the rejection reasons
 * per campaign, each over the daily rollups for whole days and the credit rows for the edges.
 */
export function campaignPerformanceSql(
  db: Queryable,
  masks: OutcomeMasks,
  filter: CampaignPerformanceFilter,
): { figures: SQL; reasons: SQL } {
  // Whole UTC days from the daily rollups, the partial days at the ends from the credit rows.
  const split = splitByDay(filter.createdFrom, filter.createdTo);
  const edgeCondition = edgesCondition('e', split.edges);
  const dayCondition = split.days ? daysCondition('d', split.days) : sql.query`false`;
  // campaign_daily's value columns, from its entity: those the rollups define what one credit row
  // adds to (CAMPAIGN_VALUES), so its keys and any bookkeeping column stay out.
  const creditValues = new Map(CAMPAIGN_VALUES);
  const valueColumns = columnNamesOf(db, CampaignDailyFolded).filter((name) => creditValues.has(name));
  const creditValue = (name: string): SQL => sql.raw(creditValues.get(name)!('e'));
  const rowsSource = sql.query`(SELECT d.campaign_id, d.entered_mask, ${sql.join(
    valueColumns.map((name) => column('d', name)),
    ', ',
  )} FROM campaign_daily d WHERE ${dayCondition}
      UNION ALL SELECT e.campaign_id, e.entered_mask, ${sql.join(
        valueColumns.map((name) => sql.query`${creditValue(name)} AS ${sql.identifier(name)}`),
        ', ',
      )}
      FROM lead_campaign_credit e WHERE ${edgeCondition}) c`;
  const reasonsSource = sql.query`(SELECT d.campaign_id, d.reason, d.first_touch AS ft, d.credit AS lin FROM campaign_reason_daily d WHERE ${dayCondition}
      UNION ALL SELECT e.campaign_id, r.reason, e.first_touch::int, e.credit
      FROM lead_campaign_credit e CROSS JOIN LATERAL unnest(e.rejection_reasons) AS r(reason)
      WHERE e.rejected_count > 0 AND (${edgeCondition})) c`;
  const chosen: SQL[] = [];
  if (filter.campaignIds) chosen.push(sql.query`c.campaign_id = ANY(${sql.value(filter.campaignIds)}::uuid[])`);
  if (filter.channel) {
    chosen.push(
      sql.query`c.campaign_id IN (SELECT id FROM campaign WHERE channel = ${sql.value(filter.channel)}::campaign_channel)`,
    );
  }
  const won = sql.query`c.entered_mask & ${masks.won} <> 0`;
  return {
    figures: sql.query`SELECT c.campaign_id,
         sum(c.first_touch_leads) AS ft_leads, sum(c.credit) AS lin_leads,
         sum(c.first_touch_leads) FILTER (WHERE c.entered_mask & ${masks.handover} <> 0) AS ft_mqls,
         sum(c.credit) FILTER (WHERE c.entered_mask & ${masks.handover} <> 0) AS lin_mqls,
         sum(c.first_touch_leads) FILTER (WHERE c.entered_mask & ${masks.accepted} <> 0) AS ft_sqls,
         sum(c.credit) FILTER (WHERE c.entered_mask & ${masks.accepted} <> 0) AS lin_sqls,
         sum(c.first_touch_leads) FILTER (WHERE ${won}) AS ft_customers,
         sum(c.credit) FILTER (WHERE ${won}) AS lin_customers,
         sum(c.first_touch_deal) FILTER (WHERE ${won}) AS ft_revenue,
         sum(c.credit_deal) FILTER (WHERE ${won}) AS lin_revenue,
         sum(c.first_touch_accepted) AS ft_accepted, sum(c.credit_accepted) AS lin_accepted,
         sum(c.first_touch_rejected) AS ft_rejected, sum(c.credit_rejected) AS lin_rejected
       FROM ${rowsSource} ${whereOf(chosen)} GROUP BY c.campaign_id`,
    reasons: sql.query`SELECT c.campaign_id, c.reason, sum(c.ft) AS ft, sum(c.lin) AS lin FROM ${reasonsSource}
       ${whereOf(chosen)} GROUP BY c.campaign_id, c.reason`,
  };
}

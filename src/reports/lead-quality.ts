import type { Context } from '../context';
import { readerOf } from '../context';
import { allOf, selectSql, sql, whereOf, type SQL } from '../db/fragments';
import type { RejectionReason } from '../entities/enums';
import { listStages } from '../services/funnel.service';
import { outcomeMasks, type OutcomeMasks, type ReasonFigures } from './campaign-performance';
import { cohortConditions, assertCohortFilter, num, ratio, type CohortFilter } from './metric-helpers';

export interface LeadQualityGroupFigures {
  campaignId: string | null;
  personaId: string | null;
  ruleSetVersionId: string | null;
  leads: number;
  handedOver: number;
  accepted: number;
  rejected: number;
  acceptanceRate: number | null;
  rejectionRate: number | null;
  reachedSqlShare: number | null;
  reachedCustomerShare: number | null;
  rejectionReasons: ReasonFigures[];
}

export interface LeadQualityFigures {
  filter: CohortFilter;
  total: LeadQualityGroupFigures;
  byCampaign: LeadQualityGroupFigures[];
  byPersona: LeadQualityGroupFigures[];
  byRuleSetVersion: LeadQualityGroupFigures[];
  byScoringRule: ScoringRuleQualityFigures[];
}

/** Which scoring rules send bad leads: outcomes of the leads on which a rule fires. */
export interface ScoringRuleQualityFigures {
  rule: string;
  ruleSetVersionId: string;
  leads: number;
  rejectedLeads: number;
  reachedSql: number;
  won: number;
  rejectedShare: number | null;
  reachedSqlShare: number | null;
  reachedCustomerShare: number | null;
}

type Dimension = 'campaign' | 'persona' | 'total' | 'version';

/**
 * Closed-loop quality of a cohort, by first-touch campaign and by persona: one statement with
 * grouping sets over lead_fact, and one for the rejection reasons.
 */
export async function leadQuality(ctx: Context, filter: CohortFilter): Promise<LeadQualityFigures> {
  await assertCohortFilter(ctx, filter);
  const masks = outcomeMasks(await listStages(ctx));
  const db = readerOf(ctx);
  const statements = leadQualitySql(masks, filter);
  const [rows, reasonRows] = await Promise.all([
    selectSql<Record<string, unknown>>(db, statements.groups),
    selectSql<Record<string, unknown>>(db, statements.reasons),
  ]);
  const keyOf = (row: Record<string, unknown>): string =>
    `${String(row.dimension)}:${String(row.campaign_id)}:${String(row.persona_id)}`;
  const toFigures = (row: Record<string, unknown>): LeadQualityGroupFigures => {
    const accepted = num(row.accepted);
    const rejected = num(row.rejected);
    const handedOver = num(row.handed_over);
    const dimension = row.dimension as Dimension;
    return {
      campaignId: dimension === 'campaign' ? (row.campaign_id as string | null) : null,
      personaId: dimension === 'persona' ? (row.persona_id as string | null) : null,
      ruleSetVersionId: dimension === 'version' ? (row.version_id as string | null) : null,
      leads: num(row.leads),
      handedOver,
      accepted,
      rejected,
      acceptanceRate: ratio(accepted, accepted + rejected),
      rejectionRate: ratio(rejected, accepted + rejected),
      reachedSqlShare: ratio(num(row.reached_sql), handedOver),
      reachedCustomerShare: ratio(num(row.won), handedOver),
      rejectionReasons: reasonRows
        .filter((reason) => keyOf(reason) === keyOf(row))
        .map((reason) => ({
          reason: reason.reason as RejectionReason,
          count: num(reason.count),
          share: ratio(num(reason.count), rejected),
        }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    };
  };
  const groups = rows.map((row) => ({ dimension: row.dimension as Dimension, figures: toFigures(row) }));
  const [versionRows, ruleRows] = await Promise.all([
    selectSql<Record<string, unknown>>(db, statements.versions),
    selectSql<Record<string, unknown>>(db, statements.rules),
  ]);
  const order = (a: LeadQualityGroupFigures, b: LeadQualityGroupFigures): number => b.leads - a.leads;
  const empty = toFigures({ dimension: 'total' });
  return {
    filter,
    total: groups.find((group) => group.dimension === 'total')?.figures ?? empty,
    byCampaign: groups
      .filter((g) => g.dimension === 'campaign')
      .map((g) => g.figures)
      .sort(order),
    byPersona: groups
      .filter((g) => g.dimension === 'persona')
      .map((g) => g.figures)
      .sort(order),
    byRuleSetVersion: versionRows.map((row) => ({ ...toFigures(row), rejectionReasons: [] })).sort(order),
    byScoringRule: ruleRows.map((row) => {
      const leads = num(row.leads);
      return {
        rule: String(row.rule),
        ruleSetVersionId: String(row.version_id),
        leads,
        rejectedLeads: num(row.rejected_leads),
        reachedSql: num(row.reached_sql),
        won: num(row.won),
        rejectedShare: ratio(num(row.rejected_leads), leads),
        reachedSqlShare: ratio(num(row.reached_sql), leads),
        reachedCustomerShare: ratio(num(row.won), leads),
      };
    }),
  };
}

/**
 * The statements of lead quality over the cohort's lead_fact rows: the groups (by first-touch
 * campaign, by persona, total), their rejection reasons, the handed-over leads by the rule-set
 * version that handed them over, and the scoring rules fired on the leads.
 */
export function leadQualitySql(
  masks: OutcomeMasks,
  filter: CohortFilter,
): { groups: SQL; reasons: SQL; versions: SQL; rules: SQL } {
  const cohort = cohortConditions('f', filter);
  const dimension = sql.query`CASE WHEN GROUPING(f.campaign_id) = 0 THEN 'campaign' WHEN GROUPING(f.persona_id) = 0 THEN 'persona' ELSE 'total' END`;
  const sets = sql.query`GROUPING SETS ((f.campaign_id), (f.persona_id), ())`;
  // The stage ids are the funnel's own uuids, not input; inlined so the planner sees them.
  const handoverStages = sql.join(
    masks.handoverStageIds.map((id) => sql.literal(id)),
    ', ',
  );
  return {
    groups: sql.query`SELECT ${dimension} AS dimension, f.campaign_id, f.persona_id, count(*) AS leads,
         count(*) FILTER (WHERE f.entered_mask & ${masks.handover} <> 0) AS handed_over,
         count(*) FILTER (WHERE f.entered_mask & ${masks.accepted} <> 0) AS reached_sql,
         count(*) FILTER (WHERE f.entered_mask & ${masks.won} <> 0) AS won,
         sum(f.accepted_count) AS accepted, sum(f.rejected_count) AS rejected
       FROM lead_fact f ${whereOf(cohort)} GROUP BY ${sets}`,
    reasons: sql.query`SELECT ${dimension} AS dimension, f.campaign_id, f.persona_id, r.reason, count(*) AS count
       FROM lead_fact f CROSS JOIN LATERAL unnest(f.rejection_reasons) AS r(reason)
       WHERE ${allOf([...cohort, sql.query`f.rejected_count > 0`])}
       GROUP BY ${sets}, r.reason`,
    // Every handed-over lead, by the version whose qualify rule first moved it into the hand-over
    // stage or past it; null (no rule version) when that move was by hand, an import or creation.
    versions: sql.query`SELECT 'version' AS dimension, q.version_id, count(*) AS leads, count(*) AS handed_over,
         count(*) FILTER (WHERE f.entered_mask & ${masks.accepted} <> 0) AS reached_sql,
         count(*) FILTER (WHERE f.entered_mask & ${masks.won} <> 0) AS won,
         sum(f.accepted_count) AS accepted, sum(f.rejected_count) AS rejected
       FROM lead_fact f
       LEFT JOIN LATERAL (
         SELECT t.rule_set_version_id AS version_id FROM stage_transition t
         WHERE t.lead_id = f.lead_id
           AND t.to_stage_id = ANY(ARRAY[${handoverStages}]::uuid[])
         ORDER BY t.at, t.id LIMIT 1
       ) q ON true
       WHERE ${allOf([...cohort, sql.query`f.entered_mask & ${masks.handover} <> 0`])}
       GROUP BY q.version_id`,
    // Rules fired in each lead's current score explanation.
    rules: sql.query`SELECT fired->>'rule' AS rule, fired->>'ruleSetVersionId' AS version_id, count(*) AS leads,
         count(*) FILTER (WHERE f.rejected_count > 0) AS rejected_leads,
         count(*) FILTER (WHERE f.entered_mask & ${masks.accepted} <> 0) AS reached_sql,
         count(*) FILTER (WHERE f.entered_mask & ${masks.won} <> 0) AS won
       FROM lead_fact f JOIN lead l ON l.id = f.lead_id
       CROSS JOIN LATERAL jsonb_array_elements(coalesce(l.score_explanation->'fired', '[]'::jsonb)) AS fired
       ${whereOf(cohort)}
       GROUP BY 1, 2 ORDER BY 1, 2`,
  };
}

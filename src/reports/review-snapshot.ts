import type { Context } from '../context';
import { managerOf } from '../context';
import { selectSql, sql } from '../db/fragments';
import { SlaKind } from '../entities/enums';
import type {
  ReviewCampaignFigure,
  ReviewGoal,
  ReviewHeadline,
  ReviewRuleChange,
  ReviewSlaFigure,
  ReviewSnapshot,
} from '../schema/review/review.types';
import { listSlas } from '../services/sla.service';
import { campaignPerformance } from './campaign-performance';
import { funnelReport } from './funnel-report';
import { leadQuality } from './lead-quality';
import { goalProgress, slaReport } from './sla-report';

/**
 * Takes the numbers of one review period from the metrics, as a client would read them at this
 * moment, into plain JSON that is stored with the review and never recomputed. Read-only: the
 * review service stores what this returns.
 */
export async function takeReviewSnapshot(ctx: Context, start: Date, end: Date): Promise<ReviewSnapshot> {
  const now = new Date();
  const cohort = { createdFrom: start, createdTo: end };
  const slas = await listSlas(ctx, false);
  const [funnel, quality, campaigns] = await Promise.all([
    funnelReport(ctx, cohort),
    leadQuality(ctx, cohort),
    campaignPerformance(ctx, cohort),
  ]);

  // Goals: where each volume SLA stood at the end of the review period (or now, if it is running).
  const goalAt = new Date(Math.min(end.getTime() - 1, now.getTime()));
  const goals: ReviewGoal[] = [];
  const timeSlas: ReviewSlaFigure[] = [];
  for (const sla of slas) {
    if (sla.kind === SlaKind.LEAD_VOLUME) {
      const goal = await goalProgress(ctx, sla.id, goalAt);
      goals.push({
        slaId: sla.id,
        slaName: sla.name,
        periodStart: goal.periodStart.toISOString(),
        periodEnd: goal.periodEnd.toISOString(),
        target: goal.target,
        actual: goal.actual,
        expectedToDate: goal.expectedToDate,
        projected: goal.projected,
      });
      continue;
    }
    const report = await slaReport(ctx, sla.id, start, end);
    const owners = await ownerNames(
      ctx,
      report.byOwner.map((row) => row.ownerId),
    );
    timeSlas.push({
      slaId: sla.id,
      slaName: sla.name,
      kind: sla.kind,
      cases: report.total.cases,
      met: report.total.met,
      breached: report.total.breached,
      pending: report.total.pending,
      compliance: report.total.compliance,
      byOwner: [...report.byOwner]
        .sort((a, b) => b.breached - a.breached || b.cases - a.cases)
        .map((row) => ({
          ownerId: row.ownerId,
          ownerName: row.ownerId ? (owners.get(row.ownerId) ?? 'Unknown') : 'Unassigned',
          cases: row.cases,
          met: row.met,
          breached: row.breached,
          pending: row.pending,
          compliance: row.compliance,
        })),
    });
  }

  const campaignRows: ReviewCampaignFigure[] = campaigns
    .map((row) => ({
      campaignId: row.campaignId,
      name: row.campaign.name,
      leads: row.firstTouch.leads,
      mqls: row.firstTouch.mqls,
      sqls: row.firstTouch.sqls,
      customers: row.firstTouch.customers,
      wonRevenue: row.firstTouch.wonRevenue,
      cost: row.cost,
      costPerLead: row.firstTouch.costPerLead,
      roi: row.firstTouch.roi,
      acceptanceRate: row.firstTouch.acceptanceRate,
    }))
    .sort((a, b) => b.leads - a.leads || a.name.localeCompare(b.name));

  const total = quality.total;
  const wonRevenue = campaigns.reduce((sum, row) => sum + row.firstTouch.wonRevenue, 0);
  const headlines: ReviewHeadline[] = [
    { key: 'leads', label: 'Leads created', value: funnel.leads },
    { key: 'handedOver', label: 'Leads handed to sales', value: total.handedOver },
    { key: 'accepted', label: 'Accepted by sales', value: total.accepted },
    { key: 'rejected', label: 'Rejected by sales', value: total.rejected },
    { key: 'acceptanceRate', label: 'Acceptance rate', value: total.acceptanceRate },
    { key: 'wonRevenue', label: 'Won revenue (first-touch campaigns)', value: wonRevenue },
    ...goals.map((goal) => ({ key: `goal:${goal.slaName}`, label: `${goal.slaName}: actual`, value: goal.actual })),
    ...timeSlas.map((sla) => ({
      key: `compliance:${sla.slaName}`,
      label: `${sla.slaName}: compliance`,
      value: sla.compliance,
    })),
  ];

  return {
    takenAt: now.toISOString(),
    headlines,
    goals,
    slas: timeSlas,
    funnel: funnel.stages.map((row) => ({
      key: row.stage.key,
      name: row.stage.name,
      reached: row.reached,
      current: row.current,
      conversionToNext: row.conversionToNext,
    })),
    rejectionReasons: total.rejectionReasons.map((row) => ({ reason: row.reason, count: row.count, share: row.share })),
    campaigns: campaignRows,
    ruleChanges: await ruleChangesIn(ctx, start, end),
  };
}

async function ownerNames(ctx: Context, ids: Array<string | null>): Promise<Map<string, string>> {
  const wanted = ids.filter((id): id is string => id !== null);
  if (wanted.length === 0) return new Map();
  const rows = await selectSql<{ id: string; name: string }>(
    managerOf(ctx),
    sql.query`SELECT id, name FROM "user" WHERE id = ANY(${sql.value(wanted)})`,
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}

async function ruleChangesIn(ctx: Context, start: Date, end: Date): Promise<ReviewRuleChange[]> {
  const rows = await selectSql<{
    rule_set_id: string;
    name: string;
    kind: string;
    number: number;
    published_at: Date;
    author_name: string | null;
    notes: string;
  }>(
    managerOf(ctx),
    sql.query`SELECT v.rule_set_id, s.name, s.kind::text AS kind, v.number, v.published_at, u.name AS author_name, v.notes
       FROM rule_set_version v
       JOIN rule_set s ON s.id = v.rule_set_id
       LEFT JOIN "user" u ON u.id = v.author_id
      WHERE v.published_at >= ${sql.value(start)} AND v.published_at < ${sql.value(end)}
      ORDER BY v.published_at, s.name`,
  );
  return rows.map((row) => ({
    ruleSetId: row.rule_set_id,
    ruleSetName: row.name,
    kind: row.kind,
    versionNumber: row.number,
    publishedAt: new Date(row.published_at).toISOString(),
    authorName: row.author_name,
    notes: row.notes,
  }));
}

import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Query, Resolver, Root } from 'type-graphql';
import { UseMiddleware } from 'type-graphql';
import { traceResolver } from '../observability/tracing';
import { METRIC_COST, RateBucket, RateLimit } from '../auth/rate-limit';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { Lead } from '../entities/lead.entity';
import { Persona } from '../entities/persona.entity';
import { User } from '../entities/user.entity';
import { toConnection } from '../schema/connection';
import { CampaignPerformance } from '../schema/metrics/campaign-performance.types';
import {
  FunnelReport,
  FunnelStageMetrics,
  MEDIAN_HOURS_TO_NEXT,
  P90_HOURS_TO_NEXT,
  WON_REVENUE,
} from '../schema/metrics/funnel-report.types';
import { LeadQualityGroup, LeadQualityReport } from '../schema/metrics/lead-quality.types';
import {
  CampaignPerformanceArgs,
  FunnelReportArgs,
  LeadQualityArgs,
  OpenSlaCasesArgs,
  SlaBreachesArgs,
} from '../schema/metrics/metric.inputs';
import {
  GoalProgress,
  MEDIAN_HOURS_TO_COMPLETE,
  P90_HOURS_TO_COMPLETE,
  SlaCase,
  SlaCaseConnection,
  SlaCompliance,
  SlaReport,
} from '../schema/metrics/sla-report.types';
import { campaignPerformance } from '../reports/campaign-performance';
import { funnelReport, type FunnelReportFigures } from '../reports/funnel-report';
import { leadQuality } from '../reports/lead-quality';
import { goalProgress, listSlaBreaches, slaReport, type SlaReportFigures } from '../reports/sla-report';
import { listOpenSlaCases } from '../reports/sla-worklist';
import { slaStatusLoader } from './request-loaders';

function toFunnelReport(figures: FunnelReportFigures): FunnelReport {
  return {
    createdFrom: figures.filter.createdFrom ?? null,
    createdTo: figures.filter.createdTo ?? null,
    asOf: figures.asOf,
    leads: figures.leads,
    recycled: figures.recycled,
    stages: figures.stages,
    wonRevenue: figures.wonRevenue,
  };
}

@Resolver()
export class MetricsResolver {
  @Authorized(Access.READ)
  @RateLimit(RateBucket.METRICS, { cost: METRIC_COST })
  @UseMiddleware(traceResolver)
  @Query(() => FunnelReport, {
    description: 'The funnel of a cohort of leads, now or as it stood at `asOf` (from the stage history).',
  })
  async funnelReport(@Ctx() ctx: Context, @Args(() => FunnelReportArgs) args: FunnelReportArgs): Promise<FunnelReport> {
    return toFunnelReport(await funnelReport(ctx, args.filter ?? {}, args.asOf ?? null, args.stages ?? null));
  }

  @Authorized(Access.READ)
  @RateLimit(RateBucket.METRICS, { cost: METRIC_COST })
  @UseMiddleware(traceResolver)
  @Query(() => SlaReport, {
    description:
      'How an SLA was kept for the cases (or periods) starting in [from, to): each judged by the terms in force when its clock started, owned by the owner the lead had then, its contact attempts counted at occurredAt only when logged within SLA_BACKDATE_GRACE_MINUTES of it (else at recordedAt).',
  })
  slaReport(
    @Ctx() ctx: Context,
    @Arg('slaId', () => ID) slaId: string,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date, { description: 'Exclusive; at most 5 years after from.' }) to: Date,
  ): Promise<SlaReportFigures> {
    return slaReport(ctx, slaId, from, to);
  }

  @Authorized(Access.READ)
  @Query(() => SlaCaseConnection, {
    description:
      'Sales’ worklist: the cases of a time SLA that are not completed and not yet due now, due soonest first (AT_RISK only by default).',
  })
  async openSlaCases(
    @Ctx() ctx: Context,
    @Args(() => OpenSlaCasesArgs) args: OpenSlaCasesArgs,
  ): Promise<SlaCaseConnection> {
    return toConnection(SlaCaseConnection, await listOpenSlaCases(ctx, args));
  }

  @Authorized(Access.READ)
  @RateLimit(RateBucket.METRICS, { cost: METRIC_COST })
  @UseMiddleware(traceResolver)
  @Query(() => GoalProgress, {
    description: 'A LEAD_VOLUME SLA against its goal for the period containing `at` (now by default).',
  })
  goalProgress(
    @Ctx() ctx: Context,
    @Arg('slaId', () => ID) slaId: string,
    @Arg('at', () => Date, { nullable: true }) at: Date | null,
  ): Promise<GoalProgress> {
    return goalProgress(ctx, slaId, at ?? null);
  }

  @Authorized(Access.READ)
  @RateLimit(RateBucket.METRICS, { cost: METRIC_COST })
  @UseMiddleware(traceResolver)
  @Query(() => [CampaignPerformance], {
    description:
      'Per campaign, by name: leads, MQLs, SQLs, customers, won revenue, cost ratios, ROI and sales’ verdicts, first-touch and linear side by side.',
  })
  campaignPerformance(
    @Ctx() ctx: Context,
    @Args(() => CampaignPerformanceArgs) args: CampaignPerformanceArgs,
  ): Promise<CampaignPerformance[]> {
    return campaignPerformance(ctx, args.filter ?? {});
  }

  @Authorized(Access.READ)
  @RateLimit(RateBucket.METRICS, { cost: METRIC_COST })
  @UseMiddleware(traceResolver)
  @Query(() => LeadQualityReport, { description: 'Sales’ verdicts on a cohort’s leads, by campaign and persona.' })
  leadQuality(@Ctx() ctx: Context, @Args(() => LeadQualityArgs) args: LeadQualityArgs): Promise<LeadQualityReport> {
    return leadQuality(ctx, args.filter ?? {});
  }
}

@Resolver(() => FunnelReport)
export class FunnelReportResolver {
  @FieldResolver(() => Float, { description: WON_REVENUE })
  wonRevenue(@Root() report: FunnelReport): Promise<number> {
    return report.wonRevenue();
  }
}

@Resolver(() => FunnelStageMetrics)
export class FunnelStageMetricsResolver {
  @FieldResolver(() => Float, { nullable: true, description: MEDIAN_HOURS_TO_NEXT })
  async medianHoursToNext(@Root() row: FunnelStageMetrics): Promise<number | null> {
    return (await row.hoursToNext())[0];
  }

  @FieldResolver(() => Float, { nullable: true, description: P90_HOURS_TO_NEXT })
  async p90HoursToNext(@Root() row: FunnelStageMetrics): Promise<number | null> {
    return (await row.hoursToNext())[1];
  }
}

@Resolver(() => SlaReport)
export class SlaReportResolver {
  @FieldResolver(() => SlaCaseConnection, {
    description:
      'The breached cases (time SLAs), newest clock start first, optionally one owner’s; empty for LEAD_VOLUME.',
  })
  async breaches(
    @Root() report: SlaReportFigures,
    @Ctx() ctx: Context,
    @Args(() => SlaBreachesArgs) args: SlaBreachesArgs,
  ): Promise<SlaCaseConnection> {
    return toConnection(SlaCaseConnection, await listSlaBreaches(ctx, report, args.first, args.after, args.ownerId));
  }
}

@Resolver(() => SlaCompliance)
export class SlaComplianceResolver {
  @FieldResolver(() => Float, { nullable: true, description: MEDIAN_HOURS_TO_COMPLETE })
  async medianHoursToComplete(@Root() compliance: SlaCompliance): Promise<number | null> {
    return (await compliance.hoursToComplete())[0];
  }

  @FieldResolver(() => Float, { nullable: true, description: P90_HOURS_TO_COMPLETE })
  async p90HoursToComplete(@Root() compliance: SlaCompliance): Promise<number | null> {
    return (await compliance.hoursToComplete())[1];
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() compliance: SlaCompliance, @Ctx() ctx: Context): Promise<User | null> | null {
    return compliance.ownerId ? ctx.loaders.user.load(compliance.ownerId) : null;
  }
}

@Resolver(() => SlaCase)
export class SlaCaseResolver {
  @FieldResolver(() => Lead, { nullable: true })
  lead(@Root() slaCase: SlaCase, @Ctx() ctx: Context): Promise<Lead | null> {
    return ctx.loaders.lead.load(slaCase.leadId);
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() slaCase: SlaCase, @Ctx() ctx: Context): Promise<User | null> | null {
    return slaCase.ownerId ? ctx.loaders.user.load(slaCase.ownerId) : null;
  }
}

@Resolver(() => LeadQualityGroup)
export class LeadQualityGroupResolver {
  @FieldResolver(() => Campaign, { nullable: true })
  campaign(@Root() group: LeadQualityGroup, @Ctx() ctx: Context): Promise<Campaign | null> | null {
    return group.campaignId ? ctx.loaders.campaign.load(group.campaignId) : null;
  }

  @FieldResolver(() => Persona, { nullable: true })
  persona(@Root() group: LeadQualityGroup, @Ctx() ctx: Context): Promise<Persona | null> | null {
    return group.personaId ? ctx.loaders.persona.load(group.personaId) : null;
  }
}

@Resolver(() => Lead)
export class LeadSlaResolver {
  @FieldResolver(() => [SlaCase], {
    description:
      'The lead’s latest case under every RESPONSE_TIME and FOLLOW_UP SLA (not archived) whose stage it has entered, with its status now; by SLA name. Each case is judged by the SLA’s terms in force when its clock started and belongs to the owner the lead had then.',
  })
  slaStatus(@Root() lead: Lead, @Ctx() ctx: Context): Promise<SlaCase[]> {
    return slaStatusLoader(ctx).load(lead.id) as Promise<SlaCase[]>;
  }
}

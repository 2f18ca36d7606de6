import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { RejectionReason, SlaKind } from '../../entities/enums';

/*
 * The shape of a review's frozen snapshot. Every figure is copied from the metric of the same name
 * at the moment the review was created (its definition is that metric's description); nothing in
 * it is recomputed later. Instants are stored as ISO 8601 strings.
 */

@ObjectType({ description: 'One headline number of a review, the unit of period-over-period comparison.' })
export class ReviewHeadline {
  @Field({
    description:
      'Stable key: `leads`, `handedOver`, `accepted`, `rejected`, `acceptanceRate`, `wonRevenue`, `goal:<sla name>`, `compliance:<sla name>`.',
  })
  key: string;

  @Field()
  label: string;

  @Field(() => Float, { nullable: true, description: 'Null where the metric is null (e.g. a rate without verdicts).' })
  value: number | null;
}

@ObjectType({ description: 'A stage of the period’s cohort funnel (funnelReport of the leads created in the period).' })
export class ReviewStageFigure {
  @Field()
  key: string;

  @Field()
  name: string;

  @Field(() => Int, { description: 'FunnelStageMetrics.reached.' })
  reached: number;

  @Field(() => Int, { description: 'FunnelStageMetrics.current at the snapshot.' })
  current: number;

  @Field(() => Float, { nullable: true, description: 'FunnelStageMetrics.conversionToNext.' })
  conversionToNext: number | null;
}

@ObjectType({
  description:
    'A LEAD_VOLUME SLA’s goal against the actual (goalProgress at the end of the review period, or at the snapshot if earlier).',
})
export class ReviewGoal {
  @Field(() => ID)
  slaId: string;

  @Field()
  slaName: string;

  @Field({ description: 'The goal’s own period start (its month or quarter).' })
  periodStart: string;

  @Field({ description: 'The goal’s own period end (exclusive).' })
  periodEnd: string;

  @Field(() => Int)
  target: number;

  @Field(() => Int)
  actual: number;

  @Field(() => Float, { description: 'GoalProgress.expectedToDate.' })
  expectedToDate: number;

  @Field(() => Float, { nullable: true, description: 'GoalProgress.projected.' })
  projected: number | null;
}

@ObjectType({ description: 'An owner’s cases under one time SLA in the period (SlaReport.byOwner).' })
export class ReviewOwnerCompliance {
  @Field(() => ID, { nullable: true, description: 'Null: unassigned leads.' })
  ownerId: string | null;

  @Field({ description: 'The owner’s name at the snapshot; "Unassigned" for none.' })
  ownerName: string;

  @Field(() => Int)
  cases: number;

  @Field(() => Int)
  met: number;

  @Field(() => Int)
  breached: number;

  @Field(() => Int)
  pending: number;

  @Field(() => Float, { nullable: true })
  compliance: number | null;
}

@ObjectType({ description: 'A RESPONSE_TIME or FOLLOW_UP SLA in the period (slaReport over the review period).' })
export class ReviewSlaFigure {
  @Field(() => ID)
  slaId: string;

  @Field()
  slaName: string;

  @Field(() => SlaKind)
  kind: SlaKind;

  @Field(() => Int)
  cases: number;

  @Field(() => Int)
  met: number;

  @Field(() => Int)
  breached: number;

  @Field(() => Int)
  pending: number;

  @Field(() => Float, { nullable: true, description: 'SlaCompliance.compliance.' })
  compliance: number | null;

  @Field(() => [ReviewOwnerCompliance], {
    description: 'Breaches by owner: every owner with cases, most breaches first.',
  })
  byOwner: ReviewOwnerCompliance[];
}

@ObjectType({ description: 'One rejection reason among sales’ REJECTED verdicts on the period’s leads.' })
export class ReviewReasonFigure {
  @Field(() => RejectionReason)
  reason: RejectionReason;

  @Field(() => Float)
  count: number;

  @Field(() => Float, { nullable: true })
  share: number | null;
}

@ObjectType({
  description: 'A campaign’s first-touch results over the leads created in the period (campaignPerformance).',
})
export class ReviewCampaignFigure {
  @Field(() => ID)
  campaignId: string;

  @Field({ description: 'The campaign’s name at the snapshot.' })
  name: string;

  @Field(() => Float)
  leads: number;

  @Field(() => Float)
  mqls: number;

  @Field(() => Float)
  sqls: number;

  @Field(() => Float)
  customers: number;

  @Field(() => Float)
  wonRevenue: number;

  @Field(() => Float, { nullable: true })
  cost: number | null;

  @Field(() => Float, { nullable: true })
  costPerLead: number | null;

  @Field(() => Float, { nullable: true })
  roi: number | null;

  @Field(() => Float, { nullable: true })
  acceptanceRate: number | null;
}

@ObjectType({ description: 'A rule-set version published during the period.' })
export class ReviewRuleChange {
  @Field(() => ID)
  ruleSetId: string;

  @Field()
  ruleSetName: string;

  @Field()
  kind: string;

  @Field(() => Int)
  versionNumber: number;

  @Field()
  publishedAt: string;

  @Field(() => String, { nullable: true, description: 'The version’s author’s name at the snapshot.' })
  authorName: string | null;

  @Field()
  notes: string;
}

@ObjectType({
  description:
    'The numbers of a review period, frozen when the review was created: the meeting’s agenda. Leads, funnel, verdicts and campaigns are over the leads created in the period; SLA cases are those whose clock started in it; goals are each LEAD_VOLUME SLA at the period’s end.',
})
export class ReviewSnapshot {
  @Field({ description: 'When the numbers were taken (ISO 8601).' })
  takenAt: string;

  @Field(() => [ReviewHeadline], { description: 'The headline numbers, compared period over period.' })
  headlines: ReviewHeadline[];

  @Field(() => [ReviewGoal], { description: 'Goal versus actual, per LEAD_VOLUME SLA.' })
  goals: ReviewGoal[];

  @Field(() => [ReviewSlaFigure], { description: 'Compliance and breaches by owner, per time SLA.' })
  slas: ReviewSlaFigure[];

  @Field(() => [ReviewStageFigure], { description: 'The funnel of the period’s leads, in funnel order.' })
  funnel: ReviewStageFigure[];

  @Field(() => [ReviewReasonFigure], { description: 'Why sales rejected the period’s leads, most frequent first.' })
  rejectionReasons: ReviewReasonFigure[];

  @Field(() => [ReviewCampaignFigure], { description: 'Campaign results, most leads first.' })
  campaigns: ReviewCampaignFigure[];

  @Field(() => [ReviewRuleChange], { description: 'Rule changes made in the period, in publishing order.' })
  ruleChanges: ReviewRuleChange[];
}

@ObjectType({ description: 'One headline number of two reviews side by side.' })
export class ReviewHeadlineChange {
  @Field()
  key: string;

  @Field()
  label: string;

  @Field(() => Float, { nullable: true })
  current: number | null;

  @Field(() => Float, { nullable: true, description: 'Null when the other review has no such number.' })
  previous: number | null;

  @Field(() => Float, { nullable: true, description: 'current − previous; null when either is null.' })
  change: number | null;
}

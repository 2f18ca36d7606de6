import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { RejectionReasonShare } from './campaign-performance.types';

@ObjectType({
  description:
    'Closed-loop quality of a group of the cohort’s leads. Verdicts are sales’ ACCEPTED / REJECTED dispositions on those leads, at any time up to now; "reached" as in the funnel.',
})
export class LeadQualityGroup {
  @Field(() => ID, { nullable: true, description: 'By campaign: the first-touch campaign (null: none).' })
  campaignId: string | null;

  @Field(() => ID, { nullable: true, description: 'By persona: the persona (null: none).' })
  personaId: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'By rule-set version: the version whose qualify rule first moved the lead into the hand-over stage (HANDOVER_STAGE, `mql` by default) or a later open or won stage (null, "no rule version": that move was by hand, by an import or at creation).',
  })
  ruleSetVersionId: string | null;

  @Field(() => Int)
  leads: number;

  @Field(() => Int, {
    description:
      'Leads handed to sales: they reached the hand-over stage (HANDOVER_STAGE, `mql` by default), as in the funnel (entered it or any later open or won stage).',
  })
  handedOver: number;

  @Field(() => Int, { description: 'ACCEPTED verdicts.' })
  accepted: number;

  @Field(() => Int, { description: 'REJECTED verdicts.' })
  rejected: number;

  @Field(() => Float, { nullable: true, description: 'accepted / (accepted + rejected); null without verdicts.' })
  acceptanceRate: number | null;

  @Field(() => Float, { nullable: true, description: 'rejected / (accepted + rejected); null without verdicts.' })
  rejectionRate: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Leads that reached the accepted stage (ACCEPTED_STAGE, `sql` by default) / handedOver.',
  })
  reachedSqlShare: number | null;

  @Field(() => Float, { nullable: true, description: 'Leads that entered a WON stage / handedOver.' })
  reachedCustomerShare: number | null;

  @Field(() => [RejectionReasonShare], { description: 'Reasons of the REJECTED verdicts, most frequent first.' })
  rejectionReasons: RejectionReasonShare[];
}

@ObjectType({
  description:
    'Which scoring rules send bad leads. Base: the cohort’s leads on which the rule fired in their current score explanation (Lead.scoreExplanation), whatever their stage.',
})
export class ScoringRuleQuality {
  @Field()
  rule: string;

  @Field(() => ID)
  ruleSetVersionId: string;

  @Field(() => Int, { description: 'Leads on which the rule fired.' })
  leads: number;

  @Field(() => Int, { description: 'Of those, leads with at least one REJECTED verdict.' })
  rejectedLeads: number;

  @Field(() => Int, {
    description:
      'Of those, leads that reached the accepted stage (ACCEPTED_STAGE, `sql` by default) (as in the funnel).',
  })
  reachedSql: number;

  @Field(() => Int, { description: 'Of those, leads that entered a WON stage.' })
  won: number;

  @Field(() => Float, { nullable: true, description: 'rejectedLeads / leads.' })
  rejectedShare: number | null;

  @Field(() => Float, { nullable: true, description: 'reachedSql / leads.' })
  reachedSqlShare: number | null;

  @Field(() => Float, { nullable: true, description: 'won / leads.' })
  reachedCustomerShare: number | null;
}

@ObjectType({
  description: 'Lead quality of a cohort (see LeadCohortFilter), overall, by first-touch campaign and by persona.',
})
export class LeadQualityReport {
  @Field(() => LeadQualityGroup)
  total: LeadQualityGroup;

  @Field(() => [LeadQualityGroup], { description: 'One group per first-touch campaign, most leads first.' })
  byCampaign: LeadQualityGroup[];

  @Field(() => [LeadQualityGroup], { description: 'One group per persona, most leads first.' })
  byPersona: LeadQualityGroup[];

  @Field(() => [LeadQualityGroup], {
    description:
      'Every handed-over lead (reached the hand-over stage (HANDOVER_STAGE, `mql` by default)), grouped by the rule-set version whose qualify rule first moved it into that stage or past it; leads handed over by hand, by an import or at creation (including those that skipped the hand-over stage) form the group with ruleSetVersionId null. The groups add up to total.handedOver. Most leads first; rejection reasons are not broken down here.',
  })
  byRuleSetVersion: LeadQualityGroup[];

  @Field(() => [ScoringRuleQuality], {
    description: 'Per scoring rule (and version) that fired in the current score explanation of the cohort’s leads.',
  })
  byScoringRule: ScoringRuleQuality[];
}

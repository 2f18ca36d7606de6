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

  @Field(() => Int)
  leads: number;

  @Field(() => Int, { description: 'Leads handed to sales: they reached `mql`.' })
  handedOver: number;

  @Field(() => Int, { description: 'ACCEPTED verdicts.' })
  accepted: number;

  @Field(() => Int, { description: 'REJECTED verdicts.' })
  rejected: number;

  @Field(() => Float, { nullable: true, description: 'accepted / (accepted + rejected); null without verdicts.' })
  acceptanceRate: number | null;

  @Field(() => Float, { nullable: true, description: 'rejected / (accepted + rejected); null without verdicts.' })
  rejectionRate: number | null;

  @Field(() => Float, { nullable: true, description: 'Leads that reached `sql` / handedOver.' })
  reachedSqlShare: number | null;

  @Field(() => Float, { nullable: true, description: 'Leads that entered a WON stage / handedOver.' })
  reachedCustomerShare: number | null;

  @Field(() => [RejectionReasonShare], { description: 'Reasons of the REJECTED verdicts, most frequent first.' })
  rejectionReasons: RejectionReasonShare[];
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

  // byRuleSetVersion and byScoringRule come with rule sets; see lead-quality.service.ts.
}

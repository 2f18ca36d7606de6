import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Campaign } from '../../entities/campaign.entity';
import { RejectionReason } from '../../entities/enums';

@ObjectType({ description: 'How often one reason was given among REJECTED verdicts.' })
export class RejectionReasonShare {
  @Field(() => RejectionReason)
  reason: RejectionReason;

  @Field(() => Float, { description: 'REJECTED verdicts with this reason (credit-weighted under linear attribution).' })
  count: number;

  @Field(() => Float, { nullable: true, description: 'count / all REJECTED verdicts of the group.' })
  share: number | null;
}

@ObjectType({
  description:
    'A campaign’s results under one attribution model, over the leads created in the window. First touch: each lead counts 1 for its first-touch campaign. Linear: a lead’s touches are its first-touch campaign (one touch) plus each of its lead-side activities (not CALL, EMAIL_SENT, MEETING) that carries a campaign; each campaign gets touches-with-it / all-touches of the lead, for the lead and for everything that lead achieved (at any time up to now). Leads with no touch are in no campaign.',
})
export class CampaignAttribution {
  @Field(() => Float, { description: 'Leads (credit).' })
  leads: number;

  @Field(() => Float, {
    description:
      'Leads that reached the hand-over stage (HANDOVER_STAGE, `mql` by default) (entered it or any later open or won stage), credit-weighted.',
  })
  mqls: number;

  @Field(() => Float, {
    description: 'Leads that reached the accepted stage (ACCEPTED_STAGE, `sql` by default), credit-weighted.',
  })
  sqls: number;

  @Field(() => Float, { description: 'Leads that entered a WON stage, credit-weighted.' })
  customers: number;

  @Field(() => Float, { description: 'Sum of dealValue of the leads that entered a WON stage, credit-weighted.' })
  wonRevenue: number;

  @Field(() => Float, { nullable: true, description: 'cost / leads; null without budget or leads.' })
  costPerLead: number | null;

  @Field(() => Float, { nullable: true, description: 'cost / mqls; null without budget or MQLs.' })
  costPerMql: number | null;

  @Field(() => Float, {
    nullable: true,
    description: '(wonRevenue − cost) / cost; null without budget or when cost is 0.',
  })
  roi: number | null;

  @Field(() => Float, { description: 'ACCEPTED verdicts on these leads, credit-weighted.' })
  accepted: number;

  @Field(() => Float, { description: 'REJECTED verdicts on these leads, credit-weighted.' })
  rejected: number;

  @Field(() => Float, { nullable: true, description: 'accepted / (accepted + rejected); null without verdicts.' })
  acceptanceRate: number | null;

  @Field(() => Float, { nullable: true, description: 'rejected / (accepted + rejected); null without verdicts.' })
  rejectionRate: number | null;

  @Field(() => [RejectionReasonShare], { description: 'Reasons of the REJECTED verdicts, most frequent first.' })
  rejectionReasons: RejectionReasonShare[];
}

@ObjectType({ description: 'One campaign’s performance, first-touch and linear multi-touch side by side.' })
export class CampaignPerformance {
  @Field(() => ID)
  campaignId: string;

  @Field(() => Campaign)
  campaign: Campaign;

  @Field(() => Float, {
    nullable: true,
    description:
      'Spend counted against the window [createdFrom, createdTo): the budget spread evenly over the campaign’s run [startsAt, endsAt], the part of the run inside the window. An open end of the window is unbounded on that side: with only createdFrom, the run from createdFrom on; with only createdTo, the run before createdTo; with neither, the whole budget. A run without startsAt or endsAt cannot be spread: its whole budget counts for any window. A run that starts and ends at one instant counts whole when that instant is in the window, else 0. Null without a budget.',
  })
  cost: number | null;

  @Field(() => CampaignAttribution)
  firstTouch: CampaignAttribution;

  @Field(() => CampaignAttribution)
  linear: CampaignAttribution;
}

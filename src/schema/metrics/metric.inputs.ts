import { ArrayMaxSize, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { CampaignChannel } from '../../entities/enums';
import { PageArgs } from '../connection';

@InputType({
  description:
    'A cohort of leads: those created in [createdFrom, createdTo), narrowed by first-touch campaign, its channel, persona and owner (their values now). An open end means no bound; when both ends are given the range is at most 5 years.',
})
export class LeadCohortFilter {
  @Field({ nullable: true, description: 'Leads created at or after this instant.' })
  createdFrom?: Date;

  @Field({ nullable: true, description: 'Leads created before this instant.' })
  createdTo?: Date;

  @Field(() => ID, { nullable: true, description: 'Only leads whose first-touch campaign is this one.' })
  @IsUUID()
  campaignId?: string;

  @Field(() => CampaignChannel, {
    nullable: true,
    description: 'Only leads whose first-touch campaign is on this channel.',
  })
  channel?: CampaignChannel;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  personaId?: string;

  @Field(() => ID, { nullable: true, description: 'Only leads this user owns now.' })
  @IsUUID()
  ownerId?: string;
}

@InputType({
  description:
    'Which leads and campaigns: leads created in [createdFrom, createdTo) (at most 5 years when both are given), optionally only some campaigns or one channel.',
})
export class CampaignPerformanceFilter {
  @Field({ nullable: true, description: 'Leads created at or after this instant.' })
  createdFrom?: Date;

  @Field({ nullable: true, description: 'Leads created before this instant.' })
  createdTo?: Date;

  @Field(() => [ID], {
    nullable: true,
    description: 'These campaigns (listed even with no leads); otherwise every campaign with credit in the cohort.',
  })
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  campaignIds?: string[];

  @Field(() => CampaignChannel, { nullable: true })
  channel?: CampaignChannel;
}

@ArgsType()
export class FunnelReportArgs {
  @Field(() => LeadCohortFilter, { nullable: true })
  @ValidateNested()
  filter?: LeadCohortFilter;

  @Field(() => Date, { nullable: true, description: 'Show the funnel as it was at this instant.' })
  asOf?: Date;

  @Field(() => [String], { nullable: true, description: 'Keys of the stages to show; all when omitted.' })
  @ArrayMaxSize(50)
  @MaxLength(50, { each: true })
  stages?: string[];
}

@ArgsType()
export class LeadQualityArgs {
  @Field(() => LeadCohortFilter, { nullable: true })
  @ValidateNested()
  filter?: LeadCohortFilter;
}

@ArgsType()
export class CampaignPerformanceArgs {
  @Field(() => CampaignPerformanceFilter, { nullable: true })
  @ValidateNested()
  filter?: CampaignPerformanceFilter;
}

@ArgsType()
export class SlaBreachesArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: 'Only the cases of leads this user owns now.' })
  @IsUUID()
  ownerId?: string;
}

@ArgsType()
export class OpenSlaCasesArgs extends PageArgs {
  @Field(() => ID, { description: 'A RESPONSE_TIME or FOLLOW_UP SLA.' })
  @IsUUID()
  slaId: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Only the cases of this owner (the lead’s owner when the clock started).',
  })
  @IsUUID()
  ownerId?: string;

  @Field(() => Boolean, {
    defaultValue: true,
    description: 'Only AT_RISK cases (at least 75% of the allowed time used); false adds the ON_TRACK ones.',
  })
  atRiskOnly: boolean;
}

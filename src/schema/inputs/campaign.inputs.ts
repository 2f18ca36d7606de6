import { ArrayMaxSize, IsInt, IsUUID, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int } from 'type-graphql';
import { CampaignChannel, CampaignStatus } from '../../entities/enums';
import { PageArgs } from '../connection';

@InputType()
export class CampaignFieldsInput {
  @Field(() => CampaignStatus, { nullable: true })
  status?: CampaignStatus;

  @Field({ nullable: true })
  @MaxLength(4000)
  description?: string;

  @Field(() => Date, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true })
  endsAt?: Date | null;

  @Field(() => Float, { nullable: true, description: 'Planned spend, 0 or more.' })
  @Min(0)
  @Max(1_000_000_000_000)
  budget?: number | null;

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  talkingPoints?: string[];

  @Field(() => [ID], { nullable: true, description: 'Personas the campaign targets; replaces the current list.' })
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  targetPersonaIds?: string[];
}

@InputType()
export class CreateCampaignInput extends CampaignFieldsInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => CampaignChannel)
  channel: CampaignChannel;
}

@InputType()
export class UpdateCampaignInput extends CampaignFieldsInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @Field(() => CampaignChannel, { nullable: true })
  channel?: CampaignChannel;

  @Field(() => Int, { nullable: true, description: 'When given and stale, a VERSION_CONFLICT.' })
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

@InputType()
export class CampaignFilter {
  @Field(() => [CampaignStatus], { nullable: true })
  statuses?: CampaignStatus[];

  @Field(() => [CampaignChannel], { nullable: true })
  channels?: CampaignChannel[];

  @Field({ nullable: true, description: 'Case-insensitive substring of the name.' })
  @MinLength(1)
  @MaxLength(200)
  search?: string;
}

@ArgsType()
export class CampaignsArgs extends PageArgs {
  @Field(() => CampaignFilter, { nullable: true })
  @ValidateNested()
  filter?: CampaignFilter;
}

import { IsInt, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { SlaKind, SlaPeriod } from '../../entities/enums';

@InputType({ description: 'Which fields apply depends on the kind; see SlaKind.' })
export class SlaFieldsInput {
  @Field({ nullable: true })
  @MaxLength(4000)
  description?: string;

  @Field(() => String, { nullable: true, description: 'Key of the stage that starts the clock or is counted.' })
  @MaxLength(50)
  stage?: string;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  target?: number | null;

  @Field(() => SlaPeriod, { nullable: true })
  period?: SlaPeriod | null;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  personaId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  campaignId?: string | null;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(24 * 366)
  withinHours?: number | null;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(1000)
  attempts?: number | null;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(366)
  withinDays?: number | null;
}

@InputType()
export class CreateSlaInput extends SlaFieldsInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => SlaKind)
  kind: SlaKind;

  @Field(() => String, { description: 'Key of the stage that starts the clock or is counted.' })
  @MaxLength(50)
  declare stage: string;
}

@InputType()
export class UpdateSlaInput extends SlaFieldsInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'When a change of terms (stage, target, period, persona, campaign, withinHours, attempts, withinDays) takes effect: it judges the cases whose clock starts at or after it; earlier cases keep the terms they started under. Default now. It may lie in the future, or in the past only after the latest clock start of a case (for LEAD_VOLUME, the start of the current period), so no started case is re-judged; and after the current terms took effect. Only with a change of terms; name and description are not terms.',
  })
  effectiveFrom?: Date;

  @Field(() => Int, { nullable: true, description: 'When given and stale, a VERSION_CONFLICT.' })
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

import { IsInt, IsUUID, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { FeedbackDisposition, FeedbackKind, RejectionReason } from '../../entities/enums';
import { PageArgs } from '../connection';

@InputType()
export class SubmitFeedbackInput {
  @Field(() => ID, { nullable: true, description: 'The lead it is about; a disposition needs one.' })
  @IsUUID()
  leadId?: string;

  @Field(() => ID, { nullable: true, description: 'The campaign it is about.' })
  @IsUUID()
  campaignId?: string;

  @Field(() => FeedbackKind)
  kind: FeedbackKind;

  @Field(() => FeedbackDisposition, {
    nullable: true,
    description: 'Sales’ verdict on a lead handed over: ACCEPTED moves it to `sql`; REJECTED sends it back to nurture.',
  })
  disposition?: FeedbackDisposition;

  @Field(() => RejectionReason, { nullable: true, description: 'Required with REJECTED, refused otherwise.' })
  rejectionReason?: RejectionReason;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(5)
  rating?: number;

  @Field({ nullable: true })
  @MaxLength(4000)
  comment?: string;
}

@InputType()
export class FeedbackFilter {
  @Field(() => ID, { nullable: true })
  @IsUUID()
  leadId?: string;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  campaignId?: string;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  authorId?: string;

  @Field(() => [FeedbackKind], { nullable: true })
  kinds?: FeedbackKind[];

  @Field(() => FeedbackDisposition, { nullable: true })
  disposition?: FeedbackDisposition;

  @Field({ nullable: true, description: 'Given at or after this instant.' })
  from?: Date;

  @Field({ nullable: true, description: 'Given before this instant.' })
  to?: Date;
}

@ArgsType()
export class FeedbackArgs extends PageArgs {
  @Field(() => FeedbackFilter, { nullable: true })
  @ValidateNested()
  filter?: FeedbackFilter;
}

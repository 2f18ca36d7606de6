import { GraphQLJSONObject } from 'graphql-scalars';
import { IsUUID } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { ActivityType } from '../../entities/enums';

@InputType()
export class RecordActivityInput {
  @Field(() => ID)
  @IsUUID()
  leadId: string;

  @Field(() => ActivityType)
  type: ActivityType;

  @Field({ nullable: true, description: 'When it happened; now when omitted. At most a day in the future.' })
  occurredAt?: Date;

  @Field(() => ID, { nullable: true, description: 'The campaign it belongs to (an email, an ad, a webinar...).' })
  @IsUUID()
  campaignId?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Free details, e.g. `{ "url": "/pricing" }`: a flat object of scalars.',
  })
  metadata?: Record<string, unknown> | null;
}

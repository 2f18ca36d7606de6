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

  @Field({
    nullable: true,
    description:
      'When it happened; now when omitted. At most ACTIVITY_FUTURE_TOLERANCE_MINUTES (5) in the future; any time since 1990 in the past. A contact attempt logged more than SLA_BACKDATE_GRACE_MINUTES (60) after it counts for SLAs at its recordedAt instead.',
  })
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

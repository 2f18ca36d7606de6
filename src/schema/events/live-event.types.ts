import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'A committed domain event, as subscriptions deliver it (the same event a webhook receives, with the same id).',
  simpleResolvers: true,
})
export class LeadEvent {
  @Field(() => ID, { description: 'The event id; a webhook delivery of the same event carries it as `webhook-id`.' })
  id: string;

  @Field({ description: 'Dotted event type: `lead.created`, `lead.qualified`, `sla.breached`, ...' })
  type: string;

  @Field(() => ID, { description: 'The lead the event is about.' })
  leadId: string;

  @Field(() => Int, { description: "1, 2, 3, ... per lead, in the order of the lead's changes." })
  sequence: number;

  @Field({ description: 'When the change happened (in the transaction that made it).' })
  occurredAt: Date;

  @Field(() => GraphQLJSONObject, {
    description: 'The event data, as in the webhook body (`data.leadId` and `data.sequence` included).',
  })
  data: Record<string, unknown>;

  @Field(() => String, {
    nullable: true,
    description: "Key of the lead's stage right after the event (what the `stages` filter tests).",
  })
  stage: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "The lead's owner right after the event (what the `ownerId` filter tests); for an SLA event, the owner of its case (the lead's owner when its clock started).",
  })
  ownerId: string | null;
}

/** Checked by the subscription service when the subscription starts (not per event). */
@InputType({ description: 'Which lead events a subscription receives; every given condition must hold.' })
export class LeadEventFilter {
  @Field(() => [String], {
    nullable: true,
    description: 'Stage keys: events after which the lead is in one of these stages (its stage right after the event).',
  })
  stages?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'Only events of leads owned by this user (right after the event).' })
  ownerId?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Event types (`lead.qualified`, `lead.stage_changed`, ...); all lead events when omitted.',
  })
  types?: string[] | null;
}

import { ArrayMaxSize, ArrayMinSize, IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { WebhookDeliveryStatus } from '../../entities/webhook-delivery.entity';
import { PageArgs } from '../connection';

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'Where deliveries are POSTed: an http(s) URL on a public address.' })
  @MinLength(1)
  @MaxLength(2000)
  url: string;

  @Field(() => [String], { description: 'Dotted event types, e.g. `lead.qualified`, `sla.breached` (see the README).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(64, { each: true })
  eventTypes: string[];

  @Field({ defaultValue: true })
  active: boolean;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field(() => String, { nullable: true })
  @MinLength(1)
  @MaxLength(2000)
  url?: string;

  @Field(() => [String], { nullable: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(64, { each: true })
  eventTypes?: string[];

  @Field(() => Boolean, {
    nullable: true,
    description: '`true` also resumes a paused endpoint (its failure count starts again at 0).',
  })
  active?: boolean;
}

@InputType({ description: 'Which deliveries: every given condition must hold.' })
export class WebhookDeliveriesFilter {
  @Field(() => ID, { nullable: true })
  @IsUUID()
  endpointId?: string;

  @Field(() => WebhookDeliveryStatus, { nullable: true })
  status?: WebhookDeliveryStatus;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  leadId?: string;

  @Field(() => ID, { nullable: true, description: 'One event (the `webhook-id` header).' })
  @IsUUID()
  eventId?: string;
}

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => WebhookDeliveriesFilter, { nullable: true })
  @ValidateNested()
  filter?: WebhookDeliveriesFilter;
}

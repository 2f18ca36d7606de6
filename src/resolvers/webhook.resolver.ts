import { GraphQLJSON } from 'graphql-scalars';
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { WebhookAttempt } from '../entities/webhook-attempt.entity';
import { WebhookDelivery } from '../entities/webhook-delivery.entity';
import { WebhookEndpoint } from '../entities/webhook-endpoint.entity';
import { Connection, toConnection } from '../schema/connection';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveriesArgs,
} from '../schema/inputs/webhook.inputs';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  failuresOfEndpoint,
  outboxLag,
  payloadOfDelivery,
  getWebhookEndpointOrThrow,
  listWebhookAttempts,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhooks,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type EndpointWithSecret,
} from '../services/webhook-endpoint.service';

@ObjectType({ description: 'An endpoint with its signing secret: answered once, when the secret is made.' })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint)
  endpoint: WebhookEndpoint;

  @Field({
    description:
      'The Standard Webhooks secret (`whsec_...`) to verify signatures with. Shown only now; rotateWebhookSecret makes a new one.',
  })
  secret: string;
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDelivery) {}

@ObjectType({ description: 'How deliveries to one endpoint are failing.' })
export class WebhookEndpointFailures {
  @Field(() => Int, {
    description:
      'Failed attempts in a row, over all its deliveries; pauses the endpoint at WEBHOOK_PAUSE_AFTER_FAILURES.',
  })
  consecutiveFailures: number;

  @Field(() => Int, { description: 'Attempts that failed (not 2xx, no answer, refused address), ever.' })
  failedAttempts: number;

  @Field(() => Int, { description: 'Deliveries dead-lettered (after WEBHOOK_MAX_ATTEMPTS) and not replayed.' })
  deadDeliveries: number;

  @Field(() => Int, { description: 'Deliveries not yet acknowledged.' })
  pendingDeliveries: number;
}

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Authorized(Access.MANAGE_WEBHOOKS)
  @Query(() => [WebhookEndpoint], { description: 'Every webhook endpoint, oldest first (never a secret).' })
  webhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpoint[]> {
    return listWebhookEndpoints(ctx);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Query(() => WebhookEndpoint)
  webhookEndpoint(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<WebhookEndpoint> {
    return getWebhookEndpointOrThrow(ctx, id);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Query(() => Float, {
    description:
      "Seconds since the oldest event not yet delivered to every active, unpaused endpoint that subscribes to it (0: nothing waiting). Paused endpoints and dead letters show in each endpoint's `failures` instead.",
  })
  outboxLag(@Ctx() ctx: Context): Promise<number> {
    return outboxLag(ctx);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new endpoint; its signing secret is in the answer, and only there. Audited.',
  })
  createWebhookEndpoint(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
  ): Promise<EndpointWithSecret> {
    return createWebhookEndpoint(ctx, input);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Mutation(() => WebhookEndpoint, {
    description: 'Changes url, event types or active (true resumes a paused endpoint). Audited.',
  })
  updateWebhookEndpoint(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpoint> {
    return updateWebhookEndpoint(ctx, input);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Mutation(() => WebhookEndpoint, {
    description: 'Deletes the endpoint and its delivery log; answers what it was. Audited.',
  })
  deleteWebhookEndpoint(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<WebhookEndpoint> {
    return deleteWebhookEndpoint(ctx, id);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new signing secret, answered once; the old one stops at once. Audited.',
  })
  rotateWebhookSecret(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<EndpointWithSecret> {
    return rotateWebhookSecret(ctx, id);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Mutation(() => Int, {
    description:
      'Queues again, for this endpoint, every event of its types that happened in [from, to): delivered, dead-lettered or never sent. Answers how many deliveries were queued. Audited.',
  })
  redeliverWebhooks(
    @Ctx() ctx: Context,
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
  ): Promise<number> {
    return redeliverWebhooks(ctx, endpointId, from, to);
  }

  @Authorized(Access.MANAGE_WEBHOOKS)
  @Query(() => WebhookDeliveryConnection, {
    description: 'The delivery log, newest first: per delivery its attempts, status codes, latency and next attempt.',
  })
  async webhookDeliveries(
    @Ctx() ctx: Context,
    @Args(() => WebhookDeliveriesArgs) args: WebhookDeliveriesArgs,
  ): Promise<WebhookDeliveryConnection> {
    return toConnection(WebhookDeliveryConnection, await listWebhookDeliveries(ctx, args));
  }

  @FieldResolver(() => Boolean, { description: 'Delivery is paused after too many failures in a row.' })
  paused(@Root() endpoint: WebhookEndpoint): boolean {
    return endpoint.pausedAt !== null;
  }

  @FieldResolver(() => WebhookEndpointFailures)
  failures(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: Context): Promise<WebhookEndpointFailures> {
    return failuresOfEndpoint(ctx, endpoint);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() ctx: Context): Promise<WebhookAttempt[]> {
    return listWebhookAttempts(ctx, delivery.id);
  }

  @FieldResolver(() => GraphQLJSON, {
    nullable: true,
    description: 'The body as delivered: `{ type, timestamp, data }`.',
  })
  payload(@Root() delivery: WebhookDelivery, @Ctx() ctx: Context): Promise<unknown> {
    return payloadOfDelivery(ctx, delivery);
  }
}

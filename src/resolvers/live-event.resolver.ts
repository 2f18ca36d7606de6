import { Arg, Authorized, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Lead } from '../entities/lead.entity';
import { RescoreJob } from '../entities/rescore-job.entity';
import type { LiveEvent } from '../services/live-event.service';
import { createLoaders } from '../loaders';
import { LeadEvent, LeadEventFilter } from '../schema/events/live-event.types';
import { leadEventStream, rescoreProgressStream, slaAlertStream } from '../services/live-event.service';

type Subscribed<Args> = SubscribeResolverData<unknown, Args, Context>;

/**
 * A subscription keeps one context for its whole life; each message is resolved with loaders of
 * its own, so `lead { ... }` shows the lead as it is when the event is sent, not as first loaded.
 */
function freshLoaders(ctx: Context): void {
  ctx.loaders = createLoaders(ctx.dataSource);
}

@Resolver(() => LeadEvent)
export class LiveEventResolver {
  @Authorized(Access.FOLLOW_LEADS)
  @Subscription(() => LeadEvent, {
    description:
      'Committed lead events as they happen (graphql-ws on /graphql; token in the connection_init payload as `authorization`). Every process delivers every event (LISTEN/NOTIFY).',
    subscribe: ({ args, context }: Subscribed<{ filter?: LeadEventFilter | null }>) =>
      leadEventStream(context, args.filter ?? {}),
  })
  leadEvents(
    @Root() event: LiveEvent,
    @Ctx() ctx: Context,
    @Arg('filter', () => LeadEventFilter, { nullable: true }) _filter?: LeadEventFilter,
  ): LiveEvent {
    freshLoaders(ctx);
    return event;
  }

  @Authorized(Access.FOLLOW_LEADS)
  @Subscription(() => LeadEvent, {
    description:
      "`sla.at_risk` (a case past 75% of its allowed time) and `sla.breached` (past due) as they are found, of the cases owned by `ownerId` when given (a case's owner is the lead's owner when its clock started).",
    subscribe: ({ args, context }: Subscribed<{ ownerId?: string | null }>) => slaAlertStream(context, args.ownerId),
  })
  slaAlerts(
    @Root() event: LiveEvent,
    @Ctx() ctx: Context,
    @Arg('ownerId', () => ID, { nullable: true }) _ownerId?: string,
  ): LiveEvent {
    freshLoaders(ctx);
    return event;
  }

  @Authorized(Access.READ)
  @Subscription(() => RescoreJob, {
    description:
      'A re-score job now, then at every change of its counts or status, until it is DONE or FAILED (then the subscription completes).',
    subscribe: ({ args, context }: Subscribed<{ id: string }>) => rescoreProgressStream(context, args.id),
  })
  rescoreJobProgress(@Root() job: RescoreJob, @Arg('id', () => ID) _id: string): RescoreJob {
    return job;
  }

  @FieldResolver(() => Lead, { nullable: true, description: 'The lead as it is when the message is sent.' })
  lead(@Root() event: LiveEvent, @Ctx() ctx: Context): Promise<Lead | null> {
    return ctx.loaders.lead.load(event.leadId!);
  }
}

import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Activity } from '../entities/activity.entity';
import { Campaign } from '../entities/campaign.entity';
import { User } from '../entities/user.entity';
import { RecordActivityInput } from '../schema/inputs/activity.inputs';
import { recordActivities, recordActivity } from '../services/activity.service';
import { IDEMPOTENCY_KEY_DESCRIPTION, withIdempotencyKey } from '../services/idempotency.service';

@Resolver(() => Activity)
export class ActivityResolver {
  @Authorized(Access.WRITE_LEADS)
  @Mutation(() => Activity)
  recordActivity(
    @Ctx() ctx: Context,
    @Arg('input', () => RecordActivityInput) input: RecordActivityInput,
  ): Promise<Activity> {
    return recordActivity(ctx, input);
  }

  @Authorized(Access.WRITE_LEADS)
  @Mutation(() => [Activity], { description: 'Up to 500 activities in one transaction: all are recorded or none.' })
  recordActivities(
    @Ctx() ctx: Context,
    @Arg('inputs', () => [RecordActivityInput]) inputs: RecordActivityInput[],
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null | undefined,
  ): Promise<Activity[]> {
    return withIdempotencyKey(ctx, { operation: 'recordActivities', key: idempotencyKey, payload: inputs }, (tx) =>
      recordActivities(tx, inputs),
    );
  }

  @FieldResolver(() => Campaign, { nullable: true })
  campaign(@Root() activity: Activity, @Ctx() ctx: Context): Promise<Campaign | null> | null {
    return activity.campaignId ? ctx.loaders.campaign.load(activity.campaignId) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  actor(@Root() activity: Activity, @Ctx() ctx: Context): Promise<User | null> | null {
    return activity.actorId ? ctx.loaders.user.load(activity.actorId) : null;
  }
}

import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { Feedback } from '../entities/feedback.entity';
import { Lead } from '../entities/lead.entity';
import { User } from '../entities/user.entity';
import { Connection, toConnection } from '../schema/connection';
import { FeedbackArgs, SubmitFeedbackInput } from '../schema/inputs/feedback.inputs';
import { listFeedback, submitFeedback } from '../services/feedback.service';
import { IDEMPOTENCY_KEY_DESCRIPTION, withIdempotencyKey } from '../services/idempotency.service';

@ObjectType()
export class FeedbackConnection extends Connection(Feedback) {}

@Resolver(() => Feedback)
export class FeedbackResolver {
  @Authorized(Access.READ)
  @Query(() => FeedbackConnection, { description: 'Feedback from both teams, newest first.' })
  async feedback(@Ctx() ctx: Context, @Args(() => FeedbackArgs) args: FeedbackArgs): Promise<FeedbackConnection> {
    return toConnection(FeedbackConnection, await listFeedback(ctx, args));
  }

  @Authorized(Access.GIVE_FEEDBACK)
  @Mutation(() => Feedback)
  submitFeedback(
    @Ctx() ctx: Context,
    @Arg('input', () => SubmitFeedbackInput) input: SubmitFeedbackInput,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null | undefined,
  ): Promise<Feedback> {
    return withIdempotencyKey(ctx, { operation: 'submitFeedback', key: idempotencyKey, payload: input }, (tx) =>
      submitFeedback(tx, input),
    );
  }

  @FieldResolver(() => Lead, { nullable: true })
  lead(@Root() feedback: Feedback, @Ctx() ctx: Context): Promise<Lead | null> | null {
    return feedback.leadId ? ctx.loaders.lead.load(feedback.leadId) : null;
  }

  @FieldResolver(() => Campaign, { nullable: true })
  campaign(@Root() feedback: Feedback, @Ctx() ctx: Context): Promise<Campaign | null> | null {
    return feedback.campaignId ? ctx.loaders.campaign.load(feedback.campaignId) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  author(@Root() feedback: Feedback, @Ctx() ctx: Context): Promise<User | null> {
    return ctx.loaders.user.load(feedback.authorId);
  }
}

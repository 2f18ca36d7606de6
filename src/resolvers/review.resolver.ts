import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Role } from '../entities/enums';
import { ReviewAcknowledgement } from '../entities/review-acknowledgement.entity';
import { ReviewComment } from '../entities/review-comment.entity';
import { Review } from '../entities/review.entity';
import { User } from '../entities/user.entity';
import { Connection, PageArgs, toConnection } from '../schema/connection';
import { ReviewHeadlineChange, ReviewSnapshot } from '../schema/review/review.types';
import { takeReviewSnapshot } from '../reports/review-snapshot';
import {
  acknowledgeReview,
  assertReviewPeriodFree,
  commentOnReview,
  compareHeadlines,
  createReview,
  getReviewOrThrow,
  listReviews,
  parseReviewPeriod,
  previousReview,
} from '../services/review.service';

@ObjectType()
export class ReviewConnection extends Connection(Review) {}

const snapshotOf = (review: Review): ReviewSnapshot => review.snapshot as unknown as ReviewSnapshot;

@Resolver(() => Review)
export class ReviewResolver {
  @Authorized(Access.READ)
  @Query(() => ReviewConnection, { description: 'Reviews, latest period first.' })
  async reviews(@Ctx() ctx: Context, @Args(() => PageArgs) args: PageArgs): Promise<ReviewConnection> {
    return toConnection(ReviewConnection, await listReviews(ctx, args.first, args.after));
  }

  @Authorized(Access.READ)
  @Query(() => Review)
  review(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Review> {
    return getReviewOrThrow(ctx, id);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => Review, {
    description:
      'Opens the review of a period (`2026-03` or `2026-Q1`, UTC, already begun) and freezes its numbers: later changes to data never alter them. One review per period (CONFLICT with `existingReviewId`).',
  })
  async createReview(@Ctx() ctx: Context, @Arg('period') period: string): Promise<Review> {
    // The snapshot reads the metrics (reports); the service only stores it.
    const parsed = parseReviewPeriod(period);
    await assertReviewPeriodFree(ctx, parsed);
    return createReview(ctx, parsed, await takeReviewSnapshot(ctx, parsed.start, parsed.end));
  }

  @Authorized(Access.TAKE_PART_IN_REVIEWS)
  @Mutation(() => ReviewComment, { description: 'Adds a participant’s comment (1 to 4,000 characters) to a review.' })
  commentOnReview(
    @Ctx() ctx: Context,
    @Arg('reviewId', () => ID) reviewId: string,
    @Arg('body') body: string,
  ): Promise<ReviewComment> {
    return commentOnReview(ctx, reviewId, body);
  }

  @Authorized(Access.SIGN_REVIEWS)
  @Mutation(() => Review, {
    description:
      'Signs a review for the caller’s team (SALES or MARKETING), with an optional note of up to 1,000 characters. Each user signs once (CONFLICT with `signedAt` after that).',
  })
  acknowledgeReview(
    @Ctx() ctx: Context,
    @Arg('reviewId', () => ID) reviewId: string,
    @Arg('note', () => String, { nullable: true }) note: string | null,
  ): Promise<Review> {
    return acknowledgeReview(ctx, reviewId, note);
  }

  @FieldResolver(() => ReviewSnapshot)
  snapshot(@Root() review: Review): ReviewSnapshot {
    return snapshotOf(review);
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who opened the review.' })
  createdBy(@Root() review: Review, @Ctx() ctx: Context): Promise<User | null> | null {
    return review.createdById ? ctx.loaders.user.load(review.createdById) : null;
  }

  @FieldResolver(() => [ReviewComment], { description: 'Comments, oldest first.' })
  comments(@Root() review: Review, @Ctx() ctx: Context): Promise<ReviewComment[]> {
    return ctx.loaders.reviewComments.load(review.id);
  }

  @FieldResolver(() => [ReviewAcknowledgement], { description: 'Signatures, oldest first.' })
  acknowledgements(@Root() review: Review, @Ctx() ctx: Context): Promise<ReviewAcknowledgement[]> {
    return ctx.loaders.reviewAcknowledgements.load(review.id);
  }

  @FieldResolver(() => Boolean, { description: 'True once at least one SALES and one MARKETING user have signed.' })
  async signed(@Root() review: Review, @Ctx() ctx: Context): Promise<boolean> {
    return (await signedAtOf(review, ctx)) !== null;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'When the review became signed: the later of the first SALES and the first MARKETING signature.',
  })
  signedAt(@Root() review: Review, @Ctx() ctx: Context): Promise<Date | null> {
    return signedAtOf(review, ctx);
  }

  @FieldResolver(() => Review, {
    nullable: true,
    description: 'The review of the period just before this one, of the same length; null if there is none.',
  })
  previous(@Root() review: Review, @Ctx() ctx: Context): Promise<Review | null> {
    return previousReview(ctx, review);
  }

  @FieldResolver(() => [ReviewHeadlineChange], {
    description:
      'The headline numbers beside those of another review (`previousId`, by default the previous period’s): period over period.',
  })
  async comparison(
    @Root() review: Review,
    @Ctx() ctx: Context,
    @Arg('previousId', () => ID, { nullable: true }) previousId: string | null,
  ): Promise<ReviewHeadlineChange[]> {
    const other = previousId
      ? await getReviewOrThrow(ctx, previousId, 'previousId')
      : await previousReview(ctx, review);
    return compareHeadlines(snapshotOf(review), other ? snapshotOf(other) : null);
  }
}

async function signedAtOf(review: Review, ctx: Context): Promise<Date | null> {
  const signatures = await ctx.loaders.reviewAcknowledgements.load(review.id);
  const firstOf = (role: Role): Date | undefined => signatures.find((row) => row.role === role)?.at;
  const sales = firstOf(Role.SALES);
  const marketing = firstOf(Role.MARKETING);
  if (!sales || !marketing) return null;
  return sales > marketing ? sales : marketing;
}

@Resolver(() => ReviewComment)
export class ReviewCommentResolver {
  @FieldResolver(() => User, { nullable: true })
  author(@Root() comment: ReviewComment, @Ctx() ctx: Context): Promise<User | null> | null {
    return comment.authorId ? ctx.loaders.user.load(comment.authorId) : null;
  }
}

@Resolver(() => ReviewAcknowledgement)
export class ReviewAcknowledgementResolver {
  @FieldResolver(() => User, { nullable: true, description: 'Who signed.' })
  user(@Root() signature: ReviewAcknowledgement, @Ctx() ctx: Context): Promise<User | null> | null {
    return signature.userId ? ctx.loaders.user.load(signature.userId) : null;
  }
}

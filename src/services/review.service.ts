import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { Conditions } from '../db/select';
import { ReviewAcknowledgement } from '../entities/review-acknowledgement.entity';
import { ReviewComment } from '../entities/review-comment.entity';
import { Review } from '../entities/review.entity';
import type { Page } from '../schema/connection';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import type { ReviewHeadline, ReviewHeadlineChange, ReviewSnapshot } from '../schema/review/review.types';
import { recordAudit } from './audit';
import { keysetPage, type KeysetOrder } from './pagination';
import { assertId } from './references';
import { inTransaction } from './transaction';

export interface ReviewPeriod {
  /** `YYYY-MM` or `YYYY-Qn`, as given (upper-case Q). */
  period: string;
  start: Date;
  end: Date;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const QUARTER = /^(\d{4})-[Qq]([1-4])$/;
export const MAX_COMMENT_LENGTH = 4000;
export const MAX_NOTE_LENGTH = 1000;

/** A UTC calendar month (`2026-03`) or quarter (`2026-Q1`) that has already begun. */
export function parseReviewPeriod(period: string, now: Date = new Date()): ReviewPeriod {
  const month = MONTH.exec(period);
  const quarter = QUARTER.exec(period);
  let parsed: ReviewPeriod;
  if (month) {
    const year = Number(month[1]);
    const index = Number(month[2]) - 1;
    parsed = { period, start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
  } else if (quarter) {
    const year = Number(quarter[1]);
    const first = (Number(quarter[2]) - 1) * 3;
    parsed = {
      period: `${year}-Q${quarter[2]}`,
      start: new Date(Date.UTC(year, first, 1)),
      end: new Date(Date.UTC(year, first + 3, 1)),
    };
  } else {
    throw badInput('period', 'period is a UTC month `YYYY-MM` or quarter `YYYY-Qn`, e.g. 2026-03 or 2026-Q1');
  }
  if (parsed.start.getUTCFullYear() < 1970) throw badInput('period', 'period is before 1970');
  if (parsed.start.getTime() > now.getTime()) {
    throw badInput('period', `period ${parsed.period} has not begun: a review is of a period that has started`);
  }
  return parsed;
}

export async function getReviewOrThrow(ctx: Context, id: string, field = 'id'): Promise<Review> {
  assertId(id, field);
  const review = await repositoryOf(ctx, Review).findOneBy({ id });
  if (!review) throw notFound('review', id, field);
  return review;
}

/** Fails with CONFLICT naming `period` when that period already has a review. */
async function assertPeriodFree(ctx: Context, period: string): Promise<void> {
  const holder = await repositoryOf(ctx, Review).findOneBy({ period });
  if (holder) {
    throw new AppError(ErrorCode.CONFLICT, `period ${period} already has a review`, {
      field: 'period',
      existingReviewId: holder.id,
    });
  }
}

/** Checked before the (expensive) snapshot is taken, so a duplicate costs nothing. */
export async function assertReviewPeriodFree(ctx: Context, period: ReviewPeriod): Promise<void> {
  await assertPeriodFree(ctx, period.period);
}

/** Stores a review with the snapshot taken for its period; audited. */
export async function createReview(ctx: Context, period: ReviewPeriod, snapshot: ReviewSnapshot): Promise<Review> {
  return inTransaction(ctx, async (tx) => {
    // One review per period, also when two are created at once (the unique index backs this up).
    await managerOf(tx).query(`SELECT pg_advisory_xact_lock(hashtext('smarketing:review:' || $1))`, [period.period]);
    await assertPeriodFree(tx, period.period);
    const repo = repositoryOf(tx, Review);
    const review = await repo.save(
      repo.create({
        period: period.period,
        periodStart: period.start,
        periodEnd: period.end,
        createdById: tx.user?.id ?? null,
        snapshot: snapshot as unknown as Record<string, unknown>,
      }),
    );
    await recordAudit(tx, 'review', review.id, 'create', null, { period: review.period });
    return review;
  });
}

const LATEST_PERIOD_FIRST: KeysetOrder = {
  property: 'periodStart',
  column: 'period_start',
  kind: 'date',
  direction: 'DESC',
};

export async function listReviews(
  ctx: Context,
  first: number,
  after: string | null | undefined,
): Promise<Page<Review>> {
  return keysetPage(managerOf(ctx), Review, 'review', new Conditions(), LATEST_PERIOD_FIRST, first, after);
}

export async function commentOnReview(ctx: Context, reviewId: string, body: string): Promise<ReviewComment> {
  const text = body.trim();
  if (text.length === 0) throw badInput('body', 'a comment needs some text');
  if (text.length > MAX_COMMENT_LENGTH) throw badInput('body', `a comment is at most ${MAX_COMMENT_LENGTH} characters`);
  return inTransaction(ctx, async (tx) => {
    await getReviewOrThrow(tx, reviewId, 'reviewId');
    const repo = repositoryOf(tx, ReviewComment);
    return repo.save(repo.create({ reviewId, authorId: tx.user?.id ?? null, body: text }));
  });
}

/** A SALES or MARKETING user signs for their team; each user signs a review once. */
export async function acknowledgeReview(
  ctx: Context,
  reviewId: string,
  note: string | null | undefined,
): Promise<Review> {
  const text = (note ?? '').trim();
  if (text.length > MAX_NOTE_LENGTH) throw badInput('note', `a note is at most ${MAX_NOTE_LENGTH} characters`);
  const user = ctx.user;
  if (!user) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send a valid token', { field: 'acknowledgeReview' });
  return inTransaction(ctx, async (tx) => {
    const review = await getReviewOrThrow(tx, reviewId, 'reviewId');
    const repo = repositoryOf(tx, ReviewAcknowledgement);
    const signed = await repo.findOneBy({ reviewId, userId: user.id });
    if (signed) {
      throw new AppError(ErrorCode.CONFLICT, `you signed this review at ${signed.at.toISOString()}`, {
        field: 'reviewId',
        signedAt: signed.at.toISOString(),
      });
    }
    await repo.insert({ reviewId, userId: user.id, role: user.role, note: text });
    return review;
  });
}

/** The review of the period just before this one, of the same length (month after month, quarter after quarter). */
export async function previousReview(ctx: Context, review: Review): Promise<Review | null> {
  const quarterly = review.period.includes('Q');
  const rows = await repositoryOf(ctx, Review)
    .createQueryBuilder('r')
    .where('r.period_end = :start', { start: review.periodStart })
    .getMany();
  return rows.find((row) => row.period.includes('Q') === quarterly) ?? null;
}

/** Headline numbers of two reviews side by side, matched by key, in the current review's order. */
export function compareHeadlines(current: ReviewSnapshot, previous: ReviewSnapshot | null): ReviewHeadlineChange[] {
  const before = new Map<string, ReviewHeadline>((previous?.headlines ?? []).map((row) => [row.key, row]));
  return current.headlines.map((row) => {
    const old = before.get(row.key)?.value ?? null;
    return {
      key: row.key,
      label: row.label,
      current: row.value,
      previous: old,
      change: row.value !== null && old !== null ? row.value - old : null,
    };
  });
}

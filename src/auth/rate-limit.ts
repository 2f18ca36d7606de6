import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  OperationTypeNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { Extensions } from 'type-graphql';
import type { DataSource } from 'typeorm';
import type { RateLimits } from '../config';
import type { Context } from '../context';
import { rateLimitRefusals } from '../observability/metrics';
import { AppError, ErrorCode } from '../schema/errors';

/** The kinds of calls counted apart, each with its own allowance per token. */
export enum RateBucket {
  /** Every root mutation field. */
  MUTATIONS = 'mutations',
  /** Metric queries that aggregate over many rows. */
  METRICS = 'metrics',
  /** Rule work on demand: validating rules with their test cases, simulating a version. */
  RULE_WORK = 'rule work',
}

/** What one metric query is assumed to cost in the query cost limit, on top of what it selects. */
export const METRIC_COST = 50;

/**
 * Counts each call of a root field against `bucket` for the caller's token, e.g.
 * `@RateLimit(RateBucket.METRICS, { cost: METRIC_COST }) @Query(...) funnelReport(...)`; `cost`
 * is what the field itself counts in the query cost limit (default 1). Mutations are counted
 * without it.
 */
export function RateLimit(
  bucket: RateBucket,
  options: { cost?: number } = {},
): MethodDecorator & PropertyDecorator & ClassDecorator {
  return Extensions(
    options.cost === undefined ? { rateLimit: bucket } : { rateLimit: bucket, complexity: options.cost },
  );
}

/**
 * Token buckets per key, kept in PostgreSQL so that every server process draws on one allowance:
 * each holds up to `perMinute` calls and refills continuously, so a burst is allowed and the
 * steady rate is `perMinute` whatever the number of replicas. One row per key and bucket
 * (`rate_limit_bucket`), so callers never queue on each other's rows, and one atomic upsert per
 * call: it refills the bucket, takes `count` when that many are there, and otherwise leaves it as
 * it was and reports the level it saw.
 */
export class TokenBuckets {
  private readonly perMs: number;

  constructor(
    readonly bucket: RateBucket,
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /**
   * Takes `count` calls from `key`'s bucket through `db` (a transaction when several buckets
   * must all suffice). Returns 0 when they were taken, or the whole seconds until they would fit.
   */
  async take(db: Queryable, key: string, count: number): Promise<number> {
    if (count > this.perMinute) return 60;
    const level = `LEAST($3::float8, b.tokens + GREATEST(0, $5::bigint - b.refilled_at_ms) * $3::float8 / 60000.0)`;
    // The outer SELECT reads the snapshot from before the upsert: the level a refusal saw.
    const rows = await db.query<Array<{ taken: boolean; level: number | null }>>(
      `WITH taken AS (
         INSERT INTO rate_limit_bucket AS b (key, bucket, tokens, refilled_at_ms)
         VALUES ($1, $2, $3::float8 - $4, $5)
         ON CONFLICT (key, bucket) DO UPDATE
           SET tokens = ${level} - $4, refilled_at_ms = GREATEST(b.refilled_at_ms, $5::bigint)
           WHERE ${level} >= $4
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM taken) AS taken,
              (SELECT ${level} FROM rate_limit_bucket b WHERE key = $1 AND bucket = $2) AS level`,
      [key, this.bucket, this.perMinute, count, this.now()],
    );
    const row = rows[0];
    if (!row || row.taken) return 0;
    const missing = count - (row.level ?? this.perMinute);
    return Math.max(1, Math.ceil(missing / this.perMs / 1000));
  }
}

/** What `take` needs: a data source or a transaction's manager. */
interface Queryable {
  query<T>(sql: string, parameters?: unknown[]): Promise<T>;
}

/** Buckets not touched for a minute are full again and carry no information. */
export async function purgeRefilledRateBuckets(dataSource: DataSource, now = Date.now()): Promise<number> {
  const [, deleted] = await dataSource.query<[unknown, number]>(
    'DELETE FROM rate_limit_bucket WHERE refilled_at_ms < $1',
    [now - 60_000],
  );
  return deleted;
}

/** All of `counts` are taken, or none: several buckets are taken in one transaction. */
async function takeAll(
  dataSource: DataSource,
  counts: Array<{ bucket: RateBucket; count: number; allowance: TokenBuckets }>,
  key: string,
): Promise<{ bucket: RateBucket; allowance: TokenBuckets; retryAfterSeconds: number } | undefined> {
  const [first] = counts;
  if (!first) return undefined;
  if (counts.length === 1) {
    const retryAfterSeconds = await first.allowance.take(dataSource, key, first.count);
    return retryAfterSeconds > 0 ? { ...first, retryAfterSeconds } : undefined;
  }
  const refused = new Refused();
  try {
    await dataSource.transaction(async (manager) => {
      for (const { bucket, count, allowance } of counts) {
        const retryAfterSeconds = await allowance.take(manager, key, count);
        if (retryAfterSeconds > 0) {
          refused.at = { bucket, allowance, retryAfterSeconds };
          throw refused; // rolls back what the other buckets gave
        }
      }
    });
  } catch (error) {
    if (error !== refused) throw error;
  }
  return refused.at;
}

class Refused extends Error {
  at?: { bucket: RateBucket; allowance: TokenBuckets; retryAfterSeconds: number };
}

/** Root fields of the operation, through fragments, with how often each is selected. */
function rootFieldNames(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        // A fragment spread twice selects its fields once: GraphQL merges them.
        seen.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return names;
}

/** How many calls of each bucket an operation makes. */
export function rateCounts(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  root: GraphQLObjectType,
): Map<RateBucket, number> {
  const counts = new Map<RateBucket, number>();
  const add = (bucket: RateBucket): void => {
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  };
  for (const name of rootFieldNames(operation, fragments)) {
    if (name.startsWith('__')) continue;
    if (operation.operation === OperationTypeNode.MUTATION) add(RateBucket.MUTATIONS);
    const bucket = root.getFields()[name]?.extensions?.rateLimit;
    if (bucket === RateBucket.MUTATIONS || bucket === RateBucket.METRICS || bucket === RateBucket.RULE_WORK)
      add(bucket);
  }
  return counts;
}

/**
 * Refuses an operation, before it runs, when the caller's token has used up an allowance:
 * RATE_LIMITED with `retryAfterSeconds` and a `Retry-After` header (HTTP 429). Nothing is taken
 * from any allowance unless all of them suffice. The allowances live in PostgreSQL, shared by
 * every process on the same database.
 */
export function rateLimitPlugin(
  dataSource: DataSource,
  limits: RateLimits,
  now: () => number = Date.now,
): ApolloServerPlugin<Context> {
  const allowances: Record<RateBucket, TokenBuckets | undefined> = {
    [RateBucket.MUTATIONS]:
      limits.mutationsPerMinute > 0
        ? new TokenBuckets(RateBucket.MUTATIONS, limits.mutationsPerMinute, now)
        : undefined,
    [RateBucket.METRICS]:
      limits.metricsPerMinute > 0 ? new TokenBuckets(RateBucket.METRICS, limits.metricsPerMinute, now) : undefined,
    [RateBucket.RULE_WORK]: limits.ruleWorkPerMinute
      ? new TokenBuckets(RateBucket.RULE_WORK, limits.ruleWorkPerMinute, now)
      : undefined,
  };
  return {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation({ contextValue, operation, document, schema }) {
          const key = contextValue.tokenId;
          if (!key || !operation) return;
          const root =
            operation.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : schema.getQueryType();
          if (!root) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const counts = [...rateCounts(operation, fragments, root)].flatMap(([bucket, count]) => {
            const allowance = allowances[bucket];
            return allowance ? [{ bucket, count, allowance }] : [];
          });
          const refused = await takeAll(dataSource, counts, key);
          if (refused) {
            const { bucket, allowance, retryAfterSeconds } = refused;
            rateLimitRefusals.inc({ bucket });
            throw new AppError(
              ErrorCode.RATE_LIMITED,
              `Too many ${bucket} for this token (at most ${allowance.perMinute} a minute); retry in ${retryAfterSeconds} s`,
              { bucket, limitPerMinute: allowance.perMinute, retryAfterSeconds },
              { 'Retry-After': String(retryAfterSeconds) },
            );
          }
        },
      });
    },
  };
}

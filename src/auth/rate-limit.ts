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
import type { RateLimits } from '../config';
import type { Context } from '../context';
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
 * Token buckets per key, in this process's memory: each holds up to `perMinute` calls and refills
 * continuously, so a burst is allowed and the steady rate is `perMinute`. Several server
 * processes each keep their own (the limit is per process; PostgreSQL is the only shared store).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
  }

  private level(key: string, at: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.perMinute;
    return Math.min(this.perMinute, bucket.tokens + (at - bucket.at) * this.perMs);
  }

  /** Whole seconds until `count` calls fit; 0 when they fit now. */
  waitSeconds(key: string, count: number): number {
    if (count > this.perMinute) return 60;
    const missing = count - this.level(key, this.now());
    return missing <= 0 ? 0 : Math.ceil(missing / this.perMs / 1000);
  }

  take(key: string, count: number): void {
    const at = this.now();
    this.buckets.set(key, { tokens: this.level(key, at) - count, at });
    if (this.buckets.size > 10_000) this.forgetFull(at);
  }

  /** Buckets that have refilled carry no information. */
  private forgetFull(at: number): void {
    for (const key of this.buckets.keys()) if (this.level(key, at) >= this.perMinute) this.buckets.delete(key);
  }
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
 * from any allowance unless all of them suffice.
 */
export function rateLimitPlugin(limits: RateLimits, now: () => number = Date.now): ApolloServerPlugin<Context> {
  const allowances: Record<RateBucket, TokenBuckets | undefined> = {
    [RateBucket.MUTATIONS]:
      limits.mutationsPerMinute > 0 ? new TokenBuckets(limits.mutationsPerMinute, now) : undefined,
    [RateBucket.METRICS]: limits.metricsPerMinute > 0 ? new TokenBuckets(limits.metricsPerMinute, now) : undefined,
    [RateBucket.RULE_WORK]: limits.ruleWorkPerMinute ? new TokenBuckets(limits.ruleWorkPerMinute, now) : undefined,
  };
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ contextValue, operation, document, schema }) {
          const key = contextValue.tokenId;
          if (!key || !operation) return Promise.resolve();
          const root =
            operation.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : schema.getQueryType();
          if (!root) return Promise.resolve();
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const counts = [...rateCounts(operation, fragments, root)].flatMap(([bucket, count]) => {
            const allowance = allowances[bucket];
            return allowance ? [{ bucket, count, allowance }] : [];
          });
          for (const { bucket, count, allowance } of counts) {
            const retryAfterSeconds = allowance.waitSeconds(key, count);
            if (retryAfterSeconds > 0) {
              throw new AppError(
                ErrorCode.RATE_LIMITED,
                `Too many ${bucket} for this token (at most ${allowance.perMinute} a minute); retry in ${retryAfterSeconds} s`,
                { bucket, limitPerMinute: allowance.perMinute, retryAfterSeconds },
                { 'Retry-After': String(retryAfterSeconds) },
              );
            }
          }
          for (const { count, allowance } of counts) allowance.take(key, count);
          return Promise.resolve();
        },
      });
    },
  };
}

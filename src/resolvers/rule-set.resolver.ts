import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { UseMiddleware } from 'type-graphql';
import { traceResolver } from '../observability/tracing';
import { RateBucket, RateLimit } from '../auth/rate-limit';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { RuleSetKind } from '../entities/enums';
import { RescoreJob } from '../entities/rescore-job.entity';
import { RuleSetVersion } from '../entities/rule-set-version.entity';
import { RuleSet } from '../entities/rule-set.entity';
import { User } from '../entities/user.entity';
import { FACT_CATALOG, OPERATORS_BY_TYPE } from '../rules/fact-catalog';
import { badInput } from '../schema/errors';
import {
  FactDefinitionType,
  PublishRuleSetPayload,
  RuleDiffType,
  RuleValidation,
  SaveRuleSetDraftPayload,
  SimulationType,
  TestCaseResultType,
} from '../schema/rules/rule-set.types';
import { getRescoreJobOrThrow, listRecentRescoreJobs } from '../services/rescore.service';
import {
  createRuleSet,
  diffVersions,
  getRuleSetOrThrow,
  listRuleSets,
  listVersions,
  publishRuleSetVersion,
  rollbackRuleSet,
  saveRuleSetDraft,
  validateRuleSetContent,
  versionTestResults,
} from '../services/rule-set.service';
import { simulateRuleSetVersion } from '../services/simulation.service';

const ATTRIBUTE_FACT: FactDefinitionType = {
  name: 'attributes.<key>',
  type: 'any',
  source: 'attribute',
  description: 'A custom attribute of the lead (string, number or boolean); null when the lead does not have it.',
  operators: [...OPERATORS_BY_TYPE.any],
};

@Resolver(() => RuleSet)
export class RuleSetResolver {
  @Authorized(Access.READ)
  @Query(() => [RuleSet])
  ruleSets(@Ctx() ctx: Context): Promise<RuleSet[]> {
    return listRuleSets(ctx);
  }

  @Authorized(Access.READ)
  @Query(() => RuleSet)
  ruleSet(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<RuleSet> {
    return getRuleSetOrThrow(ctx, id);
  }

  @Authorized(Access.READ)
  @Query(() => [FactDefinitionType], { description: 'Every fact a rule may test, with its type and operators.' })
  factCatalog(): FactDefinitionType[] {
    return [...FACT_CATALOG.map((fact) => ({ ...fact, operators: [...OPERATORS_BY_TYPE[fact.type]] })), ATTRIBUTE_FACT];
  }

  @Authorized(Access.READ)
  @RateLimit(RateBucket.RULE_WORK)
  @Query(() => RuleValidation, {
    description: 'Checks rules without saving them: every problem with its path, then the test cases.',
  })
  validateRules(
    @Ctx() ctx: Context,
    @Arg('kind', () => RuleSetKind) kind: RuleSetKind,
    @Arg('rules', () => GraphQLJSON) rules: unknown,
    @Arg('caps', () => GraphQLJSON, { nullable: true }) caps: unknown,
    @Arg('testCases', () => GraphQLJSON, { nullable: true }) testCases: unknown,
  ): Promise<RuleValidation> {
    return validateRuleSetContent(ctx, kind, { rules, caps, testCases });
  }

  @Authorized(Access.READ)
  @Query(() => RescoreJob)
  rescoreJob(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<RescoreJob> {
    return getRescoreJobOrThrow(ctx, id);
  }

  @Authorized(Access.READ)
  @Query(() => [RescoreJob], { description: 'The latest re-score jobs (publish, rollback, daily), newest first.' })
  rescoreJobs(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 10, description: '1 to 50.' }) first: number,
  ): Promise<RescoreJob[]> {
    return listRecentRescoreJobs(ctx, first);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => RuleSet)
  createRuleSet(
    @Ctx() ctx: Context,
    @Arg('name', () => String) name: string,
    @Arg('kind', () => RuleSetKind) kind: RuleSetKind,
    @Arg('description', () => String, { nullable: true }) description: string | undefined,
  ): Promise<RuleSet> {
    if (name.trim() === '' || name.length > 120) throw badInput('name', 'name must be 1 to 120 characters');
    if (description !== undefined && description !== null && description.length > 4000)
      throw badInput('description', 'description must be at most 4000 characters');
    return createRuleSet(ctx, { name, kind, description });
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => SaveRuleSetDraftPayload, {
    description:
      'Validates and saves a new draft version. `baseVersion` is the version you started from (null for the first). Omitted `caps` and `testCases` carry over from that version; an explicit null (caps) or [] (test cases) clears them.',
  })
  saveRuleSetDraft(
    @Ctx() ctx: Context,
    @Arg('ruleSetId', () => ID) ruleSetId: string,
    @Arg('rules', () => GraphQLJSON) rules: unknown,
    @Arg('notes', () => String, { nullable: true }) notes: string | undefined,
    @Arg('baseVersion', () => Int, { nullable: true }) baseVersion: number | undefined,
    @Arg('caps', () => GraphQLJSON, { nullable: true, description: '{ fit, engagement, total } (scoring only).' })
    caps: unknown,
    @Arg('testCases', () => GraphQLJSON, {
      nullable: true,
      description: '[{ name, facts, expectScoreMin, expectScoreMax, expectStage }]',
    })
    testCases: unknown,
  ): Promise<SaveRuleSetDraftPayload> {
    if (notes !== undefined && notes !== null && notes.length > 4000)
      throw badInput('notes', 'notes must be at most 4000 characters');
    return saveRuleSetDraft(ctx, { ruleSetId, rules, notes, baseVersion, caps, testCases });
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => PublishRuleSetPayload, {
    description: 'Puts a draft in force at once and queues a re-score of every lead. Refused while a test case fails.',
  })
  publishRuleSetVersion(
    @Ctx() ctx: Context,
    @Arg('versionId', () => ID) versionId: string,
  ): Promise<PublishRuleSetPayload> {
    return publishRuleSetVersion(ctx, versionId);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => PublishRuleSetPayload, {
    description: 'Publishes a copy of an older version as a new version number.',
  })
  rollbackRuleSet(
    @Ctx() ctx: Context,
    @Arg('ruleSetId', () => ID) ruleSetId: string,
    @Arg('version', () => Int) version: number,
  ): Promise<PublishRuleSetPayload> {
    return rollbackRuleSet(ctx, ruleSetId, version);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @UseMiddleware(traceResolver)
  @RateLimit(RateBucket.RULE_WORK)
  @Mutation(() => SimulationType, { description: 'Runs a version against existing leads without writing anything.' })
  simulateRuleSetVersion(
    @Ctx() ctx: Context,
    @Arg('versionId', () => ID) versionId: string,
    @Arg('limit', () => Int, {
      nullable: true,
      description: 'Evaluate at most this many leads (by id); all when omitted.',
    })
    limit: number | undefined,
  ): Promise<SimulationType> {
    if (limit !== undefined && limit !== null && (limit < 1 || limit > 10_000_000))
      throw badInput('limit', 'limit must be between 1 and 10000000');
    return simulateRuleSetVersion(ctx, versionId, limit ?? null);
  }

  @FieldResolver(() => [RuleSetVersion], { description: 'Every version, newest first.' })
  versions(@Root() ruleSet: RuleSet, @Ctx() ctx: Context): Promise<RuleSetVersion[]> {
    return listVersions(ctx, ruleSet.id);
  }

  @FieldResolver(() => RuleSetVersion, { nullable: true, description: 'The version in force.' })
  async activeVersion(@Root() ruleSet: RuleSet, @Ctx() ctx: Context): Promise<RuleSetVersion | null> {
    return (await listVersions(ctx, ruleSet.id)).find((version) => version.id === ruleSet.activeVersionId) ?? null;
  }
}

@Resolver(() => RuleSetVersion)
export class RuleSetVersionResolver {
  @FieldResolver(() => User, { nullable: true })
  author(@Root() version: RuleSetVersion, @Ctx() ctx: Context): Promise<User | null> | null {
    return version.authorId ? ctx.loaders.user.load(version.authorId) : null;
  }

  @FieldResolver(() => RuleDiffType, {
    nullable: true,
    description:
      'Rules, caps and test cases added, removed and changed since another version (the previous one by default).',
  })
  async diff(
    @Root() version: RuleSetVersion,
    @Ctx() ctx: Context,
    @Arg('against', () => Int, { nullable: true }) against: number | undefined,
  ): Promise<RuleDiffType | null> {
    const number = against ?? version.number - 1;
    const other = (await listVersions(ctx, version.ruleSetId)).find((candidate) => candidate.number === number);
    return other ? diffVersions(other, version) : null;
  }

  @FieldResolver(() => [TestCaseResultType], { description: 'The version’s test cases, run now.' })
  testResults(@Root() version: RuleSetVersion, @Ctx() ctx: Context): Promise<TestCaseResultType[]> {
    return versionTestResults(ctx, version);
  }
}

import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { RescoreJob } from '../../entities/rescore-job.entity';
import { RuleSetVersion } from '../../entities/rule-set-version.entity';
import { ScoreExplanationType } from './explanation.types';

@ObjectType({ description: 'A fact a rule may test.', simpleResolvers: true })
export class FactDefinitionType {
  @Field({ description: 'The name rules use in `fact`. Custom attributes are `attributes.<key>`.' })
  name: string;

  @Field({ description: '`string`, `number`, `boolean`, or `any` for custom attributes.' })
  type: string;

  @Field()
  description: string;

  @Field({ description: '`lead`, `attribute`, `activity`, `feedback` or `score`.' })
  source: string;

  @Field(() => [String], { description: 'Operators allowed with this fact.' })
  operators: string[];
}

@ObjectType({ description: 'One problem in a rule set, located by its path.', simpleResolvers: true })
export class RuleProblemType {
  @Field({ description: 'Where the problem is, e.g. `rules[3].conditions.all[1].operator`.' })
  path: string;

  @Field({ description: 'A stable code, e.g. UNKNOWN_FACT, EMPTY_GROUP, MIXED_GROUP, VALUE_NOT_A_LIST.' })
  code: string;

  @Field()
  message: string;
}

@ObjectType({ simpleResolvers: true })
export class TestCaseResultType {
  @Field()
  name: string;

  @Field()
  passed: boolean;

  @Field(() => Int, { nullable: true })
  score: number | null;

  @Field(() => String, { nullable: true })
  stage: string | null;

  @Field()
  message: string;
}

@ObjectType({ simpleResolvers: true })
export class RuleValidation {
  @Field()
  valid: boolean;

  @Field(() => [RuleProblemType])
  problems: RuleProblemType[];

  @Field(() => [TestCaseResultType], { description: 'Test case outcomes; empty when the rules are invalid.' })
  testResults: TestCaseResultType[];
}

@ObjectType({ simpleResolvers: true })
export class SaveRuleSetDraftPayload {
  @Field(() => RuleSetVersion)
  version: RuleSetVersion;

  @Field(() => [TestCaseResultType], { description: 'Publishing is refused while any of these fails.' })
  testResults: TestCaseResultType[];
}

@ObjectType({ simpleResolvers: true })
export class PublishRuleSetPayload {
  @Field(() => RuleSetVersion)
  version: RuleSetVersion;

  @Field(() => RescoreJob, { description: 'The background re-score of every lead; follow it with rescoreJob(id).' })
  rescoreJob: RescoreJob;
}

@ObjectType({
  description:
    'What differs between two versions: rules and test cases by name (added, removed, changed) and the caps. Publishing puts all of it in force.',
  simpleResolvers: true,
})
export class RuleDiffType {
  @Field(() => [String], { description: 'Rules by name.' })
  added: string[];

  @Field(() => [String], { description: 'Rules by name.' })
  removed: string[];

  @Field(() => [String], { description: 'Rules by name whose conditions, event or priority differ.' })
  changed: string[];

  @Field({ description: 'Whether the caps differ (one side may have none).' })
  capsChanged: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Caps of the other version (null: none).' })
  capsBefore: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Caps of this version (null: none).' })
  capsAfter: unknown;

  @Field(() => [String], { description: 'Test cases by name.' })
  testCasesAdded: string[];

  @Field(() => [String], { description: 'Test cases by name.' })
  testCasesRemoved: string[];

  @Field(() => [String], { description: 'Test cases by name whose facts or expectation differ.' })
  testCasesChanged: string[];
}

@ObjectType({ simpleResolvers: true })
export class StageChangeType {
  @Field()
  from: string;

  @Field()
  to: string;

  @Field(() => Int)
  leads: number;
}

@ObjectType({ simpleResolvers: true })
export class ScoreBand {
  @Field(() => Int, { description: 'Inclusive lower bound.' })
  from: number;

  @Field(() => Int, { description: 'Exclusive upper bound.' })
  to: number;

  @Field(() => Int)
  leads: number;
}

@ObjectType({ simpleResolvers: true })
export class ScoreDistributionType {
  @Field(() => Int)
  leads: number;

  @Field(() => Int, { nullable: true })
  min: number | null;

  @Field(() => Int, { nullable: true })
  max: number | null;

  @Field(() => Float, { nullable: true })
  mean: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Median: the smallest score with at least half the leads at or below it.',
  })
  p50: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The smallest score with at least 90% of the leads at or below it.',
  })
  p90: number | null;

  @Field(() => [ScoreBand])
  bands: ScoreBand[];
}

@ObjectType({ simpleResolvers: true })
export class RuleFireRateType {
  @Field()
  rule: string;

  @Field(() => Int, { description: 'Leads on which the rule fires under the version in force, evaluated now.' })
  firedBefore: number;

  @Field(() => Int, { description: 'Leads on which it fires with the simulated version.' })
  firedAfter: number;

  @Field(() => Float, { description: 'firedBefore / leads simulated.' })
  rateBefore: number;

  @Field(() => Float, { description: 'firedAfter / leads simulated.' })
  rateAfter: number;
}

@ObjectType({ simpleResolvers: true })
export class ChangedLeadType {
  @Field(() => ID)
  leadId: string;

  @Field(() => Int)
  scoreBefore: number;

  @Field(() => Int)
  scoreAfter: number;

  @Field()
  stageBefore: string;

  @Field()
  stageAfter: string;

  @Field(() => ScoreExplanationType, { nullable: true, description: 'As stored on the lead (null: never scored).' })
  explanationBefore: ScoreExplanationType | null;

  @Field(() => ScoreExplanationType)
  explanationAfter: ScoreExplanationType;
}

@ObjectType({
  description:
    'A dry run of a version against existing leads, nothing written: what publishing it would do now. "Before" is each lead’s stored score and stage; "after" is the lead evaluated now with the simulated version in place of its rule set’s active one (and the other versions in force), so drift since the last evaluation (activity aged out of a 7, 30 or 90-day window) shows in the prediction.',
  simpleResolvers: true,
})
export class SimulationType {
  @Field(() => ID)
  versionId: string;

  @Field(() => Int, { description: 'Leads evaluated.' })
  leads: number;

  @Field(() => [StageChangeType], {
    description: 'From-to matrix of the stage each lead would end in; only changed pairs.',
  })
  stageChanges: StageChangeType[];

  @Field(() => Int)
  leadsChangingStage: number;

  @Field(() => ScoreDistributionType)
  scoresBefore: ScoreDistributionType;

  @Field(() => ScoreDistributionType)
  scoresAfter: ScoreDistributionType;

  @Field(() => [RuleFireRateType], {
    description: 'Rules of this rule set, with how often they fire before and after.',
  })
  ruleFireRates: RuleFireRateType[];

  @Field(() => [ChangedLeadType], { description: 'Up to 10 leads whose score changes most, with both explanations.' })
  mostChanged: ChangedLeadType[];

  @Field(() => Int, { description: 'Milliseconds the simulation took.' })
  ms: number;
}

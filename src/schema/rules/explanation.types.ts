import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description: 'A condition as the engine evaluated it: what the rule asked and what the lead had.',
  simpleResolvers: true,
})
export class ConditionSeen {
  @Field()
  fact: string;

  @Field()
  operator: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'The value the rule compares with. A list longer than EXPLANATION_MAX_LIST_VALUES is cut and ends with `{ "truncated": true, "omitted": k }`.',
  })
  value: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The lead’s fact value at evaluation time.' })
  actual: unknown;

  @Field()
  passed: boolean;
}

@ObjectType({ simpleResolvers: true })
export class VersionRef {
  @Field(() => ID)
  ruleSetId: string;

  @Field()
  ruleSetName: string;

  @Field(() => ID)
  ruleSetVersionId: string;

  @Field(() => Int)
  number: number;
}

@ObjectType({ description: 'A scoring rule that fired, with its points.', simpleResolvers: true })
export class FiredScoreRule {
  @Field(() => ID)
  ruleSetVersionId: string;

  @Field()
  rule: string;

  @Field({ description: '`fit` or `engagement`.' })
  dimension: string;

  @Field(() => Int)
  points: number;

  @Field(() => String, { nullable: true })
  reason: string | null;

  @Field(() => [ConditionSeen])
  conditions: ConditionSeen[];

  @Field(() => Int, {
    nullable: true,
    description: 'Conditions left out of `conditions` to keep the explanation within EXPLANATION_MAX_BYTES.',
  })
  conditionsOmitted?: number;
}

@ObjectType({ description: 'A qualification rule that fired, with the stage it names.', simpleResolvers: true })
export class FiredQualifyRule {
  @Field(() => ID)
  ruleSetVersionId: string;

  @Field()
  rule: string;

  @Field()
  stage: string;

  @Field(() => Int)
  rank: number;

  @Field(() => String, { nullable: true })
  reason: string | null;

  @Field(() => [ConditionSeen])
  conditions: ConditionSeen[];

  @Field(() => Int, {
    nullable: true,
    description: 'Conditions left out of `conditions` to keep the explanation within EXPLANATION_MAX_BYTES.',
  })
  conditionsOmitted?: number;
}

@ObjectType({ description: 'A rule that missed by exactly one of its top-level conditions.', simpleResolvers: true })
export class NearMiss {
  @Field(() => ID)
  ruleSetVersionId: string;

  @Field()
  rule: string;

  @Field({ description: 'What it would have given: `15 fit` or `stage mql`.' })
  wouldGive: string;

  @Field(() => [ConditionSeen], { description: 'The conditions that failed.' })
  failed: ConditionSeen[];
}

@ObjectType({ simpleResolvers: true })
export class ScoreCapsType {
  @Field(() => Int, { nullable: true })
  fit?: number | null;

  @Field(() => Int, { nullable: true })
  engagement?: number | null;

  @Field(() => Int, { nullable: true })
  total?: number | null;
}

@ObjectType({
  description:
    'Why a lead has its scores. rawFit = sum of points of fired fit rules; rawEngagement likewise; fitScore = min(rawFit, caps.fit); engagementScore = min(rawEngagement, caps.engagement); score = min(fitScore + engagementScore, caps.total). A missing cap means no cap.',
  simpleResolvers: true,
})
export class ScoreExplanationType {
  @Field()
  evaluatedAt: string;

  @Field(() => [VersionRef], { description: 'The rule-set versions that were in force.' })
  versions: VersionRef[];

  @Field(() => Int)
  rawFit: number;

  @Field(() => Int)
  rawEngagement: number;

  @Field(() => ScoreCapsType)
  caps: ScoreCapsType;

  @Field(() => Int)
  fitScore: number;

  @Field(() => Int)
  engagementScore: number;

  @Field(() => Int)
  score: number;

  @Field(() => [FiredScoreRule])
  fired: FiredScoreRule[];

  @Field(() => [FiredQualifyRule])
  qualification: FiredQualifyRule[];

  @Field(() => String, { nullable: true, description: 'Stage named by the highest-ranked fired qualify rule.' })
  qualifiesFor: string | null;

  @Field(() => [NearMiss])
  nearMisses: NearMiss[];

  @Field(() => Int, {
    nullable: true,
    description:
      'Fired scoring rules counted in rawFit/rawEngagement but not listed in `fired` (EXPLANATION_MAX_FIRED_RULES, EXPLANATION_MAX_BYTES).',
  })
  firedOmitted?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Fired qualify rules not listed in `qualification` (the winning rule is always listed).',
  })
  qualificationOmitted?: number;
}

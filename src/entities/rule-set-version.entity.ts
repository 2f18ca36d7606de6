import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RuleSetVersionStatus } from './enums';
import { RuleSet } from './rule-set.entity';
import { User } from './user.entity';

/** Caps on the summed points, as HubSpot applies them: a dimension or the total never exceeds its cap. */
export interface ScoreCaps {
  fit?: number | null;
  engagement?: number | null;
  total?: number | null;
}

/** A named example lead with the outcome its rule set must give. */
export interface RuleTestCase {
  name: string;
  facts: Record<string, unknown>;
  expectScoreMin?: number | null;
  expectScoreMax?: number | null;
  expectStage?: string | null;
}

@ObjectType({
  description: 'One numbered version of a rule set. Published versions never change.',
  simpleResolvers: true,
})
@Entity()
@Index(['ruleSetId', 'number'], { unique: true })
export class RuleSetVersion {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  ruleSetId: string;

  @ManyToOne(() => RuleSet, { onDelete: 'CASCADE' })
  @JoinColumn()
  ruleSet?: RuleSet;

  @Field(() => Int, { description: '1, 2, 3... in the order versions were saved.' })
  @Column({ type: 'int' })
  number: number;

  @Field(() => RuleSetVersionStatus)
  @Column({ type: 'enum', enum: RuleSetVersionStatus, enumName: 'rule_set_version_status' })
  status: RuleSetVersionStatus;

  @Field(() => GraphQLJSON, { description: 'The json-rules-engine rules, as saved.' })
  @Column({ type: 'jsonb' })
  rules: unknown[];

  @Field(() => GraphQLJSON, { nullable: true, description: 'Caps on fit, engagement and total score (scoring only).' })
  @Column({ type: 'jsonb', nullable: true })
  caps: ScoreCaps | null;

  @Field(() => GraphQLJSON, { description: 'Example leads with their expected outcome; they must pass to publish.' })
  @Column({ type: 'jsonb', default: () => "'[]'" })
  testCases: RuleTestCase[];

  @Field({ description: 'SHA-256 of the rules, caps and test cases, to tell identical versions apart at a glance.' })
  @Column({ type: 'char', length: 64 })
  checksum: string;

  @Field()
  @Column({ type: 'text', default: '' })
  notes: string;

  @Field(() => Int, { nullable: true, description: 'The version number the editor started from.' })
  @Column({ type: 'int', nullable: true })
  basedOnNumber: number | null;

  @Field(() => ID, { nullable: true })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  author?: User;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

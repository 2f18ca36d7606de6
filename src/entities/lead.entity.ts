import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Campaign } from './campaign.entity';
import { FunnelStage } from './funnel-stage.entity';
import { numericTransformer } from './numeric-transformer';
import { Persona } from './persona.entity';
import { User } from './user.entity';

@ObjectType({
  description:
    'A person who may buy. Unique by canonical email (Unicode NFKC, format characters such as zero-width spaces removed, domain in its ASCII/punycode form, lower-cased).',
  simpleResolvers: true,
})
@Entity()
@Index(['createdAt', 'id'])
@Index(['score', 'id'])
@Index(['stageEnteredAt', 'id'])
export class Lead {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({
    description:
      'The canonical address, unique across all leads: Unicode NFKC, format characters (zero-width spaces, ...) removed, domain in its ASCII (punycode) form, lower-cased. Two addresses with one canonical form are one lead.',
  })
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** The address as the client gave it, when it differs from `email` (exposed as `emailAsGiven`). */
  @Column({ type: 'varchar', length: 254, nullable: true })
  emailAsGiven: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  company: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  jobTitle: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  industry: string | null;

  @Field(() => Int, { nullable: true, description: 'Number of employees of the lead’s company.' })
  @Column({ type: 'int', nullable: true })
  companySize: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country code, upper case.' })
  @Column({ type: 'varchar', length: 2, nullable: true })
  country: string | null;

  @Field(() => String, { nullable: true, description: 'Where the lead came from, e.g. `web_form`, `import`.' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  source: string | null;

  @Field(() => ID, { nullable: true, description: 'First-touch campaign.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'RESTRICT' })
  @JoinColumn()
  campaign?: Campaign;

  @Field(() => ID, { nullable: true })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  personaId: string | null;

  @ManyToOne(() => Persona, { onDelete: 'RESTRICT' })
  @JoinColumn()
  persona?: Persona;

  @Field(() => ID, { nullable: true, description: 'The sales user who owns the lead.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  owner?: User;

  @Index()
  @Column({ type: 'uuid' })
  stageId: string;

  @ManyToOne(() => FunnelStage, { onDelete: 'RESTRICT' })
  @JoinColumn()
  stage?: FunnelStage;

  @Field({ description: 'When the lead entered its current stage.' })
  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  stageEnteredAt: Date;

  @Field(() => Int, { description: 'Sum of the points of the fired fit rules (who the lead is).' })
  @Column({ type: 'int', default: 0 })
  fitScore: number;

  @Field(() => Int, { description: 'Sum of the points of the fired engagement rules (what the lead did).' })
  @Column({ type: 'int', default: 0 })
  engagementScore: number;

  @Field(() => Int, { description: 'fitScore + engagementScore, after caps.' })
  @Column({ type: 'int', default: 0 })
  score: number;

  @Field(() => Date, { nullable: true, description: 'When the scores were last computed.' })
  @Column({ type: 'timestamptz', nullable: true })
  scoredAt: Date | null;

  /** Exposed through a typed field resolver once rule sets exist. */
  @Column({ type: 'jsonb', nullable: true })
  scoreExplanation: Record<string, unknown> | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Size of the deal in the company currency, set by sales once the opportunity is sized. Counts as won revenue once the lead reaches a WON stage.',
  })
  @Column({ type: 'numeric', precision: 15, scale: 2, nullable: true, transformer: numericTransformer })
  dealValue: number | null;

  @Field(() => GraphQLJSONObject, { description: 'Custom attributes (a flat JSON object).' })
  @Column({ type: 'jsonb', default: () => "'{}'" })
  attributes: Record<string, unknown>;

  @Field(() => ID, {
    nullable: true,
    description: 'The import that added it (undoImport removes it); null when not imported.',
  })
  @Index({ where: 'import_id IS NOT NULL' })
  @Column({ type: 'uuid', nullable: true })
  importId: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The id of this lead in the system it was imported from; unique. Import records may name the lead by it.',
  })
  @Index({ unique: true, where: 'external_id IS NOT NULL' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  externalId: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the person was erased (eraseLead): email, names, attributes, activity metadata and feedback comments are anonymised; the lead still counts in every metric.',
  })
  @Column({ type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @Field(() => Int, {
    description:
      'Incremented when a client-editable field changes: a field of updateLead / upsertLead (email, name, company, job title, industry, company size, country, source, campaign, persona, owner, deal value, attributes) or the stage moved by hand (moveLeadToStage, a sales verdict). Scores, the score explanation and the rules’ automatic stage moves (on a mutation, a publish, an activity or the nightly re-score) do not change it. Pass it back as `expectedVersion` to detect concurrent edits.',
  })
  @VersionColumn()
  version: number;
}

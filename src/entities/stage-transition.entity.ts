import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TransitionCause } from './enums';
import { FunnelStage } from './funnel-stage.entity';
import { Lead } from './lead.entity';
import { RuleSetVersion } from './rule-set-version.entity';
import { User } from './user.entity';

@ObjectType({ description: 'One change of a lead’s stage. The history only grows.', simpleResolvers: true })
@Entity()
@Index(['leadId', 'at'])
@Index(['toStageId', 'at'])
export class StageTransition {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  leadId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  fromStageId: string | null;

  @ManyToOne(() => FunnelStage, { onDelete: 'RESTRICT' })
  @JoinColumn()
  fromStage?: FunnelStage;

  @Column({ type: 'uuid' })
  toStageId: string;

  @ManyToOne(() => FunnelStage, { onDelete: 'RESTRICT' })
  @JoinColumn()
  toStage?: FunnelStage;

  @Field()
  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Field(() => TransitionCause)
  @Column({ type: 'enum', enum: TransitionCause, enumName: 'transition_cause' })
  cause: TransitionCause;

  @Field(() => ID, { nullable: true, description: 'The user who made the change; null for automatic moves.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  actor?: User;

  @Field(() => ID, {
    nullable: true,
    description:
      'The owner the lead had when it entered the stage (null: unassigned). An SLA case started by this entry belongs to this owner, whoever owns the lead later.',
  })
  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @Field(() => ID, { nullable: true, description: 'The rule-set version that caused an automatic move.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  ruleSetVersionId: string | null;

  @ManyToOne(() => RuleSetVersion, { onDelete: 'RESTRICT' })
  @JoinColumn()
  ruleSetVersion?: RuleSetVersion;

  @Field(() => ID, {
    nullable: true,
    description: 'The import that added it (undoImport removes it); null when not imported.',
  })
  @Index({ where: 'import_id IS NOT NULL' })
  @Column({ type: 'uuid', nullable: true })
  importId: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  reason: string | null;
}

import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { SlaKind, SlaPeriod } from './enums';
import { Sla } from './sla.entity';
import { User } from './user.entity';

/**
 * One version of an SLA's terms, in force for the cases whose clock started in
 * [effectiveFrom, effectiveTo). Written when an SLA is created and whenever `updateSla` changes a
 * term; never rewritten afterwards except that a later version closes its effectiveTo. The reports
 * judge each case by the version in force when its clock started.
 */
@ObjectType({
  description:
    'One version of an SLA’s terms. It judges the cases whose clock started in [effectiveFrom, effectiveTo): a change of terms never re-judges a case whose clock started before it took effect.',
  simpleResolvers: true,
})
@Entity()
@Index(['slaId', 'version'], { unique: true })
export class SlaTerms {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  slaId: string;

  @ManyToOne(() => Sla, { onDelete: 'CASCADE' })
  @JoinColumn()
  sla?: Sla;

  @Field(() => Int, { description: '1 for the terms the SLA was created with, then 2, 3, ...' })
  @Column({ type: 'int' })
  version: number;

  @Field(() => Date, {
    nullable: true,
    description:
      'Cases whose clock started at or after this instant are judged by these terms. Null for version 1: it also judges the cases that started before the SLA was created.',
  })
  @Column({ type: 'timestamptz', nullable: true })
  effectiveFrom: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the next version took effect (exclusive); null while in force.',
  })
  @Column({ type: 'timestamptz', nullable: true })
  effectiveTo: Date | null;

  @Field(() => SlaKind)
  @Column({ type: 'enum', enum: SlaKind, enumName: 'sla_kind' })
  kind: SlaKind;

  @Field(() => ID, { description: 'The stage whose reaching starts the clock (or is counted, for LEAD_VOLUME).' })
  @Column({ type: 'uuid' })
  stageId: string;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  target: number | null;

  @Field(() => SlaPeriod, { nullable: true })
  @Column({ type: 'enum', enum: SlaPeriod, enumName: 'sla_period', nullable: true })
  period: SlaPeriod | null;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  personaId: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  withinHours: number | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  attempts: number | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  withinDays: number | null;

  @Field(() => ID, { nullable: true, description: 'Who set these terms (null when not recorded).' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  author?: User;

  @Field({ description: 'When these terms were set.' })
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

import { Field, ID, Int, ObjectType } from 'type-graphql';
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
import { SlaKind, SlaPeriod } from './enums';
import { FunnelStage } from './funnel-stage.entity';
import { Persona } from './persona.entity';

@ObjectType({
  description:
    'A service level agreement between marketing and sales. See SlaKind for the meaning. Its stage and kind-specific fields are its latest terms; termsHistory lists every version and when each applies: a case is judged by the version in force when its clock started.',
  simpleResolvers: true,
})
@Entity()
export class Sla {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field()
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => SlaKind)
  @Column({ type: 'enum', enum: SlaKind, enumName: 'sla_kind' })
  kind: SlaKind;

  @Field(() => ID, { description: 'The stage whose reaching starts the clock (or is counted, for LEAD_VOLUME).' })
  @Index()
  @Column({ type: 'uuid' })
  stageId: string;

  @ManyToOne(() => FunnelStage, { onDelete: 'RESTRICT' })
  @JoinColumn()
  stage?: FunnelStage;

  @Field(() => Int, { nullable: true, description: 'LEAD_VOLUME: leads to deliver per period.' })
  @Column({ type: 'int', nullable: true })
  target: number | null;

  @Field(() => SlaPeriod, { nullable: true, description: 'LEAD_VOLUME: the period the target applies to.' })
  @Column({ type: 'enum', enum: SlaPeriod, enumName: 'sla_period', nullable: true })
  period: SlaPeriod | null;

  @Field(() => ID, { nullable: true, description: 'LEAD_VOLUME: count only leads of this persona.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  personaId: string | null;

  @ManyToOne(() => Persona, { onDelete: 'RESTRICT' })
  @JoinColumn()
  persona?: Persona;

  @Field(() => ID, { nullable: true, description: 'LEAD_VOLUME: count only leads of this campaign.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'RESTRICT' })
  @JoinColumn()
  campaign?: Campaign;

  @Field(() => Int, { nullable: true, description: 'RESPONSE_TIME: hours allowed until the first contact.' })
  @Column({ type: 'int', nullable: true })
  withinHours: number | null;

  @Field(() => Int, { nullable: true, description: 'FOLLOW_UP: contact attempts required.' })
  @Column({ type: 'int', nullable: true })
  attempts: number | null;

  @Field(() => Int, { nullable: true, description: 'FOLLOW_UP: days allowed for those attempts.' })
  @Column({ type: 'int', nullable: true })
  withinDays: number | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Int)
  @VersionColumn()
  version: number;
}

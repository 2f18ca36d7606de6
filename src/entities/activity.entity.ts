import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Campaign } from './campaign.entity';
import { ActivityType } from './enums';
import { Lead } from './lead.entity';
import { User } from './user.entity';

@ObjectType({
  description: 'Something a lead did, or something sales did to a lead (a contact attempt).',
  simpleResolvers: true,
})
@Entity()
@Index(['leadId', 'occurredAt'])
@Index(['type', 'occurredAt'])
export class Activity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  leadId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Field(() => ActivityType)
  @Column({ type: 'enum', enum: ActivityType, enumName: 'activity_type' })
  type: ActivityType;

  @Field({
    description:
      'When it happened, as reported by whoever recorded it (may be backdated). A contact attempt counts for an SLA at this time only when recordedAt is within SLA_BACKDATE_GRACE_MINUTES of it; otherwise at recordedAt.',
  })
  @Column({ type: 'timestamptz' })
  occurredAt: Date;

  @Field({
    description:
      'When the server recorded it (its clock, at insert; never changes). Activities recorded before this field existed carry the earlier of occurredAt and createdAt, so their SLA outcomes stayed as they were.',
  })
  @Column({ type: 'timestamptz', default: () => 'now()', update: false })
  recordedAt: Date;

  @Field(() => ID, { nullable: true })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'RESTRICT' })
  @JoinColumn()
  campaign?: Campaign;

  @Field(() => ID, { nullable: true, description: 'The user who recorded it.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  actor?: User;

  @Field(() => GraphQLJSONObject)
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @Field(() => ID, {
    nullable: true,
    description: 'The import that added it (undoImport removes it); null when not imported.',
  })
  @Index({ where: 'import_id IS NOT NULL' })
  @Column({ type: 'uuid', nullable: true })
  importId: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

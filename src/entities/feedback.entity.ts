import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Campaign } from './campaign.entity';
import { FeedbackDisposition, FeedbackKind, RejectionReason } from './enums';
import { Lead } from './lead.entity';
import { User } from './user.entity';

@ObjectType({
  description: 'A verdict or remark from one team to the other, about a lead and/or a campaign.',
  simpleResolvers: true,
})
@Entity()
@Index(['leadId', 'createdAt'])
@Index(['createdAt', 'id'])
export class Feedback {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  leadId: string | null;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Field(() => ID, { nullable: true })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @ManyToOne(() => Campaign, { onDelete: 'RESTRICT' })
  @JoinColumn()
  campaign?: Campaign;

  @Field(() => ID)
  @Index()
  @Column({ type: 'uuid' })
  authorId: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn()
  author?: User;

  @Field(() => FeedbackKind)
  @Column({ type: 'enum', enum: FeedbackKind, enumName: 'feedback_kind' })
  kind: FeedbackKind;

  @Field(() => FeedbackDisposition, { nullable: true, description: 'Sales’ verdict on a lead handed over.' })
  @Column({ type: 'enum', enum: FeedbackDisposition, enumName: 'feedback_disposition', nullable: true })
  disposition: FeedbackDisposition | null;

  @Field({
    description:
      'True when the disposition was given by OPS or ADMIN acting for sales rather than by a SALES user; false for every other feedback.',
  })
  @Column({ type: 'boolean', default: false })
  actingForSales: boolean;

  @Field(() => RejectionReason, { nullable: true, description: 'Required when the disposition is REJECTED.' })
  @Column({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason', nullable: true })
  rejectionReason: RejectionReason | null;

  @Field(() => Int, { nullable: true, description: '1 (poor) to 5 (excellent).' })
  @Column({ type: 'smallint', nullable: true })
  rating: number | null;

  @Field()
  @Column({ type: 'text', default: '' })
  comment: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The import that added it (undoImport removes it); null when not imported.',
  })
  @Index({ where: 'import_id IS NOT NULL' })
  @Column({ type: 'uuid', nullable: true })
  importId: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Lead } from './lead.entity';
import { User } from './user.entity';

@ObjectType({
  description:
    'One merge of duplicate leads into a survivor (mergeLeads): which leads were merged away, which of their fields the survivor took, and how many records moved.',
  simpleResolvers: true,
})
@Entity()
export class LeadMerge {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Index()
  @Column({ type: 'uuid' })
  survivorId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  survivor?: Lead;

  @Field(() => [ID], { description: 'The ids of the leads merged away (deleted by the merge).' })
  @Column({ type: 'uuid', array: true })
  mergedLeadIds: string[];

  @Field(() => [String], { description: 'Their emails (erased with the survivor by eraseLead).' })
  @Column({ type: 'text', array: true })
  mergedEmails: string[];

  @Field(() => GraphQLJSONObject, {
    description: 'The fields the survivor took from a duplicate: `{ field: { before, after, fromLeadId } }`.',
  })
  @Column({ type: 'jsonb', default: () => "'{}'" })
  fields: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, {
    description:
      'How many records moved to the survivor: `activities`, `stageTransitions`, `feedback`, `changes`, `idempotencyKeys`.',
  })
  @Column({ type: 'jsonb', default: () => "'{}'" })
  moved: Record<string, number>;

  @Field(() => ID, { nullable: true })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  actor?: User;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}

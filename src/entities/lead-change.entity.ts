import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TransitionCause } from './enums';
import { Lead } from './lead.entity';
import { User } from './user.entity';

@ObjectType({
  description:
    'One change of one field of a lead: who, when, the value before and after. Written in the transaction of the change; the record only grows.',
  simpleResolvers: true,
})
@Entity()
@Index(['leadId', 'at', 'id'])
export class LeadChange {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  leadId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Field({
    description:
      'The field as the API names it: `stage` (values are stage keys), `ownerId`, `dealValue`, `email`, `company`, ..., and `attributes.<key>` for one custom attribute.',
  })
  @Column({ type: 'varchar', length: 100 })
  field: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The value before the change; null when it was unset.' })
  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The value after the change; null when it was cleared.' })
  @Column({ type: 'jsonb', nullable: true })
  after: unknown;

  @Field()
  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Field(() => ID, { nullable: true, description: 'Who made the change; null for the rules and the server.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  actor?: User;

  @Field(() => TransitionCause, {
    description:
      'What made the change: MANUAL (a user through createLead, updateLead or moveLeadToStage), IMPORT (upsertLead, imports), FEEDBACK (a sales verdict moving the lead), RULE (a qualification rule moving the lead).',
  })
  @Column({ type: 'enum', enum: TransitionCause, enumName: 'transition_cause' })
  cause: TransitionCause;
}

import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({
  description:
    'One recorded change to configuration and shared content: funnel stages (with who may move leads into them), SLAs, rule sets, campaigns, personas, users, tokens.',
  simpleResolvers: true,
})
@Entity()
@Index(['subject', 'subjectId', 'at'])
@Index(['at', 'id'])
export class AuditEntry {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { nullable: true, description: 'Who made the change; null for the system.' })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @Field({
    description: 'What kind of thing changed, e.g. `funnel_stage`, `sla`, `campaign`, `persona`, `user`, `api_token`.',
  })
  @Column({ type: 'varchar', length: 50 })
  subject: string;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  subjectId: string | null;

  @Field({ description: '`create`, `update`, `archive`, `reorder`, `revoke`, ...' })
  @Column({ type: 'varchar', length: 50 })
  action: string;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  before: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ type: 'jsonb', nullable: true })
  after: Record<string, unknown> | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}

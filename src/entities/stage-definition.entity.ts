import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { FunnelStage } from './funnel-stage.entity';
import { User } from './user.entity';

/** One text a funnel stage's definition has had, from `at` until the next entry. Append-only. */
@ObjectType({
  description: 'One text of a funnel stage’s definition: in force from `at` until the next entry.',
  simpleResolvers: true,
})
@Entity()
@Index(['stageId', 'at'])
export class StageDefinition {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  stageId: string;

  @ManyToOne(() => FunnelStage, { onDelete: 'CASCADE' })
  @JoinColumn()
  stage?: FunnelStage;

  @Field()
  @Column({ type: 'text' })
  definition: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Who wrote it; null when not recorded (texts from before the history was kept, or seeds).',
  })
  @Index()
  @Column({ type: 'uuid', nullable: true })
  authorId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  author?: User;

  @Field({
    description:
      'When it took effect. A stage that existed before the history was kept starts with its text as of then, dated with the stage’s last update.',
  })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { RescoreJobStatus } from './enums';

@ObjectType({
  description: 'A background re-score of every lead, after a publish or the daily refresh.',
  simpleResolvers: true,
})
@Entity()
@Index(['status', 'createdAt'])
export class RescoreJob {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Why it runs: `publish`, `rollback`, `daily`.' })
  @Column({ type: 'varchar', length: 30 })
  reason: string;

  @Field(() => ID, { nullable: true, description: 'The version whose publishing started it.' })
  @Column({ type: 'uuid', nullable: true })
  ruleSetVersionId: string | null;

  @Field(() => RescoreJobStatus)
  @Column({ type: 'enum', enum: RescoreJobStatus, enumName: 'rescore_job_status', default: RescoreJobStatus.QUEUED })
  status: RescoreJobStatus;

  @Field(() => Int, { description: 'Leads to re-score, counted when the job started.' })
  @Column({ type: 'int', default: 0 })
  total: number;

  @Field(() => Int, { description: 'Leads re-scored so far.' })
  @Column({ type: 'int', default: 0 })
  done: number;

  @Field(() => Int, { description: 'Leads whose score or stage changed.' })
  @Column({ type: 'int', default: 0 })
  changed: number;

  /** The last lead id processed: a restarted job resumes after it. */
  @Column({ type: 'uuid', nullable: true })
  cursor: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last run failed; once the retries are used up (RESCORE_RETRY_LIMIT), why the job gave up.',
  })
  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Field(() => Int, {
    description: 'Runs started so far: the first and its retries (at most 1 + RESCORE_RETRY_LIMIT).',
  })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Field(() => Float, { nullable: true, description: 'Milliseconds spent evaluating rules (engine) so far.' })
  @Column({ type: 'double precision', default: 0 })
  engineMs: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Milliseconds spent reading facts and writing scores (database) so far.',
  })
  @Column({ type: 'double precision', default: 0 })
  databaseMs: number;
}

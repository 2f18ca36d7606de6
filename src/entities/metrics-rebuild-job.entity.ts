import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { RescoreJobStatus } from './enums';

@ObjectType({
  description:
    'A rebuild of the metric rollups from the facts (rebuildMetrics): the per-lead rows of the leads created in [from, to) (every lead when both are null), then the daily sums of their days, exactly.',
  simpleResolvers: true,
})
@Entity()
@Index(['status', 'createdAt'])
export class MetricsRebuildJob {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => Date, { nullable: true, description: 'Leads created at or after this instant; null: no bound.' })
  @Column({ type: 'timestamptz', nullable: true })
  from: Date | null;

  @Field(() => Date, { nullable: true, description: 'Leads created before this instant; null: no bound.' })
  @Column({ type: 'timestamptz', nullable: true })
  to: Date | null;

  @Field(() => RescoreJobStatus, { description: 'QUEUED, RUNNING, DONE or FAILED.' })
  @Column({ type: 'enum', enum: RescoreJobStatus, enumName: 'rescore_job_status', default: RescoreJobStatus.QUEUED })
  status: RescoreJobStatus;

  @Field(() => Int, { description: 'Leads to rebuild, counted when the job started.' })
  @Column({ type: 'int', default: 0 })
  total: number;

  @Field(() => Int, { description: 'Leads rebuilt so far; the daily sums follow once done = total.' })
  @Column({ type: 'int', default: 0 })
  done: number;

  /** The last lead id rebuilt: a restarted job resumes after it. */
  @Column({ type: 'uuid', nullable: true })
  cursor: string | null;

  @Field(() => String, { nullable: true, description: 'Why the run failed.' })
  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Field(() => ID, { nullable: true, description: 'Who asked for it.' })
  @Column({ type: 'uuid', nullable: true })
  requestedById: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

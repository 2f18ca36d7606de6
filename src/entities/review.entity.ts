import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * The periodic review both teams sign: a frozen copy of one period's numbers, taken when OPS
 * creates it. The snapshot is plain JSON (see src/schema/review/review.types.ts for its shape) so
 * later changes to leads, SLAs or rules never alter what was reviewed.
 */
@ObjectType({
  description:
    'The periodic sales and marketing review of one period (a UTC month `2026-03` or quarter `2026-Q1`): a frozen snapshot of that period’s numbers, the participants’ comments and the two teams’ signatures.',
  simpleResolvers: true,
})
@Entity()
export class Review {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'The period reviewed: `YYYY-MM` (a UTC calendar month) or `YYYY-Qn` (a UTC quarter).' })
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 7 })
  period: string;

  @Field({ description: 'Start of the period (inclusive, UTC).' })
  @Column({ type: 'timestamptz' })
  periodStart: Date;

  @Field({ description: 'End of the period (exclusive, UTC).' })
  @Column({ type: 'timestamptz' })
  periodEnd: Date;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  createdById: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  createdBy?: User;

  /** The frozen numbers; exposed through the review resolver as `snapshot`. */
  @Column({ type: 'jsonb' })
  snapshot: Record<string, unknown>;

  @Field({ description: 'When the review was created and its snapshot taken.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

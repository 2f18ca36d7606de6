import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RejectionReason } from './enums';
import { Lead } from './lead.entity';
import { numericTransformer } from './numeric-transformer';

/** How many funnel stages the rollups can tell apart: one bit / one column per slot. */
export const STAGE_SLOTS = 16;

/**
 * The metric rollup of one lead: what its stage history, feedback and deal add up to, in one
 * narrow row, so funnel and lead-quality reports scan rows of ~200 bytes instead of joining the
 * history. Rebuilt from the facts (lead, stage_transition, feedback) by `refreshLeadFacts` in the
 * same transaction that changed them; never written anywhere else.
 *
 * Stages are named by their `slot` (0..15), not their position, so reordering the funnel changes
 * no row: "reached", "next stage" and "moved back" are read against the current order at query
 * time. One timestamp column per slot rather than an array: PostgreSQL array subscripts measured
 * about five times slower than plain columns in a scan of a million rows.
 */
@Entity()
@Index(['createdAt'])
@Index(['campaignId', 'createdAt'])
@Index(['personaId', 'createdAt'])
@Index(['ownerId', 'createdAt'])
export class LeadFact {
  @PrimaryColumn('uuid')
  leadId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  /** The lead's creation time: the cohort a report counts it in. */
  @Column({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ type: 'uuid', nullable: true })
  personaId: string | null;

  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  /** The stage the lead is in now. */
  @Column({ type: 'uuid' })
  stageId: string;

  /** Bit `slot` is set when the lead ever entered that stage. */
  @Column({ type: 'bigint', default: 0 })
  enteredMask: string;

  /** Bit `slot` is set when the lead entered that stage more than once (recycled). */
  @Column({ type: 'bigint', default: 0 })
  reenteredMask: string;

  /**
   * Every move the lead made, as a 16 x 16 bit matrix (from slot x to slot) in four words: bit
   * `(from % 4) * 16 + to` of word `from / 4`. "Moved back from S" is read against the current order.
   */
  @Column({ type: 'bigint', default: 0 })
  moves0: string;

  @Column({ type: 'bigint', default: 0 })
  moves1: string;

  @Column({ type: 'bigint', default: 0 })
  moves2: string;

  @Column({ type: 'bigint', default: 0 })
  moves3: string;

  /** First entry into the stage of slot N. */
  @Column({ type: 'timestamptz', nullable: true })
  enteredAt0: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt1: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt2: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt3: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt4: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt5: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt6: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt7: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt8: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt9: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt10: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt11: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt12: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt13: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt14: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  enteredAt15: Date | null;

  @Column({ type: 'numeric', precision: 15, scale: 2, nullable: true, transformer: numericTransformer })
  dealValue: number | null;

  /** Sales' ACCEPTED verdicts on the lead. */
  @Column({ type: 'int', default: 0 })
  acceptedCount: number;

  /** Sales' REJECTED verdicts on the lead; their reasons below, one element per verdict. */
  @Column({ type: 'int', default: 0 })
  rejectedCount: number;

  @Column({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason', array: true })
  rejectionReasons: RejectionReason[];
}

import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RejectionReason } from './enums';
import { Lead } from './lead.entity';
import { numericTransformer } from './numeric-transformer';

/**
 * Attribution rollup: one row per lead and campaign that touched it, with the lead's outcome
 * copied in, so campaign performance is one scan without joins. A touch is the lead's first-touch
 * campaign (one touch) or one lead-side activity carrying a campaign; `credit` is this campaign's
 * share of the lead's touches (linear multi-touch). Rebuilt with the lead's LeadFact.
 */
@Entity()
@Index(['createdAt'])
@Index(['campaignId', 'createdAt'])
export class LeadCampaignCredit {
  @PrimaryColumn('uuid')
  leadId: string;

  @PrimaryColumn('uuid')
  campaignId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Column({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  /** This is the lead's first-touch campaign. */
  @Column({ type: 'boolean' })
  firstTouch: boolean;

  @Column({ type: 'int' })
  touches: number;

  /** touches / all the lead's touches: the campaign's linear share of the lead, 0 < credit <= 1. */
  @Column({ type: 'double precision' })
  credit: number;

  @Column({ type: 'bigint', default: 0 })
  enteredMask: string;

  @Column({ type: 'numeric', precision: 15, scale: 2, nullable: true, transformer: numericTransformer })
  dealValue: number | null;

  @Column({ type: 'int', default: 0 })
  acceptedCount: number;

  @Column({ type: 'int', default: 0 })
  rejectedCount: number;

  @Column({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason', array: true })
  rejectionReasons: RejectionReason[];
}

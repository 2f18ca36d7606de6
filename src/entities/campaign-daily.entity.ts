import { Column, Entity, PrimaryColumn } from 'typeorm';
import { RejectionReason } from './enums';

/**
 * Attribution rollup by cohort day (UTC), campaign and stages entered: the sums campaign
 * performance needs, first-touch and credit-weighted (see LeadCampaignCredit). Kept by
 * `refreshLeadFacts` in the writing transaction.
 */
@Entity()
export class CampaignDaily {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  campaignId: string;

  @PrimaryColumn('bigint')
  enteredMask: string;

  @Column({ type: 'int' })
  firstTouchLeads: number;

  @Column({ type: 'double precision' })
  credit: number;

  @Column({ type: 'double precision' })
  firstTouchDeal: number;

  @Column({ type: 'double precision' })
  creditDeal: number;

  @Column({ type: 'int' })
  firstTouchAccepted: number;

  @Column({ type: 'double precision' })
  creditAccepted: number;

  @Column({ type: 'int' })
  firstTouchRejected: number;

  @Column({ type: 'double precision' })
  creditRejected: number;
}

/** REJECTED verdicts by cohort day, campaign and reason, first-touch and credit-weighted. */
@Entity()
export class CampaignReasonDaily {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  campaignId: string;

  @PrimaryColumn({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason' })
  reason: RejectionReason;

  @Column({ type: 'int' })
  firstTouch: number;

  @Column({ type: 'double precision' })
  credit: number;
}

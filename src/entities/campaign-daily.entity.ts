import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, ViewEntity } from 'typeorm';
import { RejectionReason } from './enums';
import { foldedAndDeltaView } from './rollup-view';

/** The sums campaign performance needs, first-touch and credit-weighted (see LeadCampaignCredit). */
abstract class CampaignDailyValues {
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

/**
 * Attribution rollup by cohort day (UTC), campaign and stages entered. Written only by the fold
 * and the rebuilds; lead writes append to campaign_daily_delta.
 */
@Entity()
export class CampaignDailyFolded extends CampaignDailyValues {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  campaignId: string;

  @PrimaryColumn('bigint')
  enteredMask: string;
}

/** Signed changes to campaign_daily not folded yet (append-only). */
@Entity()
export class CampaignDailyDelta extends CampaignDailyValues {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'date' })
  day: string;

  @Column('uuid')
  campaignId: string;

  @Column('bigint')
  enteredMask: string;
}

/** campaign_daily as the reports read it: folded rows and unfolded deltas (sum them). */
@ViewEntity({
  name: 'campaign_daily',
  expression: foldedAndDeltaView('campaign_daily_folded', 'campaign_daily_delta', CampaignDailyFolded),
})
export class CampaignDaily {}

abstract class CampaignReasonDailyValues {
  @Column({ type: 'int' })
  firstTouch: number;

  @Column({ type: 'double precision' })
  credit: number;
}

/** REJECTED verdicts by cohort day, campaign and reason, first-touch and credit-weighted (folded). */
@Entity()
export class CampaignReasonDailyFolded extends CampaignReasonDailyValues {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  campaignId: string;

  @PrimaryColumn({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason' })
  reason: RejectionReason;
}

/** Signed changes to campaign_reason_daily not folded yet (append-only). */
@Entity()
export class CampaignReasonDailyDelta extends CampaignReasonDailyValues {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'date' })
  day: string;

  @Column('uuid')
  campaignId: string;

  @Column({ type: 'enum', enum: RejectionReason, enumName: 'rejection_reason' })
  reason: RejectionReason;
}

/** campaign_reason_daily as the reports read it: folded rows and unfolded deltas (sum them). */
@ViewEntity({
  name: 'campaign_reason_daily',
  expression: foldedAndDeltaView(
    'campaign_reason_daily_folded',
    'campaign_reason_daily_delta',
    CampaignReasonDailyFolded,
  ),
})
export class CampaignReasonDaily {}

import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, ViewEntity } from 'typeorm';
import { foldedAndDeltaView } from './rollup-view';

/** The weight of a funnel_daily row: how many leads share its key (signed in a delta). */
abstract class FunnelDailyValues {
  @Column({ type: 'int' })
  leads: number;
}

/**
 * Funnel rollup by cohort day: how many leads created on `day` (UTC) share one combination of
 * current stage and history bitmasks (see LeadFact). A day has a few dozen combinations, so a
 * report over years sums tens of thousands of rows instead of scanning a million leads; the same
 * SQL reads it as it reads lead_fact, with `leads` as the weight.
 *
 * Written only by the fold (foldRollupDeltas) and the rebuilds: a lead write appends its signed
 * change to funnel_daily_delta instead, so no two writers ever wait for one of these shared rows.
 */
@Entity()
export class FunnelDailyFolded extends FunnelDailyValues {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  stageId: string;

  @PrimaryColumn('bigint')
  enteredMask: string;

  @PrimaryColumn('bigint')
  reenteredMask: string;

  @PrimaryColumn('bigint')
  moves0: string;

  @PrimaryColumn('bigint')
  moves1: string;

  @PrimaryColumn('bigint')
  moves2: string;

  @PrimaryColumn('bigint')
  moves3: string;
}

/**
 * Signed changes to funnel_daily not folded yet: a lead write INSERTs the lead's old key with -1
 * and its new key with +1. Append-only (no unique key), so concurrent writers never conflict.
 */
@Entity()
export class FunnelDailyDelta extends FunnelDailyValues {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'date' })
  day: string;

  @Column('uuid')
  stageId: string;

  @Column('bigint')
  enteredMask: string;

  @Column('bigint')
  reenteredMask: string;

  @Column('bigint')
  moves0: string;

  @Column('bigint')
  moves1: string;

  @Column('bigint')
  moves2: string;

  @Column('bigint')
  moves3: string;
}

/**
 * What the reports read: folded rows and unfolded deltas together, so a report is exact the moment
 * a write commits and a fold changes no sum. A key may appear on several rows: read it summed.
 */
@ViewEntity({
  name: 'funnel_daily',
  expression: foldedAndDeltaView('funnel_daily_folded', 'funnel_daily_delta', FunnelDailyFolded),
})
export class FunnelDaily {}

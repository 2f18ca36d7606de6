import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Funnel rollup by cohort day: how many leads created on `day` (UTC) share one combination of
 * current stage and history bitmasks (see LeadFact). A day has a few dozen combinations, so a
 * report over years sums tens of thousands of rows instead of scanning a million leads; the same
 * SQL reads it as it reads lead_fact, with `leads` as the weight. Kept by `refreshLeadFacts` in
 * the writing transaction (old row subtracted, new row added).
 */
@Entity()
export class FunnelDaily {
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

  @Column({ type: 'int' })
  leads: number;
}

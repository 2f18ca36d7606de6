import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Funnel rollup for the times to the next stage: one row per lead and open stage it first entered
 * before it first reached the stage's next stage (or any later open or won stage), with the hours
 * between, the value funnelReport's medianHoursToNext and p90HoursToNext take percentiles of. A
 * percentile over a million leads then reads an index already in order instead of computing and
 * sorting the times of every lead.
 *
 * Unlike LeadFact, the rows depend on the funnel's order and kinds (which stage is "next"): a
 * reorder or a change of kind marks them stale (StageTimeState) and a background pass rebuilds
 * them, lead by lead, while reports compute the times from lead_fact. A lead's rows are rebuilt
 * with its LeadFact, in the same transaction. No foreign key to lead: a rebuild must not take a
 * key-share lock on every lead a writer may hold.
 */
@Entity()
// Read in order of hours for a whole stage, or by cohort range with the hours in the key (index only).
@Index(['stageId', 'hoursToNext'])
@Index(['stageId', 'createdAt', 'hoursToNext'])
export class LeadStageTime {
  @PrimaryColumn('uuid')
  leadId: string;

  @PrimaryColumn('uuid')
  stageId: string;

  /** The lead's creation time: the cohort a report counts it in. */
  @Column({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  /** Hours from the first entry into the stage to the first reach of its next stage (positive). */
  @Column({ type: 'float8' })
  hoursToNext: number;
}

/**
 * One row: `generation` counts the funnel edits that changed which stage is next for some stage;
 * `builtGeneration` is the one lead_stage_time was last rebuilt for. While they differ, funnelReport
 * does not read lead_stage_time.
 */
@Entity()
export class StageTimeState {
  @PrimaryColumn('smallint')
  id: number;

  @Column({ type: 'int', default: 0 })
  generation: number;

  @Column({ type: 'int', default: 0 })
  builtGeneration: number;
}

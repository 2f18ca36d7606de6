import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, ViewEntity } from 'typeorm';
import { Sla } from './sla.entity';
import { foldedAndDeltaView } from './rollup-view';

/** owner_id of the cases of leads without an owner (a primary key column cannot be null). */
export const NO_OWNER = '00000000-0000-0000-0000-000000000000';

/** How many cases were completed on time (met), completed late, or not completed (open). */
abstract class SlaDailyValues {
  @Column({ type: 'int' })
  met: number;

  @Column({ type: 'int' })
  late: number;

  @Column({ type: 'int' })
  open: number;

  /** Of the cases not met, those whose attempts would have met it at their reported times (late-logged). */
  @Column({ type: 'int', default: 0 })
  lateLogged: number;
}

/**
 * SLA rollup for RESPONSE_TIME and FOLLOW_UP SLAs: per SLA, UTC day of the clock start, owner and
 * terms version, the cases met, late and open. An open case is breached once its due time has
 * passed, so a report reads these rows for the days whose every due time has passed and the cases
 * themselves (stage_visit) for the rest. Written by the fold and by rebuildSlaDaily (an SLA created
 * or its terms changed); lead writes append to sla_daily_delta.
 */
@Entity()
export class SlaDailyFolded extends SlaDailyValues {
  @PrimaryColumn('uuid')
  slaId: string;

  @ManyToOne(() => Sla, { onDelete: 'CASCADE' })
  @JoinColumn()
  sla?: Sla;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn('uuid')
  ownerId: string;

  /** The SLA's terms version in force when the cases' clocks started (sla_terms.version). */
  @PrimaryColumn({ type: 'int' })
  termsVersion: number;
}

/**
 * Signed changes to sla_daily not folded yet (append-only). No foreign key: its check would lock
 * the SLA's row (FOR KEY SHARE) in every lead write, a shared row again.
 */
@Entity()
export class SlaDailyDelta extends SlaDailyValues {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column('uuid')
  slaId: string;

  @Column({ type: 'date' })
  day: string;

  @Column('uuid')
  ownerId: string;

  @Column({ type: 'int' })
  termsVersion: number;
}

/** sla_daily as the reports read it: folded rows and unfolded deltas (sum them). */
@ViewEntity({
  name: 'sla_daily',
  expression: foldedAndDeltaView('sla_daily_folded', 'sla_daily_delta', SlaDailyFolded),
})
export class SlaDaily {}

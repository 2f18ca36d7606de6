import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Sla } from './sla.entity';

/** owner_id of the cases of leads without an owner (a primary key column cannot be null). */
export const NO_OWNER = '00000000-0000-0000-0000-000000000000';

/**
 * SLA rollup for RESPONSE_TIME and FOLLOW_UP SLAs: per SLA, UTC day of the clock start, owner and terms version,
 * how many cases were completed on time (met), completed late, or not completed (open). An open
 * case is breached once its due time has passed, so a report reads these rows for the days whose
 * every due time has passed and the cases themselves (stage_visit) for the rest. Kept by
 * `refreshLeadFacts` in the writing transaction, and rebuilt for an SLA when it is created or its
 * terms change.
 */
@Entity()
export class SlaDaily {
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

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An SLA clock event that has fired for one case (a stage visit judged by one SLA): the primary
 * key makes each of `at_risk`, `breached` and `met` fire at most once per case, whatever the
 * restarts and however many processes run the clock.
 */
@Entity()
export class SlaClockAlert {
  @PrimaryColumn({ type: 'uuid' })
  visitId: string;

  @PrimaryColumn({ type: 'uuid' })
  slaId: string;

  /** `at_risk`, `breached` or `met`. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'uuid' })
  eventId: string;

  @Column({ type: 'timestamptz', precision: 3 })
  firedAt: Date;
}

import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Lead } from './lead.entity';

/**
 * SLA rollup: one row per entry of a lead into a stage (its id is the entering transition's),
 * with the sales contact attempts that followed it, so SLA reports and statuses read one row per
 * case. The attempts counted for an entry are the lead's CALL, EMAIL_SENT and MEETING activities
 * from the entry until the lead next enters the same stage. Rebuilt with the lead's LeadFact.
 */
@Entity()
// Key columns beyond the keyset (stage, entered_at, id) let a RESPONSE_TIME report read the index only.
@Index(['stageId', 'enteredAt', 'id', 'ownerId', 'firstContactAt'])
export class StageVisit {
  @PrimaryColumn('uuid')
  id: string;

  @Index()
  @Column({ type: 'uuid' })
  leadId: string;

  @ManyToOne(() => Lead, { onDelete: 'CASCADE' })
  @JoinColumn()
  lead?: Lead;

  @Column({ type: 'uuid' })
  stageId: string;

  /** The lead's owner when it entered the stage (stage_transition.owner_id): the case's owner for good. */
  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({ type: 'timestamptz' })
  enteredAt: Date;

  /** When the lead next entered the same stage; contact attempts from then on belong to that entry. */
  @Column({ type: 'timestamptz', nullable: true })
  nextEntryAt: Date | null;

  /** The first contact attempt's counted time (see countedAtSql). */
  @Column({ type: 'timestamptz', nullable: true })
  firstContactAt: Date | null;

  /**
   * Every contact attempt in the window, by the time it counts at (occurredAt, or recordedAt when
   * logged more than the grace after it), oldest first; the window is judged on those times too.
   */
  @Column({ type: 'timestamptz', array: true })
  contactTimes: Date[];

  /** When each of contactTimes' attempts was recorded (same order). */
  @Column({ type: 'timestamptz', array: true, default: () => "'{}'" })
  contactRecordedTimes: Date[];

  /** The same attempts' reported times (occurredAt), oldest first: what they would have decided. */
  @Column({ type: 'timestamptz', array: true, default: () => "'{}'" })
  reportedContactTimes: Date[];
}

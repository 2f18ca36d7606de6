import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

/**
 * One domain event, written in the transaction of the change it describes (src/events/outbox.ts):
 * it exists exactly when the change committed. Webhook deliveries and subscriptions read from here.
 * No foreign key to the lead: an event outlives nothing it must block (a lead's erasure removes its
 * events explicitly).
 */
@Entity()
@Index(['leadId', 'sequence'], { unique: true })
@Index('IDX_outbox_event_undispatched', ['position'], { where: 'dispatched_at IS NULL' })
export class OutboxEvent {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Global order of insertion (not of commit): the order in which events are fanned out. */
  @Column({ type: 'bigint' })
  @Generated('increment')
  position: string;

  /** A dotted name from EVENT_TYPES: `lead.created`, `sla.breached`, ... */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ type: 'uuid', nullable: true })
  leadId: string | null;

  /** 1, 2, 3, ... per lead, in the order of the lead's changes (the lead row is locked when written). */
  @Column({ type: 'int', nullable: true })
  sequence: number | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'clock_timestamp()' })
  occurredAt: Date;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  /** When the dispatcher made this event's webhook deliveries; null until then. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  dispatchedAt: Date | null;
}

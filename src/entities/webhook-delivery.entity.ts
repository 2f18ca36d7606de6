import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OutboxEvent } from './outbox-event.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description:
    'PENDING: not yet acknowledged (waiting, or retrying with backoff); DELIVERED: the endpoint answered 2xx; DEAD: dead-lettered after WEBHOOK_MAX_ATTEMPTS failed attempts (redeliverWebhooks replays it).',
});

@ObjectType({
  description: 'One event for one endpoint: its attempts, their answers and what happens next.',
  simpleResolvers: true,
})
@Entity()
@Index(['endpointId', 'eventId'], { unique: true })
@Index('IDX_webhook_delivery_pending', ['endpointId', 'leadId', 'position'], { where: `status = 'PENDING'` })
@Index('IDX_webhook_delivery_due', ['nextAttemptAt'], { where: `status = 'PENDING'` })
@Index(['endpointId', 'position'])
export class WebhookDelivery {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  endpointId: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn()
  endpoint?: WebhookEndpoint;

  @Field(() => ID, { description: 'The event id: the `webhook-id` header, the same on every attempt.' })
  @Index()
  @Column({ type: 'uuid' })
  eventId: string;

  @ManyToOne(() => OutboxEvent, { onDelete: 'CASCADE' })
  @JoinColumn()
  event?: OutboxEvent;

  @Field()
  @Column({ type: 'varchar', length: 64 })
  eventType: string;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  leadId: string | null;

  /** The event's global position: a lead's deliveries go out in this order. */
  @Column({ type: 'bigint' })
  position: string;

  @Field(() => WebhookDeliveryStatus)
  @Column({
    type: 'enum',
    enum: WebhookDeliveryStatus,
    enumName: 'webhook_delivery_status',
    default: WebhookDeliveryStatus.PENDING,
  })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => Date, {
    nullable: true,
    description: 'When the next attempt is due; null once delivered or dead-lettered.',
  })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  /** A worker holds the delivery until then (an attempt in flight); a crashed worker's hold expires. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lockedUntil: Date | null;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when it got no answer.' })
  @Column({ type: 'int', nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last attempt failed (network error, timeout, refused address).',
  })
  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds from sending the last attempt to its answer.' })
  @Column({ type: 'int', nullable: true })
  lastLatencyMs: number | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deadAt: Date | null;

  @Field({ description: 'When the delivery was queued (or queued again by redeliverWebhooks).' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookDelivery } from './webhook-delivery.entity';

@ObjectType({ description: 'One HTTP attempt of one delivery.', simpleResolvers: true })
@Entity()
@Index(['deliveryId', 'at'])
export class WebhookAttempt {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  deliveryId: string;

  @ManyToOne(() => WebhookDelivery, { onDelete: 'CASCADE' })
  @JoinColumn()
  delivery?: WebhookDelivery;

  @Field()
  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Field(() => Int, { nullable: true, description: 'HTTP status; null when there was no answer.' })
  @Column({ type: 'int', nullable: true })
  statusCode: number | null;

  @Field(() => Int)
  @Column({ type: 'int' })
  latencyMs: number;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  error: string | null;
}

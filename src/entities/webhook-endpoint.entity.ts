import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@ObjectType({
  description:
    'A URL that receives signed event deliveries (Standard Webhooks). Managed by OPS and ADMIN; every change is audited. Its secret is answered once, by createWebhookEndpoint and rotateWebhookSecret, and never again.',
  simpleResolvers: true,
})
@Entity()
export class WebhookEndpoint {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'An https:// (or http://) URL; private, loopback and link-local targets are refused.' })
  @Column({ type: 'varchar', length: 2000 })
  url: string;

  @Field(() => [String], { description: 'The dotted event types delivered here, e.g. `lead.qualified`.' })
  @Column({ type: 'varchar', length: 64, array: true })
  eventTypes: string[];

  @Field({ description: 'Inactive endpoints receive nothing: events are not queued for them.' })
  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** Standard Webhooks secret (`whsec_` + base64); never a GraphQL field. */
  @Column({ type: 'varchar', length: 200 })
  secret: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'When delivery was paused after WEBHOOK_PAUSE_AFTER_FAILURES consecutive failed attempts; events keep queueing. updateWebhookEndpoint(active: true) resumes.',
  })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  pausedAt: Date | null;

  @Field(() => Int, { description: 'Failed attempts since the last successful one (any delivery).' })
  @Column({ type: 'int', default: 0 })
  consecutiveFailures: number;

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A mutation answered under a client's idempotency key: a retry with the same key and the same
 * payload gets `response` back instead of writing again. Scoped per user (one client's keys never
 * meet another's) and kept until `expiresAt`. Written in the transaction of the mutation itself,
 * so a key exists exactly when the mutation's writes do.
 */
@Entity()
@Index(['userId', 'key'], { unique: true })
export class IdempotencyKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The unique (user_id, key) index serves lookups by user too. */
  @Column({ type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn()
  user: User;

  @Column({ type: 'varchar', length: 255 })
  key: string;

  /** The mutation field the key was used with, e.g. `upsertLead`. */
  @Column({ type: 'varchar', length: 50 })
  operation: string;

  /** SHA-256 of the mutation's arguments in canonical JSON: a retry must send the same. */
  @Column({ type: 'char', length: 64 })
  requestHash: string;

  /** The first answer, as JSON; null only inside the transaction that claims the key. */
  @Column({ type: 'jsonb', nullable: true })
  response: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** After this the key is forgotten (deleted by a periodic sweep, reusable before the sweep). */
  @Index()
  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}

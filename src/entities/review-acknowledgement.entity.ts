import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from './enums';
import { Review } from './review.entity';
import { User } from './user.entity';

@ObjectType({
  description: 'A signature on a review: this user read the numbers and renews the commitments for their team.',
  simpleResolvers: true,
})
@Entity()
@Index(['reviewId', 'userId'], { unique: true })
export class ReviewAcknowledgement {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  reviewId: string;

  @ManyToOne(() => Review, { onDelete: 'CASCADE' })
  @JoinColumn()
  review?: Review;

  @Index()
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn()
  user?: User;

  @Field(() => Role, { description: 'The team the signer signed for: their role when signing.' })
  @Column({ type: 'enum', enum: Role, enumName: 'user_role' })
  role: Role;

  @Field({ description: 'An optional remark with the signature (e.g. a commitment for the next period).' })
  @Column({ type: 'text', default: '' })
  note: string;

  @Field({ description: 'When it was signed.' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}

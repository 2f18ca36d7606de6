import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, DeleteDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Role } from './enums';

@ObjectType({ description: 'Someone who calls the API.', simpleResolvers: true })
@Entity()
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Exposed through a field resolver: only ADMIN and the user themself may read it. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Field(() => Role)
  @Column({ type: 'enum', enum: Role, enumName: 'user_role' })
  role: Role;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** A deleted user keeps its history (transitions, feedback) but can no longer call the API. */
  @DeleteDateColumn({ type: 'timestamptz' })
  deletedAt: Date | null;
}

import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

@ObjectType({ description: 'A buyer persona that marketing targets and sales talks to.', simpleResolvers: true })
@Entity()
export class Persona {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 120 })
  name: string;

  @Field()
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  pains: string[];

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  goals: string[];

  @Field(() => [String])
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  objections: string[];

  @Field(() => [String], { description: 'What sales can say to this persona; reused across campaigns.' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  talkingPoints: string[];

  @Field(() => Date, { nullable: true, description: 'Set when archived; archived personas stay on past leads.' })
  @Column({ type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Int)
  @VersionColumn()
  version: number;
}

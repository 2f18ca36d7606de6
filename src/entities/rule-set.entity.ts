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
import { RuleSetKind } from './enums';

@ObjectType({
  description: 'An editable set of scoring or qualification rules with numbered versions.',
  simpleResolvers: true,
})
@Entity()
export class RuleSet {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 120 })
  name: string;

  @Field(() => RuleSetKind)
  @Column({ type: 'enum', enum: RuleSetKind, enumName: 'rule_set_kind' })
  kind: RuleSetKind;

  @Field()
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => ID, { nullable: true, description: 'The published version in force; null until one is published.' })
  @Column({ type: 'uuid', nullable: true })
  activeVersionId: string | null;

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

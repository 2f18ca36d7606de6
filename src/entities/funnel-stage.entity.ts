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
import { Role, StageKind } from './enums';

@ObjectType({
  description: 'One stage of the single funnel, with the definition both teams agreed on.',
  simpleResolvers: true,
})
@Entity()
export class FunnelStage {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Stable machine key, e.g. `mql`; lower-case letters, digits and underscores.' })
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 50 })
  key: string;

  @Field()
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Field({ description: 'The written, jointly agreed definition of when a lead is in this stage.' })
  @Column({ type: 'text' })
  definition: string;

  @Field(() => Int, { description: 'Order in the funnel, 1 first. Stages are read in this order.' })
  @Column({ type: 'int' })
  position: number;

  /**
   * A stable number 0..15 naming the stage inside the per-lead metric rollups (bitmasks and one
   * timestamp column per slot, see LeadFact). Assigned once when the stage is created; positions
   * may change, slots never do. Not part of the API.
   */
  @Index({ unique: true })
  @Column({ type: 'smallint' })
  slot: number;

  @Field(() => StageKind)
  @Column({ type: 'enum', enum: StageKind, enumName: 'stage_kind', default: StageKind.OPEN })
  kind: StageKind;

  @Field(() => [Role], {
    description:
      'The roles that may move a lead into this stage by hand (moveLeadToStage, or createLead / upsertLead naming it). ADMIN always may. OPS and ADMIN edit it with updateFunnelStage; every edit is in the audit log. Moves by the rules and by a sales verdict follow their own policy.',
  })
  @Column({ type: 'enum', enum: Role, enumName: 'user_role', array: true })
  manualEntryRoles: Role[];

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

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinTable,
  ManyToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { CampaignChannel, CampaignStatus } from './enums';
import { Persona } from './persona.entity';
import { numericTransformer } from './numeric-transformer';

@ObjectType({ description: 'A marketing campaign that sales must know about.', simpleResolvers: true })
@Entity()
export class Campaign {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => CampaignChannel)
  @Index()
  @Column({ type: 'enum', enum: CampaignChannel, enumName: 'campaign_channel' })
  channel: CampaignChannel;

  @Field(() => CampaignStatus)
  @Column({ type: 'enum', enum: CampaignStatus, enumName: 'campaign_status', default: CampaignStatus.PLANNED })
  status: CampaignStatus;

  @Field()
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  startsAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  endsAt: Date | null;

  @Field(() => Float, { nullable: true, description: 'Total spend planned for the campaign, in the company currency.' })
  @Column({ type: 'numeric', precision: 15, scale: 2, nullable: true, transformer: numericTransformer })
  budget: number | null;

  @Field(() => [String], { description: 'What sales can say about this campaign to the leads it brings.' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  talkingPoints: string[];

  @ManyToMany(() => Persona)
  @JoinTable({ name: 'campaign_target_persona' })
  targetPersonas: Persona[];

  @Field()
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field()
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Field(() => Int)
  @VersionColumn()
  version: number;
}

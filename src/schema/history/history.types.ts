import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Lead } from '../../entities/lead.entity';
import { LeadMerge } from '../../entities/lead-merge.entity';

@ObjectType({ description: 'One field the survivor of a merge takes from a duplicate.' })
export class MergedField {
  @Field({ description: 'The field as Lead.changes names it: `company`, `ownerId`, `attributes.<key>`, `createdAt`.' })
  field: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The survivor’s value before the merge.' })
  before: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Its value after.' })
  after: unknown;

  @Field(() => ID, { nullable: true, description: 'The duplicate the value comes from.' })
  fromLeadId: string | null;
}

@ObjectType({ description: 'How many records move from the duplicates to the survivor.' })
export class MergeCounts {
  @Field(() => Int)
  activities: number;

  @Field(() => Int)
  stageTransitions: number;

  @Field(() => Int)
  feedback: number;

  @Field(() => Int, { description: 'Rows of the duplicates’ record of changes (Lead.changes).' })
  changes: number;

  @Field(() => Int, {
    description: 'Idempotency keys whose stored answer named a duplicate; they answer with the survivor.',
  })
  idempotencyKeys: number;
}

@ObjectType({ description: 'What mergeLeads did, or with dryRun: true what it would do (nothing is written).' })
export class MergeLeadsPayload {
  @Field()
  dryRun: boolean;

  @Field(() => Lead, { description: 'The survivor after the merge (with dryRun: as it would be).' })
  survivor: Lead;

  @Field(() => [ID], { description: 'The duplicates, deleted by the merge.' })
  removedLeadIds: string[];

  @Field(() => [String], { description: 'Their emails, kept in the merge record.' })
  removedEmails: string[];

  @Field(() => [MergedField])
  fields: MergedField[];

  @Field(() => MergeCounts)
  moved: MergeCounts;

  @Field(() => LeadMerge, { nullable: true, description: 'The merge record; null for a dry run.' })
  merge: LeadMerge | null;
}

@ObjectType({ description: 'A retention run over activity metadata (ACTIVITY_RETENTION_DAYS).' })
export class ActivityRetentionRun {
  @Field({ description: 'True: rows were counted, nothing changed.' })
  dryRun: boolean;

  @Field(() => Int, { nullable: true, description: 'ACTIVITY_RETENTION_DAYS; null: metadata is kept forever.' })
  retentionDays: number | null;

  @Field(() => Date, { nullable: true, description: 'Activities that occurred before this lose their metadata.' })
  cutoff: Date | null;

  @Field(() => Int, { description: 'Activities whose metadata was (dry run: would be) cleared.' })
  rows: number;
}

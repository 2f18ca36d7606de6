import { Field, Float, Int, ObjectType } from 'type-graphql';
import { FunnelStage } from '../../entities/funnel-stage.entity';

@ObjectType({
  description:
    'One stage of the funnel for a cohort. Open and won stages are read in funnel order; a lead "reached" an open or won stage when it entered that stage or any later open or won stage (so skipping counts as passing); a lost stage is reached only by entering it. All counts are of distinct leads of the cohort, using their stage history up to asOf.',
})
export class FunnelStageMetrics {
  @Field(() => FunnelStage)
  stage: FunnelStage;

  @Field(() => FunnelStage, {
    nullable: true,
    description:
      'The stage this one converts to: the next open or won stage in funnel order; null for won and lost stages and the last open one.',
  })
  nextStage: FunnelStage | null;

  @Field(() => Int, { description: 'Leads with at least one transition into this stage.' })
  entered: number;

  @Field(() => Int, {
    description: 'Leads that reached this stage: entered it, or (open and won stages) any later open or won stage.',
  })
  reached: number;

  @Field(() => Int, { description: 'reached − entered: leads that passed this stage without entering it.' })
  skipped: number;

  @Field(() => Int, { description: 'Leads whose stage at asOf (now by default) is this one.' })
  current: number;

  @Field(() => Int, {
    description:
      'Leads that at least once moved from this stage to a stage earlier in the funnel order (rejected MQLs sent back to nurture, revived lost leads).',
  })
  movedBack: number;

  @Field(() => Int, { description: 'Leads that entered this stage more than once (recycled).' })
  reentered: number;

  @Field(() => Float, { nullable: true, description: 'reached / the cohort’s leads; null for an empty cohort.' })
  reachedShare: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'reached of nextStage / reached of this stage (0..1); null without a next stage or when no lead reached this one.',
  })
  conversionToNext: number | null;

  /** [median, p90] of the hours to the next stage; see the field resolvers in metrics.resolver.ts. */
  hoursToNext: () => Promise<[number | null, number | null]>;
}

@ObjectType({
  description:
    'The funnel of a cohort of leads (see LeadCohortFilter), computed from the stage history. Backward moves and recycled leads are counted in movedBack, reentered and recycled, never hidden.',
})
export class FunnelReport {
  @Field(() => Date, { nullable: true, description: 'The cohort’s lower bound (created at or after), if any.' })
  createdFrom: Date | null;

  @Field(() => Date, { nullable: true, description: 'The cohort’s upper bound (created before), if any.' })
  createdTo: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'The instant the funnel is shown at: only leads created by then and history up to then count. Null: now.',
  })
  asOf: Date | null;

  @Field(() => Int, { description: 'Leads in the cohort.' })
  leads: number;

  @Field(() => Int, { description: 'Leads of the cohort that entered some stage more than once.' })
  recycled: number;

  @Field(() => [FunnelStageMetrics], { description: 'Every stage, in funnel order.' })
  stages: FunnelStageMetrics[];

  /** Won revenue of the cohort; see the field resolver in metrics.resolver.ts. */
  wonRevenue: () => Promise<number>;
}

export const WON_REVENUE =
  'Sum of dealValue (its value now) of the cohort’s leads that entered a WON stage by asOf (now by default); 0 when none did. Computed from the per-lead rows, only when selected.';

export const MEDIAN_HOURS_TO_NEXT =
  'Median, in hours, over leads that entered this stage and later reached nextStage: the time from their first entry into this stage to their first entry into nextStage or any later open or won stage (interpolated, PostgreSQL percentile_cont). Leads that reached nextStage before first entering this stage are left out. Null when there is no such lead. Computed from the per-lead rows, only when selected.';
export const P90_HOURS_TO_NEXT = 'The 90th percentile of the same times as medianHoursToNext.';

import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Sla } from '../../entities/sla.entity';
import { Connection } from '../connection';

export enum SlaCaseStatus {
  ON_TRACK = 'ON_TRACK',
  AT_RISK = 'AT_RISK',
  BREACHED = 'BREACHED',
  MET = 'MET',
}
registerEnumType(SlaCaseStatus, {
  name: 'SlaCaseStatus',
  description:
    'MET: completed (first contact, or the required number of attempts) by the due time. BREACHED: not completed by the due time, which has passed. AT_RISK: not completed, due time still ahead, and at least 75% of the allowed time used. ON_TRACK: not completed, less than 75% used.',
});

export enum SlaPeriodStatus {
  MET = 'MET',
  BREACHED = 'BREACHED',
  PENDING = 'PENDING',
}
registerEnumType(SlaPeriodStatus, {
  name: 'SlaPeriodStatus',
  description:
    'MET: actual reached the target. BREACHED: the period ended below target. PENDING: in progress, below target.',
});

@ObjectType({
  description:
    'One SLA case: one entry of a lead into the SLA’s stage. The clock starts at the entry; the attempts counted are the lead’s CALL, EMAIL_SENT and MEETING activities from the entry until the lead next enters the same stage.',
})
export class SlaCase {
  @Field(() => ID)
  visitId: string;

  @Field(() => ID)
  leadId: string;

  @Field(() => ID)
  slaId: string;

  @Field(() => ID, { nullable: true, description: 'The lead’s owner now.' })
  ownerId: string | null;

  @Field({ description: 'When the lead entered the SLA’s stage: the clock starts.' })
  startedAt: Date;

  @Field({ description: 'startedAt + withinHours (RESPONSE_TIME) or + withinDays (FOLLOW_UP).' })
  dueAt: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'The first attempt (RESPONSE_TIME) or the attempts-th attempt (FOLLOW_UP); null until it happens.',
  })
  completedAt: Date | null;

  @Field(() => Int, { description: 'Contact attempts counted for this case so far.' })
  attempts: number;

  @Field(() => SlaCaseStatus, { description: 'The status now.' })
  status: SlaCaseStatus;
}

@ObjectType()
export class SlaCaseConnection extends Connection(SlaCase) {}

@ObjectType({
  description:
    'Compliance of the cases of a RESPONSE_TIME or FOLLOW_UP SLA whose clock started in [from, to), at the time of the report (see SlaCaseStatus). For LEAD_VOLUME the cases are the periods.',
})
export class SlaCompliance {
  @Field(() => ID, {
    nullable: true,
    description: 'Per owner: the leads’ owner now (null: unassigned). Null in the total.',
  })
  ownerId: string | null;

  @Field(() => Int, { description: 'Cases (LEAD_VOLUME: periods) counted.' })
  cases: number;

  @Field(() => Int, { description: 'Cases completed by their due time.' })
  met: number;

  @Field(() => Int, {
    description: 'Cases not completed by their due time, which has passed (whether completed late or never).',
  })
  breached: number;

  @Field(() => Int, { description: 'cases − met − breached: not completed, due time still ahead.' })
  pending: number;

  @Field(() => Float, {
    nullable: true,
    description: 'met / (met + breached); pending cases are left out. Null when both are 0.',
  })
  compliance: number | null;

  /** [median, p90]; see the field resolvers in metrics.resolver.ts. */
  hoursToComplete: () => Promise<[number | null, number | null]>;
}

@ObjectType({
  description:
    'One period (UTC calendar month or quarter) of a LEAD_VOLUME SLA: leads that reached the SLA’s stage for the first time during it, for the SLA’s persona / campaign if it has one. "Reached" as in the funnel: entered the stage or any later open or won stage.',
})
export class SlaPeriodResult {
  @Field()
  start: Date;

  @Field({ description: 'Exclusive.' })
  end: Date;

  @Field(() => Int)
  actual: number;

  @Field(() => Int)
  target: number;

  @Field(() => SlaPeriodStatus)
  status: SlaPeriodStatus;
}

@ObjectType({ description: 'How an SLA was kept in [from, to), computed when asked (`at`).' })
export class SlaReport {
  @Field(() => Sla)
  sla: Sla;

  @Field()
  from: Date;

  @Field()
  to: Date;

  @Field({ description: 'The instant statuses are judged at (now).' })
  at: Date;

  @Field(() => SlaCompliance, { description: 'All the cases (LEAD_VOLUME: the periods overlapping [from, to)).' })
  total: SlaCompliance;

  @Field(() => [SlaCompliance], { description: 'The same per owner of the leads, most cases first (time SLAs only).' })
  byOwner: SlaCompliance[];

  @Field(() => [SlaPeriodResult], {
    description: 'LEAD_VOLUME: every period overlapping [from, to), whole; empty otherwise.',
  })
  periods: SlaPeriodResult[];
}

@ObjectType({
  description:
    'Where a LEAD_VOLUME SLA stands at `at` in the period (UTC calendar month or quarter) that contains it. Actual counts leads that reached the SLA’s stage for the first time between the period start and `at`.',
})
export class GoalProgress {
  @Field(() => Sla)
  sla: Sla;

  @Field()
  at: Date;

  @Field()
  periodStart: Date;

  @Field({ description: 'Exclusive.' })
  periodEnd: Date;

  @Field(() => Int)
  target: number;

  @Field(() => Int)
  actual: number;

  @Field(() => Float, {
    description: 'target × (at − periodStart) / (periodEnd − periodStart): where an even pace would be.',
  })
  expectedToDate: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'actual × (periodEnd − periodStart) / (at − periodStart): the period’s total if the pace so far holds. Null at the period start.',
  })
  projected: number | null;

  @Field(() => Float, { description: 'max(0, target − actual) / days left in the period (0 once it has ended).' })
  dailyRateNeeded: number;
}

export const MEDIAN_HOURS_TO_COMPLETE =
  'Median hours from startedAt to completedAt over the completed cases, on time or late (response time for RESPONSE_TIME; time to the required attempts for FOLLOW_UP), interpolated. Null without completed cases or for LEAD_VOLUME. Computed only when selected.';
export const P90_HOURS_TO_COMPLETE = 'The 90th percentile of the same hours as medianHoursToComplete.';

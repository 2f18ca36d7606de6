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
    'One SLA case: one entry of a lead into the SLA’s stage. The clock starts at the entry; the attempts counted are the lead’s CALL, EMAIL_SENT and MEETING activities from the entry until the lead next enters the same stage, each at the time it counts at: its occurredAt when recorded within SLA_BACKDATE_GRACE_MINUTES (default 60) of it, else its recordedAt. The case is judged by the SLA’s terms version in force when its clock started, and belongs to the owner the lead had then: reassigning the lead later moves its future cases, not this one.',
})
export class SlaCase {
  @Field(() => ID)
  visitId: string;

  @Field(() => ID)
  leadId: string;

  @Field(() => ID)
  slaId: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The owner the lead had when the clock started (null: unassigned), whoever owns it now.',
  })
  ownerId: string | null;

  @Field(() => Int, { description: 'The SLA’s terms version that judges this case: the one in force at startedAt.' })
  termsVersion: number;

  @Field({ description: 'When the lead entered the SLA’s stage: the clock starts.' })
  startedAt: Date;

  @Field({ description: 'startedAt + withinHours (RESPONSE_TIME) or + withinDays (FOLLOW_UP).' })
  dueAt: Date;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the first attempt (RESPONSE_TIME) or the attempts-th attempt (FOLLOW_UP) counts: its occurredAt, or its recordedAt when it was logged more than the grace after occurredAt; null until it happens.',
  })
  completedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the attempt that completes the case was logged (its recordedAt).',
  })
  completedRecordedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the case would be completed at the attempts’ reported times (occurredAt), whenever logged.',
  })
  reportedCompletedAt: Date | null;

  @Field({
    description:
      'Decided by late-logged contacts: not met, although reportedCompletedAt is by dueAt (the reported times would have met it, but the attempts were logged too late to count then).',
  })
  lateLogged: boolean;

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
    description:
      'Per owner: the owner the lead had when the case’s clock started (null: unassigned); a reassignment moves a lead’s later cases, not its past ones. Null in the total and per terms version.',
  })
  ownerId: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Per terms version: the version that judged these cases (see Sla.termsHistory). Null otherwise.',
  })
  termsVersion: number | null;

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

  @Field(() => Int, {
    description:
      'Cases decided by late-logged contacts: not met, although the attempts at their reported times (occurredAt) would have met them; those attempts were recorded more than SLA_BACKDATE_GRACE_MINUTES after occurredAt and count at recordedAt. 0 for LEAD_VOLUME.',
  })
  lateLoggedCases: number;

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

  @Field(() => Int, { description: 'The target of the terms in force when the period began.' })
  target: number;

  @Field(() => Int, { nullable: true, description: 'The terms version in force when the period began.' })
  termsVersion: number | null;

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

  @Field(() => [SlaCompliance], {
    description:
      'The same per owner the leads had when each case’s clock started, most cases first (time SLAs only). A reassignment does not move past cases.',
  })
  byOwner: SlaCompliance[];

  @Field(() => [SlaCompliance], {
    description:
      'The same per terms version that judged the cases (each case by the version in force when its clock started), oldest version first; versions without cases in the window are left out (time SLAs only).',
  })
  byTermsVersion: SlaCompliance[];

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

  @Field(() => Int, { description: 'The target of the terms in force when the period began.' })
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

import { SlaKind } from '../../entities/enums';
import type { Sla } from '../../entities/sla.entity';

/**
 * The one definition of an SLA case's due and completion times, over `v` (stage_visit: one entry
 * into the SLA's stage, with the sales contact attempts that followed) and `s` (sla). The clock
 * starts at the entry; RESPONSE_TIME is due withinHours later and completed by the first attempt;
 * FOLLOW_UP is due withinDays later and completed by the attempts-th attempt.
 */
export const dueSql = (v = 'v', s = 's'): string =>
  `(${v}.entered_at + CASE WHEN ${s}.kind = 'RESPONSE_TIME' THEN make_interval(hours => ${s}.within_hours)
                         ELSE make_interval(days => ${s}.within_days) END)`;
export const completedSql = (v = 'v', s = 's'): string =>
  `(CASE WHEN ${s}.kind = 'RESPONSE_TIME' THEN ${v}.first_contact_at ELSE ${v}.contact_times[${s}.attempts] END)`;

/** The same, specialised to one SLA's kind and terms (so a RESPONSE_TIME query never reads the attempts array). */
export function caseSqlFor(sla: Sla, v = 'v'): { due: string; completed: string } {
  if (sla.kind === SlaKind.RESPONSE_TIME) {
    return {
      due: `${v}.entered_at + interval '1 hour' * ${Number(sla.withinHours)}`,
      completed: `${v}.first_contact_at`,
    };
  }
  return {
    due: `${v}.entered_at + interval '1 day' * ${Number(sla.withinDays)}`,
    completed: `${v}.contact_times[${Number(sla.attempts)}]`,
  };
}

/** Milliseconds a case of this SLA has before it is due. */
export const allowedMs = (sla: Sla): number =>
  sla.kind === SlaKind.RESPONSE_TIME ? Number(sla.withinHours) * 3_600_000 : Number(sla.withinDays) * 86_400_000;

import { config } from '../config';
import { SlaKind, SlaPeriod } from '../entities/enums';
import type { SlaTerms } from '../entities/sla-terms.entity';

/**
 * The one definition of an SLA case, used by the rollups (stage_visit, sla_daily), slaReport and
 * Lead.slaStatus alike.
 *
 * - A contact attempt (CALL, EMAIL_SENT, MEETING) counts at its occurredAt when it was recorded
 *   within SLA_BACKDATE_GRACE_MINUTES of it, else at its recordedAt (`countedAtSql`): a call logged
 *   days later cannot complete a case earlier than the day it was logged.
 * - A case is one entry of a lead into a stage (stage_visit `v`); its attempts are those counted
 *   from the entry until the lead next enters the same stage. It belongs to the owner the lead had
 *   at the entry (stage_transition.owner_id).
 * - It is judged by the terms version `s` (sla_terms) in force when its clock started
 *   (`termsInForceSql`): due withinHours (RESPONSE_TIME) or withinDays (FOLLOW_UP) after the entry,
 *   completed by the first (RESPONSE_TIME) or the attempts-th (FOLLOW_UP) counted attempt.
 * - It was decided by late-logged contacts when it is not met although its attempts' reported
 *   times (occurredAt) would have met it (`lateLoggedSql`).
 */

/** Minutes after occurredAt within which a contact attempt still counts at occurredAt. */
const graceMinutes = (): number => Math.trunc(Number(config.slaBackdateGraceMinutes));

/** The time a contact attempt `a` (activity) counts at for SLAs. */
export const countedAtSql = (a = 'a'): string =>
  `(CASE WHEN ${a}.recorded_at <= ${a}.occurred_at + interval '1 minute' * ${graceMinutes()} THEN ${a}.occurred_at ELSE ${a}.recorded_at END)`;

/** Terms `s` (sla_terms) judge visit `v` when on its stage and in force at its clock start. */
export const termsInForceSql = (v = 'v', s = 's'): string =>
  `(${s}.stage_id = ${v}.stage_id AND (${s}.effective_from IS NULL OR ${v}.entered_at >= ${s}.effective_from)
    AND (${s}.effective_to IS NULL OR ${v}.entered_at < ${s}.effective_to))`;

export const dueSql = (v = 'v', s = 's'): string =>
  `(${v}.entered_at + CASE WHEN ${s}.kind = 'RESPONSE_TIME' THEN make_interval(hours => ${s}.within_hours)
                         ELSE make_interval(days => ${s}.within_days) END)`;
export const completedSql = (v = 'v', s = 's'): string =>
  `(CASE WHEN ${s}.kind = 'RESPONSE_TIME' THEN ${v}.first_contact_at ELSE ${v}.contact_times[${s}.attempts] END)`;
/** When the case would be completed at its attempts' reported times. */
export const reportedCompletedSql = (v = 'v', s = 's'): string =>
  `(CASE WHEN ${s}.kind = 'RESPONSE_TIME' THEN ${v}.reported_contact_times[1] ELSE ${v}.reported_contact_times[${s}.attempts] END)`;

const lateLogged = (due: string, completed: string, reported: string): string =>
  `(coalesce(${reported} <= ${due}, false) AND NOT coalesce(${completed} <= ${due}, false))`;
export const lateLoggedSql = (v = 'v', s = 's'): string =>
  lateLogged(dueSql(v, s), completedSql(v, s), reportedCompletedSql(v, s));

export interface CaseSql {
  due: string;
  completed: string;
  reported: string;
  lateLogged: string;
}

/** The same, specialised to one terms version (so a RESPONSE_TIME query never reads the attempts arrays). */
export function caseSqlFor(terms: SlaTerms, v = 'v'): CaseSql {
  const sql =
    terms.kind === SlaKind.RESPONSE_TIME
      ? {
          due: `${v}.entered_at + interval '1 hour' * ${Number(terms.withinHours)}`,
          completed: `${v}.first_contact_at`,
          reported: `${v}.reported_contact_times[1]`,
        }
      : {
          due: `${v}.entered_at + interval '1 day' * ${Number(terms.withinDays)}`,
          completed: `${v}.contact_times[${Number(terms.attempts)}]`,
          reported: `${v}.reported_contact_times[${Number(terms.attempts)}]`,
        };
  return { ...sql, lateLogged: lateLogged(`(${sql.due})`, sql.completed, sql.reported) };
}

/** Milliseconds a case judged by these terms has before it is due. */
export const allowedMs = (terms: Pick<SlaTerms, 'kind' | 'withinHours' | 'withinDays'>): number =>
  terms.kind === SlaKind.RESPONSE_TIME
    ? Number(terms.withinHours) * 3_600_000
    : terms.kind === SlaKind.FOLLOW_UP
      ? Number(terms.withinDays) * 86_400_000
      : 0;

/** The version of `terms` (any order) in force at `at`. */
export function termsAt<T extends Pick<SlaTerms, 'effectiveFrom' | 'effectiveTo'>>(
  terms: T[],
  at: Date,
): T | undefined {
  const time = at.getTime();
  return terms.find(
    (term) =>
      (term.effectiveFrom === null || new Date(term.effectiveFrom).getTime() <= time) &&
      (term.effectiveTo === null || time < new Date(term.effectiveTo).getTime()),
  );
}

/** [start, end) of the calendar month or quarter (UTC) that contains `at`. */
export function periodOf(period: SlaPeriod, at: Date): { start: Date; end: Date } {
  const months = period === SlaPeriod.QUARTER ? 3 : 1;
  const year = at.getUTCFullYear();
  const month = Math.floor(at.getUTCMonth() / months) * months;
  return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + months, 1)) };
}

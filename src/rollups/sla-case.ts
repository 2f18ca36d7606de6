import { config } from '../config';
import { column, intLiteral, sql, type SQL } from '../db/fragments';
import { SlaKind, SlaPeriod } from '../entities/enums';
import type { SlaTerms } from '../entities/sla-terms.entity';

/**
 * The one definition of an SLA case, as SQL fragments: the rollups (stage_visit, sla_daily),
 * slaReport, its breach list, the worklist and Lead.slaStatus all read a case through these
 * functions; no JavaScript copy of the rules exists.
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
 * - MET when completed by its due time; else BREACHED once that time has passed; else AT_RISK once
 *   AT_RISK_SHARE of the allowed time is used; else ON_TRACK (`statusSql`).
 * - It was decided by late-logged contacts when it is not met although its attempts' reported
 *   times (occurredAt) would have met it (`lateLoggedSql`).
 *
 * The terms are either a row of sla_terms (an alias, `'s'`) or one version known to the caller
 * (`caseSqlFor`): the same definitions then read its numbers as literals, so a RESPONSE_TIME query
 * never reads the attempts arrays. The fragments carry no values (only identifiers and literals).
 */

/** AT_RISK starts once this share of the allowed time is used (see SlaCaseStatus). */
export const AT_RISK_SHARE = 0.75;

/** Minutes after occurredAt within which a contact attempt still counts at occurredAt. */
const graceMinutes = (): number => Math.trunc(Number(config.slaBackdateGraceMinutes));

/** The terms judging a case: the alias of a sla_terms row, or one version's own numbers. */
export type TermsOf = string | Pick<SlaTerms, 'kind' | 'withinHours' | 'withinDays' | 'attempts'>;

/** `forResponse` for RESPONSE_TIME terms, `forFollowUp` otherwise; a CASE over the row's kind. */
function byKind(terms: TermsOf, forResponse: SQL, forFollowUp: SQL): SQL {
  if (typeof terms !== 'string') return terms.kind === SlaKind.RESPONSE_TIME ? forResponse : forFollowUp;
  return sql.query`CASE WHEN ${column(terms, 'kind')} = 'RESPONSE_TIME' THEN ${forResponse} ELSE ${forFollowUp} END`;
}

const termsNumber = (terms: TermsOf, name: 'within_hours' | 'within_days' | 'attempts'): SQL => {
  if (typeof terms === 'string') return column(terms, name);
  return intLiteral(
    name === 'within_hours' ? terms.withinHours : name === 'within_days' ? terms.withinDays : terms.attempts,
  );
};

/** The attempts-th element of one of the visit's time arrays (the first, for RESPONSE_TIME). */
const nthAttempt = (v: string, terms: TermsOf, array: string): SQL =>
  byKind(terms, sql.query`${column(v, array)}[1]`, sql.query`${column(v, array)}[${termsNumber(terms, 'attempts')}]`);

/** The time a contact attempt `a` (activity) counts at for SLAs. */
export const countedAtSql = (a = 'a'): SQL =>
  sql.query`(CASE WHEN ${column(a, 'recorded_at')} <= ${column(a, 'occurred_at')} + interval '1 minute' * ${intLiteral(
    graceMinutes(),
  )} THEN ${column(a, 'occurred_at')} ELSE ${column(a, 'recorded_at')} END)`;

/** Terms `s` (sla_terms) judge visit `v` when on its stage and in force at its clock start. */
export const termsInForceSql = (v = 'v', s = 's'): SQL =>
  sql.query`(${column(s, 'stage_id')} = ${column(v, 'stage_id')} AND (${column(s, 'effective_from')} IS NULL OR ${column(
    v,
    'entered_at',
  )} >= ${column(s, 'effective_from')})
    AND (${column(s, 'effective_to')} IS NULL OR ${column(v, 'entered_at')} < ${column(s, 'effective_to')}))`;

/** When the case is due. */
export const dueSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(${column(v, 'entered_at')} + ${byKind(
    s,
    sql.query`make_interval(hours => ${termsNumber(s, 'within_hours')})`,
    sql.query`make_interval(days => ${termsNumber(s, 'within_days')})`,
  )})`;

/** When the case was completed (its attempts at their counted times); null while it is not. */
export const completedSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(${byKind(
    s,
    column(v, 'first_contact_at'),
    sql.query`${column(v, 'contact_times')}[${termsNumber(s, 'attempts')}]`,
  )})`;

/** When the attempt that completed the case was recorded. */
export const completedRecordedSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(${nthAttempt(v, s, 'contact_recorded_times')})`;

/** When the case would be completed at its attempts' reported times. */
export const reportedCompletedSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(${nthAttempt(v, s, 'reported_contact_times')})`;

/** Completed by its due time (null while not completed). */
export const metSql = (v = 'v', s: TermsOf = 's'): SQL => sql.query`(${completedSql(v, s)} <= ${dueSql(v, s)})`;

/** Not completed by its due time, and that time has passed by `now`. */
export const breachedSql = (now: SQL, v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`((${completedSql(v, s)} IS NULL OR ${completedSql(v, s)} > ${dueSql(v, s)}) AND ${dueSql(v, s)} <= ${now})`;

/** The moment a case is at risk: AT_RISK_SHARE of its allowed time after its clock started. */
export const atRiskAtSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(${column(v, 'entered_at')} + (${dueSql(v, s)} - ${column(v, 'entered_at')}) * ${sql.raw(
    String(AT_RISK_SHARE),
  )})`;

/** At least AT_RISK_SHARE of the allowed time is used at `now`. */
export const atRiskSql = (now: SQL, v = 'v', s: TermsOf = 's'): SQL => sql.query`${now} >= ${atRiskAtSql(v, s)}`;

export const lateLoggedSql = (v = 'v', s: TermsOf = 's'): SQL =>
  sql.query`(coalesce(${reportedCompletedSql(v, s)} <= ${dueSql(v, s)}, false) AND NOT coalesce(${completedSql(
    v,
    s,
  )} <= ${dueSql(v, s)}, false))`;

/** MET, BREACHED, AT_RISK or ON_TRACK at `now` (see SlaCaseStatus). */
export const statusSql = (now: SQL, v = 'v', s: TermsOf = 's'): SQL => sql.query`(CASE
  WHEN ${metSql(v, s)} THEN 'MET'
  WHEN ${dueSql(v, s)} <= ${now} THEN 'BREACHED'
  WHEN ${atRiskSql(now, v, s)} THEN 'AT_RISK'
  ELSE 'ON_TRACK' END)`;

/**
 * The columns of one case row (see SlaCaseFigures and caseFromRow): visit `v`, judged by the
 * terms row `s`, with its status at `now`.
 */
export const caseColumnsSql = (now: SQL, v = 'v', s = 's'): SQL => sql.query`${column(v, 'id')} AS visit_id, ${column(
  v,
  'lead_id',
)} AS lead_id, ${column(s, 'sla_id')} AS sla_id, ${column(v, 'owner_id')} AS owner_id,
  ${column(s, 'version')} AS terms_version, ${column(v, 'entered_at')} AS started_at, ${dueSql(v, s)} AS due_at,
  ${completedSql(v, s)} AS completed_at, ${completedRecordedSql(v, s)} AS completed_recorded_at,
  ${reportedCompletedSql(v, s)} AS reported_completed_at, ${lateLoggedSql(v, s)} AS late_logged,
  cardinality(${column(v, 'contact_times')}) AS attempts, ${statusSql(now, v, s)} AS status`;

export interface CaseSql {
  due: SQL;
  completed: SQL;
  reported: SQL;
  lateLogged: SQL;
}

/** The same, specialised to one terms version (so a RESPONSE_TIME query never reads the attempts arrays). */
export function caseSqlFor(terms: TermsOf & object, v = 'v'): CaseSql {
  return {
    due: dueSql(v, terms),
    completed: completedSql(v, terms),
    reported: reportedCompletedSql(v, terms),
    lateLogged: lateLoggedSql(v, terms),
  };
}

/**
 * Milliseconds a case judged by these terms has before it is due: not part of the definition, a
 * bound the reports use to know which days are settled.
 */
export const allowedMs = (terms: Pick<SlaTerms, 'kind' | 'withinHours' | 'withinDays'>): number =>
  terms.kind === SlaKind.RESPONSE_TIME
    ? Number(terms.withinHours) * 3_600_000
    : terms.kind === SlaKind.FOLLOW_UP
      ? Number(terms.withinDays) * 86_400_000
      : 0;

/** The version of `terms` (any order) in force at `at` (a LEAD_VOLUME period's start). */
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

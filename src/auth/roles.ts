import { Role } from '../entities/enums';

/**
 * The access matrix: every root field names one of these groups in its `@Authorized(...)`.
 * ANALYST reads everything and writes nothing; SALES works leads, stage moves and feedback;
 * MARKETING works leads, personas and campaigns; OPS and ADMIN also own the funnel, SLAs and rule
 * sets; only ADMIN manages users. Which values a role may assert inside a lead mutation (a stage, a
 * deal value, a verdict) is decided per value by the assertion policy in the services.
 */
export const Access = {
  READ: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES, Role.ANALYST],
  WRITE_LEADS: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  /**
   * Live lead events and SLA alerts (subscriptions) are for the teams who act on leads: they push
   * each lead's personal data as it changes. ANALYST reads the same facts through the queries and
   * the reports, and is refused these subscriptions.
   */
  FOLLOW_LEADS: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  /** Which stage each role may move a lead into is the assertion policy's (`assertion-policy.ts`). */
  MOVE_STAGES: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  GIVE_FEEDBACK: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  WRITE_MARKETING: [Role.ADMIN, Role.OPS, Role.MARKETING],
  WRITE_FUNNEL: [Role.ADMIN, Role.OPS],
  MANAGE_USERS: [Role.ADMIN],
  /**
   * Merging duplicates rewrites whose lead a history is and what every metric counts: OPS and
   * ADMIN, who own the shared data. SALES may not: a merge could fold another owner's lead into
   * one's own, or pick a survivor for its deal value.
   */
  MERGE_LEADS: [Role.ADMIN, Role.OPS],
  /** Erasing a person, exporting everything about one, purging old metadata, rebuilding metrics. */
  MANAGE_DATA: [Role.ADMIN],
  /** Webhook endpoints, their delivery log and the outbox's lag: operators only. */
  MANAGE_WEBHOOKS: [Role.ADMIN, Role.OPS],
  /** The periodic review: everyone but ANALYST takes part (comments); OPS and ADMIN create one. */
  TAKE_PART_IN_REVIEWS: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  /** A review is signed by the two teams themselves: one SALES and one MARKETING user. */
  SIGN_REVIEWS: [Role.MARKETING, Role.SALES],
} as const satisfies Record<string, readonly Role[]>;

/**
 * A user's email is personal: ADMIN (who manages users) and the user themself read it; everyone
 * else sees name and role only.
 */
export function mayReadEmailOf(viewer: { id: string; role: Role } | null, userId: string): boolean {
  return viewer !== null && (viewer.role === Role.ADMIN || viewer.id === userId);
}

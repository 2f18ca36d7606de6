import { Role } from '../entities/enums';

/**
 * The access matrix: every root field names one of these groups in its `@Authorized(...)`.
 * ANALYST reads everything and writes nothing; SALES works leads, stage moves and feedback;
 * MARKETING works leads, personas and campaigns; OPS and ADMIN also own the funnel, SLAs and rule
 * sets; only ADMIN manages users.
 */
export const Access = {
  READ: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES, Role.ANALYST],
  WRITE_LEADS: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  MOVE_STAGES: [Role.ADMIN, Role.OPS, Role.SALES],
  GIVE_FEEDBACK: [Role.ADMIN, Role.OPS, Role.MARKETING, Role.SALES],
  WRITE_MARKETING: [Role.ADMIN, Role.OPS, Role.MARKETING],
  WRITE_FUNNEL: [Role.ADMIN, Role.OPS],
  MANAGE_USERS: [Role.ADMIN],
} as const satisfies Record<string, readonly Role[]>;

/**
 * A user's email is personal: ADMIN (who manages users) and the user themself read it; everyone
 * else sees name and role only.
 */
export function mayReadEmailOf(viewer: { id: string; role: Role } | null, userId: string): boolean {
  return viewer !== null && (viewer.role === Role.ADMIN || viewer.id === userId);
}

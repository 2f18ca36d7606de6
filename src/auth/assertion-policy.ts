import type { Context } from '../context';
import { Role, StageKind } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { AppError, ErrorCode } from '../schema/errors';

/**
 * Who may assert what: the numbers that measure one team are written by the other team (or by
 * ops), never by the team they measure. Every write path calls these checks in its service (API,
 * and any later import or bulk path), before it writes anything; a refusal is FORBIDDEN naming the
 * field and the roles that may.
 *
 * A context without a user is the server itself (rule re-scores, jobs, the demo seed): it is not
 * a client and asserts nothing on anyone's behalf, so it is not checked. Every API call has a user.
 */

/** ADMIN may do everything; a stage's list of roles always contains it. */
export const ALWAYS_ALLOWED: readonly Role[] = [Role.ADMIN];

/** A deal value is sales' number: it becomes won revenue, the campaigns' ROI. */
export const DEAL_VALUE_ROLES: readonly Role[] = [Role.ADMIN, Role.OPS, Role.SALES];

/** A verdict on a handed-over lead is sales' word; OPS and ADMIN give it only as acting for sales. */
export const VERDICT_ROLES: readonly Role[] = [Role.ADMIN, Role.OPS, Role.SALES];

/** Roles listed in a stage's `manualEntryRoles` in the order the API shows them. */
const ROLE_ORDER: readonly Role[] = [Role.ADMIN, Role.OPS, Role.SALES, Role.MARKETING];

/**
 * The roles that may move a lead into a new stage by hand when its creator names none: sales and
 * ops for a won or lost stage and for an open stage at or after the hand-over stage (sales'
 * territory); marketing too for an open stage placed before the hand-over stage (where `lead` is).
 */
export function defaultManualEntryRoles(kind: StageKind, beforeHandover: boolean): Role[] {
  const marketing = kind === StageKind.OPEN && beforeHandover;
  return normalizeRoles(marketing ? [Role.OPS, Role.SALES, Role.MARKETING] : [Role.OPS, Role.SALES]);
}

/** Deduplicated, ADMIN always in, in a fixed order. */
export function normalizeRoles(roles: readonly Role[]): Role[] {
  const wanted = new Set<Role>([...ALWAYS_ALLOWED, ...roles]);
  return ROLE_ORDER.filter((role) => wanted.has(role));
}

function forbidden(message: string, field: string, allowedRoles: readonly Role[], extra: object = {}): AppError {
  return new AppError(ErrorCode.FORBIDDEN, message, { field, allowedRoles: [...allowedRoles], ...extra });
}

function mayAct(ctx: Context, roles: readonly Role[]): boolean {
  return ctx.user === null || ALWAYS_ALLOWED.includes(ctx.user.role) || roles.includes(ctx.user.role);
}

/** A lead enters `stage` by hand (created in it, upserted into it, moved to it). */
export function assertMayMoveLeadTo(ctx: Context, stage: FunnelStage, field = 'stage'): void {
  if (mayAct(ctx, stage.manualEntryRoles)) return;
  throw forbidden(
    `${ctx.user!.role} may not put a lead in stage "${stage.key}" by hand; ${stage.manualEntryRoles.join(', ')} may`,
    field,
    normalizeRoles(stage.manualEntryRoles),
    { stage: stage.key },
  );
}

/** Lead fields whose value only some roles may change. */
export type GuardedLeadField = 'dealValue';

const FIELD_ROLES: Record<GuardedLeadField, readonly Role[]> = { dealValue: DEAL_VALUE_ROLES };

/** Changes a guarded lead field (`field` is the input path, e.g. `input.dealValue`). */
export function assertMaySet(ctx: Context, leadField: GuardedLeadField, field = `input.${leadField}`): void {
  const roles = FIELD_ROLES[leadField];
  if (mayAct(ctx, roles)) return;
  throw forbidden(`${ctx.user!.role} may not set ${leadField}; ${roles.join(', ')} may`, field, roles);
}

/**
 * Gives a verdict (ACCEPTED / REJECTED) on a handed-over lead. Returns whether the caller gives it
 * as acting for sales (OPS or ADMIN), which the feedback records.
 */
export function assertMayGiveVerdict(ctx: Context, field = 'input.disposition'): { actingForSales: boolean } {
  if (!mayAct(ctx, VERDICT_ROLES)) {
    throw forbidden(
      `a verdict on a lead is sales' word: ${VERDICT_ROLES.join(', ')} may give it, not ${ctx.user!.role}`,
      field,
      VERDICT_ROLES,
    );
  }
  return { actingForSales: ctx.user !== null && ctx.user.role !== Role.SALES };
}

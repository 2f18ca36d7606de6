import type { Context } from '../../context';
import { managerOf } from '../../context';
import { Conditions } from '../../db/select';
import { SlaKind } from '../../entities/enums';
import { StageVisit } from '../../entities/stage-visit.entity';
import type { Page } from '../../schema/connection';
import { badInput } from '../../schema/errors';
import { keysetPage } from '../pagination';
import { getSlaOrThrow } from '../sla.service';
import { caseOf, type SlaCaseFigures } from './sla-report.service';
import { allowedMs, caseSqlFor } from './sla-case-sql';

/** AT_RISK starts once this share of the allowed time is used (see SlaCaseStatus). */
const AT_RISK_SHARE = 0.75;

/**
 * Sales' worklist for a time SLA: its cases not completed and not yet due at `at`, due soonest
 * first; only the AT_RISK ones unless `atRiskOnly` is false. For one SLA the due time is the clock
 * start plus a fixed allowance, so "due soonest" is "started earliest" and pages by the
 * (stage, entered_at, id) index.
 */
export async function listOpenSlaCases(
  ctx: Context,
  args: { slaId: string; ownerId?: string; atRiskOnly: boolean; first: number; after?: string },
  at = new Date(),
): Promise<Page<SlaCaseFigures>> {
  const sla = await getSlaOrThrow(ctx, args.slaId, 'slaId');
  if (sla.kind === SlaKind.LEAD_VOLUME) {
    throw badInput('slaId', `openSlaCases needs a RESPONSE_TIME or FOLLOW_UP SLA; ${sla.name} is LEAD_VOLUME`);
  }
  const allowed = allowedMs(sla);
  const { completed } = caseSqlFor(sla, 't');
  const where = new Conditions();
  where.add(`t.stage_id = ${where.param(sla.stageId)}`);
  where.add(`t.entered_at > ${where.param(new Date(at.getTime() - allowed))}`);
  where.add(`t.entered_at <= ${where.param(args.atRiskOnly ? new Date(at.getTime() - allowed * AT_RISK_SHARE) : at)}`);
  where.add(`${completed} IS NULL`);
  if (args.ownerId) where.add(`t.owner_id = ${where.param(args.ownerId)}`);
  const page = await keysetPage(
    managerOf(ctx),
    StageVisit,
    'stage_visit',
    where,
    { property: 'enteredAt', column: 'entered_at', kind: 'date', direction: 'ASC' },
    args.first,
    args.after,
  );
  return { ...page, nodes: page.nodes.map((visit) => caseOf(sla, visit, at)) };
}

import type { Context } from '../context';
import { readerOf } from '../context';
import { Conditions } from '../db/select';
import { SlaKind } from '../entities/enums';
import { StageVisit } from '../entities/stage-visit.entity';
import type { Page } from '../schema/connection';
import { badInput } from '../schema/errors';
import { keysetPage } from '../services/pagination';
import { getSlaOrThrow, listSlaTerms } from '../services/sla.service';
import { caseOf, type SlaCaseFigures } from './sla-report';
import { completedSql, dueSql, termsInForceSql } from '../rollups/sla-case';

/** AT_RISK starts once this share of the allowed time is used (see SlaCaseStatus). */
const AT_RISK_SHARE = 0.75;

/**
 * Sales' worklist for a time SLA: its cases not completed and not yet due at `at`, due soonest
 * first; only the AT_RISK ones unless `atRiskOnly` is false. Pages by clock start, the
 * (stage, entered_at, id) index: with one terms version in force "due soonest" is "started
 * earliest"; across a change of terms the order is by clock start.
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
  // Each case is judged by the terms in force when its clock started (see SlaReport).
  const terms = await listSlaTerms(ctx, sla.id);
  const where = new Conditions();
  const slaParam = where.param(sla.id);
  const now = `${where.param(at)}::timestamptz`;
  const atRisk = args.atRiskOnly
    ? ` AND ${now} >= t.entered_at + (${dueSql('t', 's')} - t.entered_at) * ${AT_RISK_SHARE}`
    : '';
  where.add(`t.stage_id IN (SELECT stage_id FROM sla_terms WHERE sla_id = ${slaParam})`);
  where.add(`t.entered_at <= ${now}`);
  where.add(
    `EXISTS (SELECT 1 FROM sla_terms s WHERE s.sla_id = ${slaParam} AND ${termsInForceSql('t', 's')}
       AND ${completedSql('t', 's')} IS NULL AND ${dueSql('t', 's')} > ${now}${atRisk})`,
  );
  if (args.ownerId) where.add(`t.owner_id = ${where.param(args.ownerId)}`);
  const page = await keysetPage(
    readerOf(ctx),
    StageVisit,
    'stage_visit',
    where,
    { property: 'enteredAt', column: 'entered_at', kind: 'date', direction: 'ASC' },
    args.first,
    args.after,
  );
  return {
    ...page,
    nodes: page.nodes.map((visit) => caseOf(sla, terms, visit, at)),
  };
}

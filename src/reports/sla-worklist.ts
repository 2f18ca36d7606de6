import type { Context } from '../context';
import { readerOf } from '../context';
import { sql } from '../db/fragments';
import { SlaKind } from '../entities/enums';
import type { Page } from '../schema/connection';
import { badInput } from '../schema/errors';
import { getSlaOrThrow } from '../services/sla.service';
import { atRiskSql, completedSql, dueSql } from '../rollups/sla-case';
import { slaCasePage, type SlaCaseFigures, type SlaCaseQuery } from './sla-report';

/** Which open cases of a time SLA the worklist lists at `at`: not completed and not yet due. */
export function openSlaCasesQuery(
  args: { slaId: string; ownerId?: string; atRiskOnly: boolean },
  at: Date,
): SlaCaseQuery {
  return {
    slaId: args.slaId,
    at,
    direction: 'ASC',
    conditions: (now) => [
      sql.query`t.entered_at <= ${now}`,
      sql.query`${completedSql('t', 's')} IS NULL AND ${dueSql('t', 's')} > ${now}`,
      ...(args.atRiskOnly ? [atRiskSql(now, 't', 's')] : []),
      ...(args.ownerId ? [sql.query`t.owner_id = ${sql.value(args.ownerId)}`] : []),
    ],
  };
}

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
  return slaCasePage(readerOf(ctx), openSlaCasesQuery({ ...args, slaId: sla.id }, at), args.first, args.after);
}

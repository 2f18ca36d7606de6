import { assertMayMoveLeadTo } from '../auth/assertion-policy';
import type { Context } from '../context';
import { repositoryOf } from '../context';
import { TransitionCause } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { Lead } from '../entities/lead.entity';
import { StageTransition } from '../entities/stage-transition.entity';
import { emitStageChanged } from '../events/lead-events';
import { listStages, stageByKeyOrThrow } from './funnel.service';
import { badInput } from '../schema/errors';
import { recordStageChanges } from './lead-changes.service';
import { markLeadsChanged } from '../rollups/lead-facts';
import { lockOrThrow } from './references';

export const MAX_REASON_LENGTH = 1000;
import { scoreLeads } from './scoring.service';
import { leadBusy } from './lead-turns';
import { inTransaction, LOCK_NOT_AVAILABLE, sqlState } from './transaction';

/** Locks the lead row for the rest of the transaction, so concurrent changes to it queue up. */
export async function lockLeadOrThrow(tx: Context, id: string, field: string, expectedVersion?: number): Promise<Lead> {
  try {
    return await lockOrThrow(tx, Lead, 'lead', id, field, expectedVersion);
  } catch (error) {
    // Another transaction held the lead past the lock timeout: the client retries later.
    if (sqlState(error) === LOCK_NOT_AVAILABLE) throw leadBusy(id, field);
    throw error;
  }
}

/**
 * Appends one entry to a lead's stage history, with the owner the lead has now (read from its row,
 * which the caller has written): an SLA case started by this entry belongs to that owner. The move
 * also goes to the lead's record of changes.
 */
export async function recordTransition(
  tx: Context,
  transition: {
    leadId: string;
    from: string | null;
    to: string;
    at: Date;
    cause: TransitionCause;
    reason: string | null;
    ruleSetVersionId?: string | null;
  },
): Promise<void> {
  await markLeadsChanged(tx, [transition.leadId]);
  const actorId = transition.cause === TransitionCause.RULE ? null : (tx.user?.id ?? null);
  await recordStageChanges(
    tx,
    [{ leadId: transition.leadId, fromStageId: transition.from, toStageId: transition.to }],
    transition.at,
    transition.cause,
    actorId,
  );
  await repositoryOf(tx, StageTransition)
    .createQueryBuilder()
    .insert()
    .values({
      leadId: transition.leadId,
      fromStageId: transition.from,
      toStageId: transition.to,
      at: transition.at,
      cause: transition.cause,
      actorId,
      ruleSetVersionId: transition.ruleSetVersionId ?? null,
      reason: transition.reason,
      ownerId: () => '(SELECT l.owner_id FROM lead l WHERE l.id = :leadId)',
    })
    .setParameter('leadId', transition.leadId)
    .execute();
  // A new lead's first stage is part of its lead.created event.
  if (transition.from !== null) {
    const stages = await listStages(tx);
    const keyOf = (id: string): string => stages.find((stage) => stage.id === id)?.key ?? id;
    await emitStageChanged(tx, transition.leadId, {
      from: keyOf(transition.from),
      to: keyOf(transition.to),
      cause: transition.cause,
      actorId,
      reason: transition.reason,
      ruleSetVersionId: transition.ruleSetVersionId ?? null,
    });
  }
}

/**
 * Records the move in the history and points the lead at the new stage. The caller saves the
 * lead in the same transaction.
 */
export async function enterStage(
  tx: Context,
  lead: Lead,
  stage: FunnelStage,
  cause: TransitionCause,
  reason: string | null,
  ruleSetVersionId: string | null = null,
): Promise<void> {
  const at = new Date();
  await recordTransition(tx, {
    leadId: lead.id,
    from: lead.stageId,
    to: stage.id,
    at,
    cause,
    reason,
    ruleSetVersionId,
  });
  lead.stageId = stage.id;
  lead.stageEnteredAt = at;
}

/**
 * Moves a lead to a stage by hand, when the caller's role may (the stage's `manualEntryRoles`).
 * Moving it to the stage it is in changes nothing.
 */
export async function moveLeadToStage(
  ctx: Context,
  leadId: string,
  stageKey: string,
  reason: string | null,
): Promise<Lead> {
  if (reason !== null && reason.length > MAX_REASON_LENGTH) {
    throw badInput('reason', `reason must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return inTransaction(
    ctx,
    async (tx) => {
      const lead = await lockLeadOrThrow(tx, leadId, 'leadId');
      const stage = await stageByKeyOrThrow(tx, stageKey, 'stage');
      if (lead.stageId === stage.id) return lead;
      assertMayMoveLeadTo(tx, stage, 'stage');
      await enterStage(tx, lead, stage, TransitionCause.MANUAL, reason);
      await repositoryOf(tx, Lead).save(lead);
      await scoreLeads(tx, [lead.id]);
      return repositoryOf(tx, Lead).findOneByOrFail({ id: lead.id });
    },
    { lead: { id: leadId, field: 'leadId' } },
  );
}

import { assertMayGiveVerdict } from '../auth/assertion-policy';
import type { Context } from '../context';
import { emitEvent } from '../events/outbox';
import { readerOf, repositoryOf } from '../context';
import { Conditions } from '../db/select';
import { Campaign } from '../entities/campaign.entity';
import { FeedbackDisposition, TransitionCause } from '../entities/enums';
import { Feedback } from '../entities/feedback.entity';
import { Lead } from '../entities/lead.entity';
import type { Page } from '../schema/connection';
import { badInput } from '../schema/errors';
import type { FeedbackArgs, SubmitFeedbackInput } from '../schema/inputs/feedback.inputs';
import { config } from '../config';
import { listStages, stageByKeyOrThrow } from './funnel.service';
import { enterStage, lockLeadOrThrow } from './lead-stage.service';
import { markLeadsChanged } from '../rollups/lead-facts';
import { NEWEST_FIRST, keysetPage } from './pagination';
import { assertExists } from './references';
import { scoreLeads } from './scoring.service';
import { inTransaction } from './transaction';

export async function listFeedback(ctx: Context, args: FeedbackArgs): Promise<Page<Feedback>> {
  const where = new Conditions();
  const filter = args.filter ?? {};
  if (filter.leadId) where.add(`t.lead_id = ${where.param(filter.leadId)}`);
  if (filter.campaignId) where.add(`t.campaign_id = ${where.param(filter.campaignId)}`);
  if (filter.authorId) where.add(`t.author_id = ${where.param(filter.authorId)}`);
  if (filter.kinds) where.add(`t.kind = ANY(${where.param(filter.kinds)}::feedback_kind[])`);
  if (filter.disposition) where.add(`t.disposition = ${where.param(filter.disposition)}`);
  if (filter.from) where.add(`t.created_at >= ${where.param(filter.from)}`);
  if (filter.to) where.add(`t.created_at < ${where.param(filter.to)}`);
  return keysetPage(readerOf(ctx), Feedback, 'feedback', where, NEWEST_FIRST, args.first, args.after);
}

function assertShape(input: SubmitFeedbackInput): void {
  if (!input.leadId && !input.campaignId)
    throw badInput('input.leadId', 'feedback is about a lead, a campaign or both');
  if (input.disposition && !input.leadId) throw badInput('input.leadId', 'a disposition needs input.leadId');
  if (input.disposition === FeedbackDisposition.REJECTED && !input.rejectionReason) {
    throw badInput('input.rejectionReason', 'a REJECTED disposition needs input.rejectionReason');
  }
  if (input.rejectionReason && input.disposition !== FeedbackDisposition.REJECTED) {
    throw badInput('input.rejectionReason', 'input.rejectionReason only goes with a REJECTED disposition');
  }
}

/**
 * A disposition is sales' verdict: given by SALES, or by OPS / ADMIN recorded as acting for sales;
 * MARKETING gives the other kinds of feedback. The move it causes (to `sql` or back to nurture)
 * follows from the verdict, not from the stages' manual-entry roles.
 *
 * Stores the feedback and, for a disposition, moves the lead in the same transaction: ACCEPTED to
 * the accepted stage (ACCEPTED_STAGE, `sql`), REJECTED back to the nurture stage. A disposition is sales' verdict on a hand-over, so it
 * applies only to a lead in the hand-over stage (`mql`, HANDOVER_STAGE): one verdict per hand-over,
 * and a lead that is already further (or was never handed over) cannot be sent back by mistake.
 */
export async function submitFeedback(ctx: Context, input: SubmitFeedbackInput): Promise<Feedback> {
  assertShape(input);
  const { actingForSales } = input.disposition ? assertMayGiveVerdict(ctx) : { actingForSales: false };
  return inTransaction(
    ctx,
    async (tx) => {
      await assertExists(tx, Campaign, 'campaign', input.campaignId, 'input.campaignId');
      const lead = input.leadId ? await lockLeadOrThrow(tx, input.leadId, 'input.leadId') : undefined;
      if (lead && input.disposition) await assertHandedOver(tx, lead);
      const repo = repositoryOf(tx, Feedback);
      const feedback = await repo.save(
        repo.create({
          leadId: input.leadId ?? null,
          campaignId: input.campaignId ?? null,
          authorId: tx.user!.id,
          kind: input.kind,
          disposition: input.disposition ?? null,
          actingForSales,
          rejectionReason: input.rejectionReason ?? null,
          rating: input.rating ?? null,
          comment: input.comment ?? '',
        }),
      );
      await emitEvent(tx, {
        type: 'feedback.submitted',
        leadId: feedback.leadId,
        data: {
          feedbackId: feedback.id,
          campaignId: feedback.campaignId,
          authorId: feedback.authorId,
          kind: feedback.kind,
          disposition: feedback.disposition,
          actingForSales: feedback.actingForSales,
          rejectionReason: feedback.rejectionReason,
          rating: feedback.rating,
          comment: feedback.comment,
        },
      });
      if (lead && input.disposition) {
        await applyDisposition(tx, lead, input);
        await markLeadsChanged(tx, [lead.id]);
      }
      if (lead) await scoreLeads(tx, [lead.id]);
      return feedback;
    },
    input.leadId ? { lead: { id: input.leadId, field: 'input.leadId' } } : {},
  );
}

async function assertHandedOver(tx: Context, lead: Lead): Promise<void> {
  const handover = await stageByKeyOrThrow(tx, config.handoverStageKey, 'input.disposition');
  if (lead.stageId === handover.id) return;
  const current = (await listStages(tx)).find((stage) => stage.id === lead.stageId);
  throw badInput(
    'input.disposition',
    `a disposition is sales' verdict on a lead handed over in stage "${handover.key}"; lead ${lead.id} is in "${current?.key ?? lead.stageId}"`,
  );
}

async function applyDisposition(tx: Context, lead: Lead, input: SubmitFeedbackInput): Promise<void> {
  const accepted = input.disposition === FeedbackDisposition.ACCEPTED;
  const target = await stageByKeyOrThrow(
    tx,
    accepted ? config.acceptedStageKey : config.nurtureStageKey,
    'input.disposition',
  );
  if (lead.stageId === target.id) return;
  const reason = accepted ? 'accepted by sales' : `rejected by sales: ${input.rejectionReason}`;
  await enterStage(tx, lead, target, TransitionCause.FEEDBACK, input.comment ? `${reason}: ${input.comment}` : reason);
  await repositoryOf(tx, Lead).save(lead);
}

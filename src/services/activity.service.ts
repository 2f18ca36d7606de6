import type { Context } from '../context';
import { repositoryOf } from '../context';
import { Activity } from '../entities/activity.entity';
import { Campaign } from '../entities/campaign.entity';
import { badInput } from '../schema/errors';
import type { RecordActivityInput } from '../schema/inputs/activity.inputs';
import { validateAttributes, validateOccurredAt } from '../schema/validation';
import { lockLeadOrThrow } from './lead-stage.service';
import { assertExists } from './references';
import { scoreLeads } from './scoring.service';
import { inTransaction } from './transaction';

export const MAX_ACTIVITY_BATCH = 500;

async function insertActivity(tx: Context, input: RecordActivityInput, field: string): Promise<Activity> {
  // The lead row is locked so that every change to one lead (and its scoring) happens in turn.
  await lockLeadOrThrow(tx, input.leadId, `${field}.leadId`);
  await assertExists(tx, Campaign, 'campaign', input.campaignId, `${field}.campaignId`);
  const repo = repositoryOf(tx, Activity);
  const activity = repo.create({
    leadId: input.leadId,
    type: input.type,
    occurredAt: input.occurredAt ? validateOccurredAt(input.occurredAt, `${field}.occurredAt`) : new Date(),
    campaignId: input.campaignId ?? null,
    actorId: tx.user?.id ?? null,
    metadata: input.metadata ? validateAttributes(input.metadata, `${field}.metadata`) : {},
  });
  const saved = await repo.save(activity);
  return saved;
}

export async function recordActivity(ctx: Context, input: RecordActivityInput): Promise<Activity> {
  return inTransaction(
    ctx,
    async (tx) => {
      const activity = await insertActivity(tx, input, 'input');
      await scoreLeads(tx, [activity.leadId]);
      return activity;
    },
    { lead: { id: input.leadId, field: 'input.leadId' } },
  );
}

/** A batch is all or nothing: one bad item rejects the batch, naming its index. */
export async function recordActivities(ctx: Context, inputs: RecordActivityInput[]): Promise<Activity[]> {
  if (inputs.length === 0) throw badInput('inputs', 'inputs must hold at least one activity');
  if (inputs.length > MAX_ACTIVITY_BATCH) {
    throw badInput('inputs', `inputs may hold at most ${MAX_ACTIVITY_BATCH} activities`);
  }
  return inTransaction(ctx, async (tx) => {
    // Lock leads in a fixed order so two batches touching the same leads cannot deadlock.
    const order = inputs
      .map((input, index) => ({ input, index }))
      .sort((a, b) => a.input.leadId.localeCompare(b.input.leadId));
    const results: Activity[] = new Array<Activity>(inputs.length);
    for (const { input, index } of order) results[index] = await insertActivity(tx, input, `inputs[${index}]`);
    await scoreLeads(tx, [...new Set(inputs.map((input) => input.leadId))]);
    return results;
  });
}

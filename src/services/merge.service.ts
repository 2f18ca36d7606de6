import { assertMayMoveLeadTo, assertMaySet } from '../auth/assertion-policy';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { TransitionCause } from '../entities/enums';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { Lead } from '../entities/lead.entity';
import { LeadMerge } from '../entities/lead-merge.entity';
import { forgetLeadFacts } from '../rollups/lead-facts';
import { badInput } from '../schema/errors';
import { type FieldChange, recordLeadChanges, recordStageChanges } from './lead-changes.service';
import { assertId } from './references';
import { scoreLeads } from './scoring.service';
import { inTransaction, registerLeadWrite } from './transaction';

export const MAX_DUPLICATES = 50;

/**
 * The survivorship rule, written once for the schema, the README and the code: each field keeps
 * the survivor's value when it has one; otherwise it takes the value of the most recently updated
 * duplicate that has one (custom attributes key by key, the same way). The email stays the
 * survivor's. createdAt becomes the earliest of all. The stage is where the merged history ends
 * (the latest stage entry of all the leads by time; the survivor's own stage when none has
 * history). Scores are then evaluated by the rules in force.
 */
export const SURVIVORSHIP_RULE =
  'Survivorship: each field keeps the survivor’s value when it has one, else takes the most recently updated duplicate’s (custom attributes key by key, the same way); the email stays the survivor’s; createdAt becomes the earliest of all; the stage is where the merged stage history ends (the latest stage entry by time); scores are evaluated again by the rules in force. Activities, stage history, feedback, the record of changes, earlier merges and idempotency keys move to the survivor; the duplicates are deleted and the merge is recorded (`Lead.mergedFrom`, changes with cause MERGE). Every metric counts the merged person once.';

const MERGED_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'industry',
  'companySize',
  'country',
  'source',
  'campaignId',
  'personaId',
  'ownerId',
  'dealValue',
] as const satisfies ReadonlyArray<keyof Lead>;

export interface FieldTaken extends FieldChange {
  fromLeadId: string | null;
}

export interface MergeCounts {
  activities: number;
  stageTransitions: number;
  feedback: number;
  changes: number;
  idempotencyKeys: number;
}

export interface MergeOutcome {
  dryRun: boolean;
  survivor: Lead;
  removedLeadIds: string[];
  removedEmails: string[];
  fields: FieldTaken[];
  moved: MergeCounts;
  merge: LeadMerge | null;
}

/** Checks the arguments before anything is read: ids, repeats, the survivor among the duplicates. */
function assertMergeArguments(survivorId: string, duplicateIds: string[]): void {
  assertId(survivorId, 'survivorId');
  if (duplicateIds.length === 0) throw badInput('duplicateIds', 'name at least one duplicate');
  if (duplicateIds.length > MAX_DUPLICATES) {
    throw badInput('duplicateIds', `at most ${MAX_DUPLICATES} duplicates in one merge`);
  }
  const seen = new Set<string>();
  duplicateIds.forEach((id, index) => {
    const field = `duplicateIds[${index}]`;
    assertId(id, field);
    if (id === survivorId) throw badInput(field, 'the survivor cannot also be a duplicate');
    if (seen.has(id)) throw badInput(field, `${id} is named twice`);
    seen.add(id);
  });
}

/** The survivor's new field values by the survivorship rule; duplicates newest first. */
export function survivingFields(survivor: Lead, duplicates: Lead[]): FieldTaken[] {
  const newestFirst = [...duplicates].sort(
    (a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.id.localeCompare(a.id),
  );
  const taken: FieldTaken[] = [];
  for (const field of MERGED_FIELDS) {
    if (survivor[field] !== null && survivor[field] !== undefined) continue;
    const donor = newestFirst.find((lead) => lead[field] !== null && lead[field] !== undefined);
    if (donor) taken.push({ field, before: survivor[field] ?? null, after: donor[field], fromLeadId: donor.id });
  }
  const attributes = survivor.attributes ?? {};
  for (const donor of newestFirst) {
    for (const [key, value] of Object.entries(donor.attributes ?? {})) {
      const field = `attributes.${key}`;
      if (key in attributes || value === null || taken.some((t) => t.field === field)) continue;
      taken.push({ field, before: null, after: value, fromLeadId: donor.id });
    }
  }
  const earliest = [survivor, ...duplicates].reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
  if (earliest !== survivor) {
    taken.push({
      field: 'createdAt',
      before: survivor.createdAt.toISOString(),
      after: earliest.createdAt.toISOString(),
      fromLeadId: earliest.id,
    });
  }
  return taken;
}

class DryRunRollback extends Error {
  constructor(readonly outcome: MergeOutcome) {
    super('dry run');
  }
}

/**
 * Merges duplicates into a survivor in one transaction (see SURVIVORSHIP_RULE). A dry run does
 * the same work and rolls it back, so what it answers is exactly what the merge would do.
 */
export async function mergeLeads(
  ctx: Context,
  survivorId: string,
  duplicateIds: string[],
  dryRun: boolean,
): Promise<MergeOutcome> {
  assertMergeArguments(survivorId, duplicateIds);
  try {
    return await inTransaction(ctx, async (tx) => {
      const outcome = await merge(tx, survivorId, duplicateIds);
      if (dryRun) throw new DryRunRollback({ ...outcome, dryRun: true, merge: null });
      return outcome;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.outcome;
    throw error;
  }
}

async function merge(tx: Context, survivorId: string, duplicateIds: string[]): Promise<MergeOutcome> {
  const db = managerOf(tx);
  const all = [survivorId, ...duplicateIds];
  // Locked in id order, so two merges of overlapping leads queue instead of deadlocking.
  const locked = await db.query<Array<{ id: string }>>(
    'SELECT id FROM lead WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [all],
  );
  const found = new Set(locked.map((row) => row.id));
  if (!found.has(survivorId)) throw badInput('survivorId', `lead ${survivorId} does not exist`);
  duplicateIds.forEach((id, index) => {
    if (!found.has(id)) throw badInput(`duplicateIds[${index}]`, `lead ${id} does not exist`);
  });
  const leads = repositoryOf(tx, Lead);
  const survivor = await leads.findOneByOrFail({ id: survivorId });
  const duplicates = await leads.findBy(duplicateIds.map((id) => ({ id })));
  const fields = survivingFields(survivor, duplicates);
  if (fields.some((field) => field.field === 'dealValue')) assertMaySet(tx, 'dealValue', 'duplicateIds');

  // The duplicates leave every rollup before their facts move (their daily counts with them).
  await forgetLeadFacts(db, duplicateIds);
  const move = async (table: string): Promise<number> =>
    (
      await db.query<[unknown, number]>(`UPDATE ${table} SET lead_id = $1 WHERE lead_id = ANY($2::uuid[])`, [
        survivorId,
        duplicateIds,
      ])
    )[1];
  const moved: MergeCounts = {
    activities: await move('activity'),
    stageTransitions: await move('stage_transition'),
    feedback: await move('feedback'),
    changes: await move('lead_change'),
    idempotencyKeys: 0,
  };
  await db.query('UPDATE lead_merge SET survivor_id = $1 WHERE survivor_id = ANY($2::uuid[])', [
    survivorId,
    duplicateIds,
  ]);
  // A retried request under an idempotency key answered with a duplicate now gets the survivor.
  for (const id of duplicateIds) {
    const [, count] = await db.query<[unknown, number]>(
      `UPDATE idempotency_key SET response = replace(response::text, $1, $2)::jsonb WHERE response::text LIKE $3`,
      [id, survivorId, `%${id}%`],
    );
    moved.idempotencyKeys += count;
  }
  const removedEmails = duplicates.map((lead) => lead.email);
  await db.query('DELETE FROM lead WHERE id = ANY($1::uuid[])', [duplicateIds]);

  // Where the merged history ends is the survivor's stage.
  const [last] = await db.query<Array<{ to_stage_id: string; at: Date }>>(
    'SELECT to_stage_id, at FROM stage_transition WHERE lead_id = $1 ORDER BY at DESC, id DESC LIMIT 1',
    [survivorId],
  );
  const changes: FieldChange[] = [];
  for (const taken of fields) {
    if (taken.field.startsWith('attributes.')) {
      survivor.attributes = { ...survivor.attributes, [taken.field.slice('attributes.'.length)]: taken.after };
    } else if (taken.field === 'createdAt') {
      survivor.createdAt = new Date(taken.after as string);
    } else {
      (survivor as unknown as Record<string, unknown>)[taken.field] = taken.after;
    }
    changes.push({ field: taken.field, before: taken.before, after: taken.after });
  }
  const fromStage = survivor.stageId;
  if (last && last.to_stage_id !== survivor.stageId) {
    const stage = await repositoryOf(tx, FunnelStage).findOneByOrFail({ id: last.to_stage_id });
    assertMayMoveLeadTo(tx, stage, 'duplicateIds');
    survivor.stageId = last.to_stage_id;
    survivor.stageEnteredAt = last.at;
  }
  // createdAt is not written by save() (a CreateDateColumn): set in SQL, like the other fields.
  await leads.save(survivor);
  await db.query('UPDATE lead SET created_at = $2 WHERE id = $1', [survivorId, survivor.createdAt]);
  await recordLeadChanges(tx, survivorId, changes, TransitionCause.MERGE);
  if (fromStage !== survivor.stageId) {
    await recordStageChanges(
      tx,
      [{ leadId: survivorId, fromStageId: fromStage, toStageId: survivor.stageId }],
      new Date(),
      TransitionCause.MERGE,
      tx.user?.id ?? null,
    );
  }
  const mergeRecord = await repositoryOf(tx, LeadMerge).save(
    repositoryOf(tx, LeadMerge).create({
      survivorId,
      mergedLeadIds: duplicateIds,
      mergedEmails: removedEmails,
      fields: Object.fromEntries(
        fields.map((taken) => [
          taken.field,
          { before: taken.before, after: taken.after, fromLeadId: taken.fromLeadId },
        ]),
      ),
      moved: { ...moved },
      actorId: tx.user?.id ?? null,
    }),
  );
  // The survivor was locked above in bulk: its rollups are refreshed when the merge commits.
  registerLeadWrite(tx, [survivorId]);
  await scoreLeads(tx, [survivorId]);
  return {
    dryRun: false,
    survivor: await leads.findOneByOrFail({ id: survivorId }),
    removedLeadIds: duplicateIds,
    removedEmails,
    fields,
    moved,
    merge: mergeRecord,
  };
}

/** The merges into these leads, newest first, for `Lead.mergedFrom`. */
export async function mergesIntoLeads(ctx: Context, leadIds: readonly string[]): Promise<LeadMerge[][]> {
  const rows = await repositoryOf(ctx, LeadMerge)
    .createQueryBuilder('m')
    .where('m.survivor_id = ANY(:ids)', { ids: leadIds })
    .orderBy('m.at', 'DESC')
    .getMany();
  return leadIds.map((id) => rows.filter((row) => row.survivorId === id));
}

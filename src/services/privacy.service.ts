import type { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../context';
import { managerOf, readerOf, repositoryOf } from '../context';
import { Activity } from '../entities/activity.entity';
import { Feedback } from '../entities/feedback.entity';
import { Lead } from '../entities/lead.entity';
import { LeadChange } from '../entities/lead-change.entity';
import { LeadMerge } from '../entities/lead-merge.entity';
import { StageTransition } from '../entities/stage-transition.entity';
import { StageVisit } from '../entities/stage-visit.entity';
import { recordAudit } from './audit';
import { getLeadOrThrow } from './lead.service';
import { lockLeadOrThrow } from './lead-stage.service';
import { inTransaction } from './transaction';

/**
 * What is personal about a lead: who the person is (email, names, custom attributes), what they
 * did in their own words (activity metadata: URLs, form fields) and what was written about them
 * (feedback comments). Firmographics (company, industry, size, country), the stage history,
 * scores and verdicts are not; they are what every metric counts, and they stay.
 */
const PERSONAL_CHANGE_FIELDS = ['email', 'emailAsGiven', 'firstName', 'lastName'];
const ERASED = '[erased]';

export const erasedEmail = (leadId: string): string => `erased-${leadId}@invalid`;

export interface EraseOutcome {
  lead: Lead;
  activities: number;
  feedback: number;
  stageReasons: number;
  changes: number;
  merges: number;
  idempotencyKeys: number;
}

/** A fact of the score explanation that shows something personal: an attribute, a name or the email. */
const personalFact = (fact: string): boolean =>
  fact.startsWith('attributes.') || fact.includes('name') || fact === 'email';

/** The explanation with the values personal facts had (`actual`) removed; the rules' own values stay. */
function scrubExplanation(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubExplanation);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
    key,
    scrubExplanation(inner),
  ]);
  const object = Object.fromEntries(entries) as Record<string, unknown>;
  if (typeof object.fact === 'string' && personalFact(object.fact) && 'actual' in object) object.actual = null;
  return object;
}

const affected = (result: unknown): number => (result as [unknown, number])[1];

/**
 * Anonymises a person in one transaction: email (`erased-<id>@invalid`), names and attributes of
 * the lead, the personal values of its record of changes, its activities' metadata, the comments
 * of feedback about it (and their copy in the reason of the stage move a verdict made), the
 * reasons typed for manual moves, the emails of leads merged into it, the values its score explanation saw
 * for personal facts, and idempotency answers that show it. Counts, stages, times, scores and
 * verdicts stay, so every metric is the same after. The audit log records that it happened and
 * how many records changed, never what they held.
 */
export async function eraseLead(ctx: Context, leadId: string): Promise<EraseOutcome> {
  return inTransaction(
    ctx,
    async (tx) => {
      const lead = await lockLeadOrThrow(tx, leadId, 'id');
      const db = managerOf(tx);
      await db.query(
        `UPDATE lead SET email = $2, email_as_given = NULL, first_name = NULL, last_name = NULL, attributes = '{}',
           score_explanation = $3::jsonb, erased_at = coalesce(erased_at, now()), version = version + 1, updated_at = now()
         WHERE id = $1`,
        [leadId, erasedEmail(leadId), JSON.stringify(scrubExplanation(lead.scoreExplanation))],
      );
      const outcome = {
        activities: affected(
          await db.query(`UPDATE activity SET metadata = '{}' WHERE lead_id = $1 AND metadata <> '{}'`, [leadId]),
        ),
        feedback: affected(
          await db.query(`UPDATE feedback SET comment = '' WHERE lead_id = $1 AND comment <> ''`, [leadId]),
        ),
        // A verdict's comment is also in the reason of the move it made (`rejected by sales: X: comment`);
        // a reason typed by hand is free text. The rules' reasons are the rule set's own words.
        stageReasons: affected(
          await db.query(
            `UPDATE stage_transition SET reason = CASE
                 WHEN cause = 'FEEDBACK' THEN substring(reason from '^((?:accepted|rejected) by sales(?:: [A-Z_]+)?)')
                 ELSE $2 END
             WHERE lead_id = $1 AND reason IS NOT NULL AND cause <> 'RULE'`,
            [leadId, ERASED],
          ),
        ),
        changes: affected(
          await db.query(
            `UPDATE lead_change SET before = CASE WHEN before IS NULL OR before = 'null' THEN before ELSE to_jsonb($3::text) END,
               after = CASE WHEN after IS NULL OR after = 'null' THEN after ELSE to_jsonb($3::text) END
             WHERE lead_id = $1 AND (field = ANY($2::text[]) OR field LIKE 'attributes.%')`,
            [leadId, PERSONAL_CHANGE_FIELDS, ERASED],
          ),
        ),
        merges: affected(
          await db.query(
            `UPDATE lead_merge SET merged_emails = array_fill($2::text, ARRAY[cardinality(merged_emails)]),
               fields = fields - ARRAY['firstName', 'lastName'] - ARRAY(SELECT k FROM jsonb_object_keys(fields) k WHERE k LIKE 'attributes.%')
             WHERE survivor_id = $1`,
            [leadId, ERASED],
          ),
        ),
        idempotencyKeys: affected(
          await db.query('DELETE FROM idempotency_key WHERE response::text LIKE $1', [`%${leadId}%`]),
        ),
      };
      await recordAudit(tx, 'lead', leadId, 'erase', null, outcome);
      return { lead: await repositoryOf(tx, Lead).findOneByOrFail({ id: leadId }), ...outcome };
    },
    { lead: { id: leadId, field: 'id' } },
  );
}

/** Plain JSON: dates as ISO strings, no class instances. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/**
 * Everything stored about a person (a subject access request), as JSON: the lead with its scores
 * and explanation, activities, stage history, feedback, record of changes, merges into it and
 * its SLA clocks (one per stage entry). The caller adds the SLA cases as the reports judge them.
 */
export async function leadDataOf(ctx: Context, leadId: string): Promise<Record<string, unknown>> {
  const lead = await getLeadOrThrow(ctx, leadId);
  const db: DataSource | EntityManager = readerOf(ctx);
  const byLead = { where: { leadId } };
  return plain({
    exportedAt: new Date(),
    lead,
    activities: await db.getRepository(Activity).find({ ...byLead, order: { occurredAt: 'ASC', id: 'ASC' } }),
    stageHistory: await db.getRepository(StageTransition).find({ ...byLead, order: { at: 'ASC', id: 'ASC' } }),
    feedback: await db.getRepository(Feedback).find({ ...byLead, order: { createdAt: 'ASC', id: 'ASC' } }),
    changes: await db.getRepository(LeadChange).find({ ...byLead, order: { at: 'ASC', id: 'ASC' } }),
    merges: await db.getRepository(LeadMerge).find({ where: { survivorId: leadId }, order: { at: 'ASC' } }),
    slaClocks: await db.getRepository(StageVisit).find({ ...byLead, order: { enteredAt: 'ASC' } }),
  }) as Record<string, unknown>;
}

export interface RetentionOutcome {
  dryRun: boolean;
  retentionDays: number | null;
  cutoff: Date | null;
  rows: number;
}

/**
 * Clears the metadata of activities that occurred before now − `retentionDays` days (undefined:
 * keep forever, nothing changes), in batches of `batch` rows, each its own statement, so a large
 * purge never holds many locks. A dry run counts the rows it would clear and writes nothing.
 * The activities themselves stay: every metric keeps its counts. Called by the mutation, the
 * CLI (`npm run retention`) and, daily, by the job schedule.
 */
export async function purgeActivityMetadata(
  db: DataSource | EntityManager,
  options: { retentionDays: number | undefined; dryRun: boolean; now?: Date; batch?: number },
): Promise<RetentionOutcome> {
  const { retentionDays, dryRun } = options;
  if (retentionDays === undefined) return { dryRun, retentionDays: null, cutoff: null, rows: 0 };
  const cutoff = new Date((options.now ?? new Date()).getTime() - retentionDays * 86_400_000);
  const stale = `occurred_at < $1 AND metadata <> '{}'`;
  if (dryRun) {
    const [row]: Array<{ count: number }> = await db.query(
      `SELECT count(*)::int AS count FROM activity WHERE ${stale}`,
      [cutoff],
    );
    return { dryRun, retentionDays, cutoff, rows: row?.count ?? 0 };
  }
  const batch = Math.trunc(options.batch ?? 10_000);
  let rows = 0;
  for (;;) {
    const count = affected(
      await db.query(
        `UPDATE activity SET metadata = '{}' WHERE id IN (SELECT id FROM activity WHERE ${stale} LIMIT ${batch})`,
        [cutoff],
      ),
    );
    rows += count;
    if (count < batch) break;
  }
  return { dryRun, retentionDays, cutoff, rows };
}

/** The purge as a mutation: in the caller's request, audited when it changed something. */
export async function purgeActivityMetadataAudited(
  ctx: Context,
  retentionDays: number | undefined,
  dryRun: boolean,
): Promise<RetentionOutcome> {
  const outcome = await purgeActivityMetadata(managerOf(ctx), { retentionDays, dryRun });
  if (!dryRun && outcome.rows > 0) {
    await inTransaction(ctx, (tx) => recordAudit(tx, 'activity', null, 'purge_metadata', null, outcome));
  }
  return outcome;
}

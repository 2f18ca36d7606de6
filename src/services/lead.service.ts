import { randomUUID } from 'node:crypto';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { assertMayMoveLeadTo, assertMaySet } from '../auth/assertion-policy';
import type { Context } from '../context';
import { readerOf, repositoryOf } from '../context';
import { Conditions } from '../db/select';
import { Campaign } from '../entities/campaign.entity';
import { TransitionCause } from '../entities/enums';
import { Lead } from '../entities/lead.entity';
import { Persona } from '../entities/persona.entity';
import { User } from '../entities/user.entity';
import type { Page } from '../schema/connection';
import { AppError, ErrorCode, notFound } from '../schema/errors';
import {
  LeadOrder,
  type CreateLeadInput,
  type LeadFieldsInput,
  type LeadsArgs,
  type UpdateLeadInput,
} from '../schema/inputs/lead.inputs';
import { assertAttributeTotals, canonicalEmail, type Email, validateAttributes } from '../schema/validation';
import { emitLeadCreated, emitLeadUpdated } from '../events/lead-events';
import { DEFAULT_STAGE_KEY, stageByKeyOrThrow } from './funnel.service';
import { type FieldChange, recordLeadChanges } from './lead-changes.service';
import { enterStage, lockLeadOrThrow, recordTransition } from './lead-stage.service';
import { markLeadsChanged } from '../rollups/lead-facts';
import { containsPattern, keysetPage, type KeysetOrder } from './pagination';
import { assertExists, assertId } from './references';
import { scoreLeads } from './scoring.service';
import { inTransaction } from './transaction';

export async function getLeadOrThrow(ctx: Context, id: string, field = 'id'): Promise<Lead> {
  assertId(id, field);
  const lead = await repositoryOf(ctx, Lead).findOneBy({ id });
  if (!lead) throw notFound('lead', id, field);
  return lead;
}

const ORDERS: Record<LeadOrder, KeysetOrder> = {
  [LeadOrder.CREATED_AT_DESC]: { property: 'createdAt', column: 'created_at', kind: 'date', direction: 'DESC' },
  [LeadOrder.CREATED_AT_ASC]: { property: 'createdAt', column: 'created_at', kind: 'date', direction: 'ASC' },
  [LeadOrder.SCORE_DESC]: { property: 'score', column: 'score', kind: 'int', direction: 'DESC' },
  [LeadOrder.SCORE_ASC]: { property: 'score', column: 'score', kind: 'int', direction: 'ASC' },
  [LeadOrder.STAGE_ENTERED_AT_DESC]: {
    property: 'stageEnteredAt',
    column: 'stage_entered_at',
    kind: 'date',
    direction: 'DESC',
  },
  [LeadOrder.STAGE_ENTERED_AT_ASC]: {
    property: 'stageEnteredAt',
    column: 'stage_entered_at',
    kind: 'date',
    direction: 'ASC',
  },
};

export async function listLeads(ctx: Context, args: LeadsArgs): Promise<Page<Lead>> {
  const where = new Conditions();
  const filter = args.filter ?? {};
  if (filter.stages !== undefined) {
    const stageIds: string[] = [];
    for (const key of filter.stages) stageIds.push((await stageByKeyOrThrow(ctx, key, 'filter.stages')).id);
    where.add(`t.stage_id = ANY(${where.param(stageIds)}::uuid[])`);
  }
  if (filter.campaignId) where.add(`t.campaign_id = ${where.param(filter.campaignId)}`);
  if (filter.personaId) where.add(`t.persona_id = ${where.param(filter.personaId)}`);
  if (filter.ownerId) where.add(`t.owner_id = ${where.param(filter.ownerId)}`);
  if (filter.scoreMin !== undefined) where.add(`t.score >= ${where.param(filter.scoreMin)}`);
  if (filter.scoreMax !== undefined) where.add(`t.score <= ${where.param(filter.scoreMax)}`);
  if (filter.createdFrom) where.add(`t.created_at >= ${where.param(filter.createdFrom)}`);
  if (filter.createdTo) where.add(`t.created_at < ${where.param(filter.createdTo)}`);
  if (filter.search !== undefined) {
    const pattern = where.param(containsPattern(filter.search));
    where.add(
      `(t.email ILIKE ${pattern} OR t.company ILIKE ${pattern} OR concat_ws(' ', t.first_name, t.last_name) ILIKE ${pattern})`,
    );
  }
  return keysetPage(readerOf(ctx), Lead, 'lead', where, ORDERS[args.orderBy], args.first, args.after);
}

/**
 * Every change to a lead ends here: the rules in force are evaluated in the same transaction, and
 * the lead is read back with its new scores, explanation and stage.
 */
export async function rescored(tx: Context, leadId: string): Promise<Lead> {
  await scoreLeads(tx, [leadId]);
  return repositoryOf(tx, Lead).findOneByOrFail({ id: leadId });
}

async function assertReferences(tx: Context, input: LeadFieldsInput): Promise<void> {
  await assertExists(tx, Campaign, 'campaign', input.campaignId, 'input.campaignId');
  await assertExists(tx, Persona, 'persona', input.personaId, 'input.personaId');
  await assertExists(tx, User, 'user', input.ownerId, 'input.ownerId');
}

/** The lead fields the metric rollups copy: a change to one rebuilds the lead's rollups. */
const ROLLUP_FIELDS: ReadonlySet<string> = new Set(['campaignId', 'personaId', 'ownerId', 'dealValue']);

/**
 * Applies the given fields after the assertion policy allows them, records each change in the
 * lead's record of changes, and marks the lead's rollups for a rebuild when a field they copy
 * changed. The lead must exist (the record points at it). Returns whether anything changed.
 */
async function applyFieldsRecorded(
  tx: Context,
  lead: Lead,
  input: LeadFieldsInput,
  cause: TransitionCause,
  extra: FieldChange[] = [],
): Promise<boolean> {
  const changes = [...extra, ...applyFields(lead, input)];
  assertMayChange(tx, changes);
  if (changes.some((change) => ROLLUP_FIELDS.has(change.field))) await markLeadsChanged(tx, [lead.id]);
  await recordLeadChanges(tx, lead.id, changes, cause);
  await emitLeadUpdated(tx, lead.id, changes, cause);
  return changes.length > 0;
}

/** The assertion policy for field changes: only some roles may change a deal value. */
function assertMayChange(tx: Context, changes: FieldChange[]): void {
  if (changes.some((change) => change.field === 'dealValue')) assertMaySet(tx, 'dealValue');
}

/** Applies the given fields to the lead; returns what changed (an unset field counts as null). */
function applyFields(lead: Lead, input: LeadFieldsInput): FieldChange[] {
  const changes: FieldChange[] = [];
  const assign = <K extends keyof Lead>(key: K, value: Lead[K] | undefined): void => {
    const before = lead[key] ?? null;
    if (value === undefined || before === value) return;
    changes.push({ field: key, before, after: value });
    lead[key] = value;
  };
  assign('firstName', input.firstName);
  assign('lastName', input.lastName);
  assign('company', input.company);
  assign('jobTitle', input.jobTitle);
  assign('industry', input.industry);
  assign('companySize', input.companySize);
  assign(
    'country',
    input.country === undefined || input.country === null ? input.country : input.country.toUpperCase(),
  );
  assign('source', input.source);
  assign('campaignId', input.campaignId);
  assign('personaId', input.personaId);
  assign('ownerId', input.ownerId);
  assign(
    'dealValue',
    input.dealValue === undefined || input.dealValue === null
      ? input.dealValue
      : Math.round(input.dealValue * 100) / 100,
  );
  if (input.attributes) {
    const incoming = validateAttributes(input.attributes, 'input.attributes');
    const merged: Record<string, unknown> = { ...(lead.attributes ?? {}) };
    for (const [key, value] of Object.entries(incoming)) {
      const before = merged[key] ?? null;
      if (before === value) continue;
      changes.push({ field: `attributes.${key}`, before, after: value });
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    assertAttributeTotals(merged, 'input.attributes');
    if (changes.some((change) => change.field.startsWith('attributes.'))) lead.attributes = merged;
  }
  return changes;
}

function conflictWith(existingId: string, email: string): AppError {
  return new AppError(ErrorCode.CONFLICT, `a lead with email ${email} (in its canonical form) already exists`, {
    field: 'input.email',
    existingLeadId: existingId,
  });
}

/**
 * Inserts a new lead unless the email is taken. Returns the new lead, or the id of the lead that
 * holds the email. ON CONFLICT DO NOTHING keeps the transaction usable when two requests race.
 * A new lead's record of changes starts with its initial values (null before), and the assertion
 * policy applies to them as to any change: a refusal rolls the insert back with the transaction.
 */
async function insertLead(
  tx: Context,
  email: Email,
  input: CreateLeadInput,
  cause: TransitionCause,
): Promise<{ lead: Lead } | { existingId: string }> {
  await assertReferences(tx, input);
  const stage = await stageByKeyOrThrow(tx, input.stage ?? DEFAULT_STAGE_KEY, 'input.stage');
  const repo = repositoryOf(tx, Lead);
  const at = new Date();
  const lead = repo.create({
    id: randomUUID(),
    email: email.canonical,
    emailAsGiven: email.given === email.canonical ? null : email.given,
    attributes: {},
    stageId: stage.id,
    stageEnteredAt: at,
  });
  const changes = [{ field: 'email', before: null, after: email.canonical }, ...applyFields(lead, input)];
  const result = await repo
    .createQueryBuilder()
    .insert()
    .values(lead as QueryDeepPartialEntity<Lead>)
    .orIgnore()
    .returning(['id'])
    .execute();
  if ((result.raw as unknown[]).length === 0) {
    const existing = await repo.findOneOrFail({ where: { email: email.canonical }, select: { id: true } });
    return { existingId: existing.id };
  }
  assertMayMoveLeadTo(tx, stage, 'input.stage');
  assertMayChange(tx, changes);
  await recordLeadChanges(tx, lead.id, changes, cause, at);
  await recordTransition(tx, { leadId: lead.id, from: null, to: stage.id, at, cause, reason: null });
  await emitLeadCreated(tx, lead, stage.key, cause);
  return { lead: await rescored(tx, lead.id) };
}

export async function createLead(ctx: Context, input: CreateLeadInput): Promise<Lead> {
  const email = canonicalEmail(input.email, 'input.email');
  return inTransaction(ctx, async (tx) => {
    const outcome = await insertLead(tx, email, input, TransitionCause.MANUAL);
    if ('existingId' in outcome) throw conflictWith(outcome.existingId, email.canonical);
    return outcome.lead;
  });
}

/**
 * Creates the lead, or merges the given fields into the lead with that email. Sending the same
 * input twice writes once: an unchanged lead keeps its version. A `stage` for an existing lead
 * moves it there (a transition with cause IMPORT) when the caller may put a lead in that stage by
 * hand, and is refused otherwise; naming the stage the lead is in changes nothing.
 */
export async function upsertLead(ctx: Context, input: CreateLeadInput): Promise<{ lead: Lead; created: boolean }> {
  const email = canonicalEmail(input.email, 'input.email');
  return inTransaction(ctx, async (tx) => {
    const outcome = await insertLead(tx, email, input, TransitionCause.IMPORT);
    if ('lead' in outcome) return { lead: outcome.lead, created: true };
    const lead = await lockLeadOrThrow(tx, outcome.existingId, 'input.email');
    const stage = input.stage ? await stageByKeyOrThrow(tx, input.stage, 'input.stage') : undefined;
    const moves = stage !== undefined && stage.id !== lead.stageId;
    if (moves) assertMayMoveLeadTo(tx, stage, 'input.stage');
    const changed = await applyFieldsRecorded(tx, lead, input, TransitionCause.IMPORT);
    if (moves) await enterStage(tx, lead, stage, TransitionCause.IMPORT, 'upsertLead named this stage');
    if (!changed && !moves) return { lead, created: false };
    await repositoryOf(tx, Lead).save(lead);
    return { lead: await rescored(tx, lead.id), created: false };
  });
}

export async function updateLead(ctx: Context, input: UpdateLeadInput): Promise<Lead> {
  const email = input.email === undefined ? undefined : canonicalEmail(input.email, 'input.email');
  return inTransaction(
    ctx,
    async (tx) => {
      const lead = await lockLeadOrThrow(tx, input.id, 'input.id', input.expectedVersion);
      await assertReferences(tx, input);
      const emailChanges: FieldChange[] = [];
      let shownDifferently = false;
      if (email !== undefined && email.canonical !== lead.email) {
        const holder = await repositoryOf(tx, Lead).findOne({
          where: { email: email.canonical },
          select: { id: true },
        });
        if (holder) throw conflictWith(holder.id, email.canonical);
        emailChanges.push({ field: 'email', before: lead.email, after: email.canonical });
        lead.email = email.canonical;
        lead.emailAsGiven = email.given === email.canonical ? null : email.given;
      } else if (email !== undefined && email.given !== (lead.emailAsGiven ?? lead.email)) {
        // The same address written another way: only how it is shown changes.
        lead.emailAsGiven = email.given;
        shownDifferently = true;
      }
      const changed = await applyFieldsRecorded(tx, lead, input, TransitionCause.MANUAL, emailChanges);
      if (!changed && !shownDifferently) return lead;
      await repositoryOf(tx, Lead).save(lead);
      return rescored(tx, lead.id);
    },
    { lead: { id: input.id, field: 'input.id' } },
  );
}

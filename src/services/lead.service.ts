import { randomUUID } from 'node:crypto';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
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
import { DEFAULT_STAGE_KEY, stageByKeyOrThrow } from './funnel.service';
import { lockLeadOrThrow, recordTransition } from './lead-stage.service';
import { markLeadsChanged } from './metrics/lead-facts.service';
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
  return keysetPage(managerOf(ctx), Lead, 'lead', where, ORDERS[args.orderBy], args.first, args.after);
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
const ROLLUP_FIELDS = ['campaignId', 'personaId', 'ownerId', 'dealValue'] as const;

/** Applies the given fields, and marks the lead's rollups for a rebuild when a field they copy changed. */
async function applyFieldsTracked(tx: Context, lead: Lead, input: LeadFieldsInput): Promise<boolean> {
  const before = ROLLUP_FIELDS.map((field) => lead[field]);
  const changed = applyFields(lead, input);
  if (ROLLUP_FIELDS.some((field, i) => lead[field] !== before[i])) await markLeadsChanged(tx, [lead.id]);
  return changed;
}

/** Applies the given fields to the lead; returns whether anything changed. */
function applyFields(lead: Lead, input: LeadFieldsInput): boolean {
  let changed = false;
  const assign = <K extends keyof Lead>(key: K, value: Lead[K] | undefined): void => {
    if (value === undefined || lead[key] === value) return;
    lead[key] = value;
    changed = true;
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
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    assertAttributeTotals(merged, 'input.attributes');
    if (JSON.stringify(merged) !== JSON.stringify(lead.attributes ?? {})) {
      lead.attributes = merged;
      changed = true;
    }
  }
  return changed;
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
  applyFields(lead, input);
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
  await recordTransition(tx, { leadId: lead.id, from: null, to: stage.id, at, cause, reason: null });
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
 * input twice writes once: an unchanged lead keeps its version. The starting stage only applies
 * to a new lead; an existing lead's stage moves through `moveLeadToStage` and the rules.
 */
export async function upsertLead(ctx: Context, input: CreateLeadInput): Promise<{ lead: Lead; created: boolean }> {
  const email = canonicalEmail(input.email, 'input.email');
  return inTransaction(ctx, async (tx) => {
    const outcome = await insertLead(tx, email, input, TransitionCause.IMPORT);
    if ('lead' in outcome) return { lead: outcome.lead, created: true };
    const lead = await lockLeadOrThrow(tx, outcome.existingId, 'input.email');
    if (!(await applyFieldsTracked(tx, lead, input))) return { lead, created: false };
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
      let changed = await applyFieldsTracked(tx, lead, input);
      if (email !== undefined && email.canonical !== lead.email) {
        const holder = await repositoryOf(tx, Lead).findOne({
          where: { email: email.canonical },
          select: { id: true },
        });
        if (holder) throw conflictWith(holder.id, email.canonical);
        lead.email = email.canonical;
        lead.emailAsGiven = email.given === email.canonical ? null : email.given;
        changed = true;
      } else if (email !== undefined && email.given !== (lead.emailAsGiven ?? lead.email)) {
        // The same address written another way: only how it is shown changes.
        lead.emailAsGiven = email.given;
        changed = true;
      }
      if (!changed) return lead;
      await repositoryOf(tx, Lead).save(lead);
      return rescored(tx, lead.id);
    },
    { lead: { id: input.id, field: 'input.id' } },
  );
}

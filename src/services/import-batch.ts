import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { assertMayGiveVerdict, assertMayMoveLeadTo, assertMaySet } from '../auth/assertion-policy';
import type { Context } from '../context';
import { Role, TransitionCause } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';
import { DuplicatePolicy } from '../entities/import-job.entity';
import { refreshLeadFacts } from '../rollups/lead-facts';
import { AppError, ErrorCode, badInput } from '../schema/errors';
import { assertAttributeTotals } from '../schema/validation';
import { DEFAULT_STAGE_KEY } from './funnel.service';
import { recordLeadChanges, type FieldChange } from './lead-changes.service';
import {
  parseRecord,
  refKey,
  type ActivityRecord,
  type FeedbackRecord,
  type ImportRecord,
  type LeadRecord,
  type LeadRef,
  type TransitionRecord,
} from './import-records';

/**
 * One batch of an import's rows, checked in order against the database and the rows before it,
 * then written in bulk (multi-row INSERTs from arrays) in the caller's transaction, with the
 * touched leads' rollups rebuilt by `refreshLeadFacts`. A rejected row writes nothing.
 */

export interface RowError {
  line: number;
  field: string | null;
  code: string;
  message: string;
}

/** What the rows of a batch did, counted as the job reports it. */
export interface BatchCounts {
  rows: number;
  rejected: number;
  leadsCreated: number;
  leadsUpdated: number;
  leadsSkipped: number;
  transitions: number;
  activities: number;
  feedback: number;
}

/** A lead as the import sees it while it works: where it is in the funnel, and who owns it. */
export interface LeadState {
  id: string;
  email: string;
  externalId: string | null;
  stageId: string;
  enteredAt: Date;
  ownerId: string | null;
  /** Created by this import (its history may be anything), or a lead that existed before. */
  importedHere: boolean;
  /** Created by this import and not moved since its entry: a file may restate that entry. */
  entryOnly: boolean;
}

interface NewLead {
  state: LeadState;
  record: LeadRecord;
  campaignId: string | null;
  personaId: string | null;
  createdAt: Date;
}

interface UserRow {
  id: string;
  role: Role;
}

/** Campaigns, personas, stages and users by the names a file uses; loaded once per job. */
export interface ImportLookups {
  stagesByKey: Map<string, FunnelStage>;
  campaigns: Map<string, string[]>;
  personas: Map<string, string[]>;
  users: Map<string, UserRow | null>;
}

export async function loadLookups(db: EntityManager, stages: FunnelStage[]): Promise<ImportLookups> {
  const byName = async (table: 'campaign' | 'persona'): Promise<Map<string, string[]>> => {
    const rows: Array<{ id: string; name: string }> = await db.query(`SELECT id, name FROM ${table}`);
    const map = new Map<string, string[]>();
    for (const row of rows) {
      for (const key of [row.id, row.name.trim().toLowerCase()]) map.set(key, [...(map.get(key) ?? []), row.id]);
    }
    return map;
  };
  return {
    stagesByKey: new Map(stages.map((stage) => [stage.key, stage])),
    campaigns: await byName('campaign'),
    personas: await byName('persona'),
    users: new Map(),
  };
}

/** The import's own memory of leads it would have written, for a dry run (which writes none). */
export type DryRunLeads = Map<string, LeadState>;

export interface BatchInput {
  tx: Context;
  importId: string;
  onDuplicate: DuplicatePolicy;
  dryRun: boolean;
  lookups: ImportLookups;
  rows: Array<{ line: number; text: string }>;
  /** Leads a dry run would have created or moved in earlier batches, by refKey. */
  dryRunLeads: DryRunLeads;
}

function rowError(line: number, error: unknown): RowError {
  if (error instanceof AppError) {
    const field = error.extensions.field;
    return {
      line,
      field: typeof field === 'string' ? field : null,
      code: String(error.extensions.code),
      message: error.message,
    };
  }
  throw error;
}

function notFound(field: string, message: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, message, { field });
}

function byName(map: Map<string, string[]>, name: string, field: string, label: string): string {
  const ids = map.get(name) ?? map.get(name.trim().toLowerCase()) ?? [];
  if (ids.length === 0) throw notFound(field, `no ${label} is named "${name}" or has that id`);
  if (ids.length > 1)
    throw new AppError(ErrorCode.CONFLICT, `${ids.length} ${label}s are named "${name}"; name it by id`, { field });
  return ids[0]!;
}

export async function importBatch(input: BatchInput): Promise<{ counts: BatchCounts; errors: RowError[] }> {
  const { tx, lookups, onDuplicate, importId, dryRun } = input;
  const db = tx.manager!;
  const counts: BatchCounts = {
    rows: input.rows.length,
    rejected: 0,
    leadsCreated: 0,
    leadsUpdated: 0,
    leadsSkipped: 0,
    transitions: 0,
    activities: 0,
    feedback: 0,
  };
  const errors: RowError[] = [];
  const parsed: Array<{ line: number; record: ImportRecord }> = [];
  for (const row of input.rows) {
    try {
      parsed.push({ line: row.line, record: await parseRecord(row.text) });
    } catch (error) {
      errors.push(rowError(row.line, error));
    }
  }

  // The leads and users the batch names, read in two statements (leads locked in id order).
  const emails = new Set<string>();
  const externalIds = new Set<string>();
  const userEmails = new Set<string>();
  const addRef = (ref: LeadRef | null): void => {
    if (!ref) return;
    if ('email' in ref) emails.add(ref.email);
    else externalIds.add(ref.externalId);
  };
  for (const { record } of parsed) {
    if (record.type === 'lead') {
      emails.add(record.email.canonical);
      if (record.externalId) externalIds.add(record.externalId);
      if (record.owner) userEmails.add(record.owner.trim().toLowerCase());
    } else {
      addRef(record.lead);
      const person = record.type === 'feedback' ? record.author : record.actor;
      if (person) userEmails.add(person.trim().toLowerCase());
    }
  }
  const leads = new Map<string, LeadState>();
  const remember = (state: LeadState): void => {
    leads.set(`e:${state.email}`, state);
    if (state.externalId) leads.set(`x:${state.externalId}`, state);
  };
  const found: Array<{
    id: string;
    email: string;
    external_id: string | null;
    stage_id: string;
    stage_entered_at: Date;
    owner_id: string | null;
    import_id: string | null;
    created_at: Date;
  }> = await db.query(
    `SELECT id, email, external_id, stage_id, stage_entered_at, owner_id, import_id, created_at FROM lead
      WHERE email = ANY($1::text[]) OR external_id = ANY($2::text[]) ORDER BY id ${dryRun ? '' : 'FOR UPDATE'}`,
    [[...emails], [...externalIds]],
  );
  for (const row of found) {
    remember({
      id: row.id,
      email: row.email,
      externalId: row.external_id,
      stageId: row.stage_id,
      enteredAt: row.stage_entered_at,
      ownerId: row.owner_id,
      importedHere: row.import_id === importId,
      entryOnly: row.import_id === importId && row.stage_entered_at.getTime() === row.created_at.getTime(),
    });
  }
  // A dry run's own memory wins: the database does not hold what its earlier batches would have written.
  if (dryRun) for (const [key, state] of input.dryRunLeads) leads.set(key, state);
  const missingUsers = [...userEmails].filter((email) => !lookups.users.has(email));
  if (missingUsers.length > 0) {
    const rows: Array<{ id: string; role: Role; email: string }> = await db.query(
      'SELECT id, role, lower(email) AS email FROM "user" WHERE lower(email) = ANY($1::text[]) AND deleted_at IS NULL',
      [missingUsers],
    );
    for (const email of missingUsers) lookups.users.set(email, null);
    for (const row of rows) lookups.users.set(row.email, { id: row.id, role: row.role });
  }
  const user = (email: string | null | undefined, field: string): UserRow | null => {
    if (email === null || email === undefined) return null;
    const found = lookups.users.get(email.trim().toLowerCase());
    if (!found) throw notFound(field, `no user has the email ${email}`);
    return found;
  };
  const stage = (key: string, field: string): FunnelStage => {
    const found = lookups.stagesByKey.get(key.toLowerCase());
    if (!found) throw notFound(field, `no funnel stage has the key "${key}"`);
    return found;
  };
  const leadOf = (ref: LeadRef, field: string): LeadState => {
    const found = leads.get(refKey(ref));
    if (!found) {
      throw notFound(
        field,
        `no lead has ${'email' in ref ? `the email ${ref.email}` : `the externalId ${ref.externalId}`} (in the database or earlier in the file)`,
      );
    }
    return found;
  };

  const created: NewLead[] = [];
  const createdHere = new Set<LeadState>();
  const updates: Array<{
    state: LeadState;
    record: LeadRecord;
    campaignId?: string | null;
    personaId?: string | null;
  }> = [];
  const moved = new Set<LeadState>();
  const transitions: Array<{
    state: LeadState;
    from: string | null;
    to: string;
    at: Date;
    actorId: string | null;
    ownerId: string | null;
    reason: string | null;
  }> = [];
  const activities: Array<{
    state: LeadState;
    record: ActivityRecord;
    campaignId: string | null;
    actorId: string | null;
  }> = [];
  const feedback: Array<{
    state: LeadState | null;
    record: FeedbackRecord;
    campaignId: string | null;
    authorId: string;
    actingForSales: boolean;
  }> = [];
  const importer = tx.user ? { id: tx.user.id, role: tx.user.role } : null;

  const onLead = (record: LeadRecord): void => {
    const byEmail = leads.get(`e:${record.email.canonical}`);
    const byExternal = record.externalId ? leads.get(`x:${record.externalId}`) : undefined;
    if (byEmail && byExternal && byEmail !== byExternal) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `the email and the externalId name two different leads (${byEmail.id}, ${byExternal.id})`,
        {
          field: 'externalId',
        },
      );
    }
    const campaignId = record.campaign
      ? byName(lookups.campaigns, record.campaign, 'campaign', 'campaign')
      : record.campaign;
    const personaId = record.persona ? byName(lookups.personas, record.persona, 'persona', 'persona') : record.persona;
    const owner = user(record.owner, 'owner');
    if (record.fields.dealValue !== undefined && record.fields.dealValue !== null)
      assertMaySet(tx, 'dealValue', 'dealValue');
    const existing = byEmail ?? byExternal;
    if (existing) {
      if (onDuplicate === DuplicatePolicy.REFUSE) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `lead ${existing.id} has this ${byEmail ? 'email' : 'externalId'} (onDuplicate=refuse)`,
          {
            field: byEmail ? 'email' : 'externalId',
            existingLeadId: existing.id,
          },
        );
      }
      if (onDuplicate === DuplicatePolicy.SKIP) {
        counts.leadsSkipped += 1;
        return;
      }
      if (record.owner !== undefined) existing.ownerId = owner?.id ?? null;
      if (record.externalId && !existing.externalId) {
        existing.externalId = record.externalId;
        remember(existing);
      }
      updates.push({ state: existing, record, campaignId, personaId });
      counts.leadsUpdated += 1;
      return;
    }
    const entry = stage(record.stage ?? DEFAULT_STAGE_KEY, 'stage');
    assertMayMoveLeadTo(tx, entry, 'stage');
    const createdAt = record.createdAt ?? new Date();
    const state: LeadState = {
      id: randomUUID(),
      email: record.email.canonical,
      externalId: record.externalId,
      stageId: entry.id,
      enteredAt: createdAt,
      ownerId: owner?.id ?? null,
      importedHere: true,
      entryOnly: true,
    };
    created.push({ state, record, campaignId: campaignId ?? null, personaId: personaId ?? null, createdAt });
    createdHere.add(state);
    transitions.push({
      state,
      from: null,
      to: entry.id,
      at: createdAt,
      actorId: importer?.id ?? null,
      ownerId: state.ownerId,
      reason: 'imported',
    });
    remember(state);
    counts.leadsCreated += 1;
  };

  const onTransition = (record: TransitionRecord): void => {
    const state = leadOf(record.lead, 'lead');
    const to = stage(record.to, 'to');
    if (record.from !== null && stage(record.from, 'from').id !== state.stageId) {
      throw badInput('from', `the lead is in another stage than "${record.from}" at this point of its history`);
    }
    if (to.id === state.stageId) {
      // The lead record entered the lead into its stage; a file that also lists that entry as its
      // first transition (same stage, same time, no `from`) restates it rather than repeating it.
      // A lead record without createdAt, created in this batch, takes the time of that entry.
      const entry = transitions.find((t) => t.state === state && t.from === null);
      const newLead = created.find((lead) => lead.state === state);
      const undated = newLead !== undefined && newLead.record.createdAt === null && entry !== undefined;
      if (state.entryOnly && record.from === null && (undated || record.at.getTime() === state.enteredAt.getTime())) {
        const actor = user(record.actor, 'actor');
        if (undated) {
          newLead.createdAt = record.at;
          state.enteredAt = record.at;
          entry.at = record.at;
        }
        if (entry) {
          if (actor) entry.actorId = actor.id;
          if (record.reason !== null) entry.reason = record.reason;
        }
        counts.transitions += 1;
        return;
      }
      throw badInput('to', `the lead is already in stage "${to.key}"`);
    }
    if (record.at.getTime() < state.enteredAt.getTime()) {
      throw badInput(
        'at',
        `at is before the lead entered its stage (${state.enteredAt.toISOString()}): a lead's transitions come in time order`,
      );
    }
    assertMayMoveLeadTo(tx, to, 'to');
    const actor = user(record.actor, 'actor');
    transitions.push({
      state,
      from: state.stageId,
      to: to.id,
      at: record.at,
      actorId: actor?.id ?? importer?.id ?? null,
      ownerId: state.ownerId,
      reason: record.reason,
    });
    state.stageId = to.id;
    state.enteredAt = record.at;
    state.entryOnly = false;
    // A lead created in this batch is inserted where its history took it; any other is updated.
    if (!createdHere.has(state)) moved.add(state);
    counts.transitions += 1;
  };

  const onActivity = (record: ActivityRecord): void => {
    const state = leadOf(record.lead, 'lead');
    const campaignId = record.campaign ? byName(lookups.campaigns, record.campaign, 'campaign', 'campaign') : null;
    const actor = user(record.actor, 'actor');
    activities.push({ state, record, campaignId, actorId: actor?.id ?? importer?.id ?? null });
    counts.activities += 1;
  };

  const onFeedback = (record: FeedbackRecord): void => {
    const state = record.lead ? leadOf(record.lead, 'lead') : null;
    const campaignId = record.campaign ? byName(lookups.campaigns, record.campaign, 'campaign', 'campaign') : null;
    const author = user(record.author, 'author') ?? importer;
    if (!author) throw badInput('author', 'author is required when the import runs without a user');
    // The verdict is sales' word: the importing user must be one who may record it.
    if (record.disposition) assertMayGiveVerdict(tx, 'disposition');
    feedback.push({
      state,
      record,
      campaignId,
      authorId: author.id,
      actingForSales: record.disposition !== null && author.role !== Role.SALES,
    });
    counts.feedback += 1;
  };

  // Every check of a row comes before it changes anything: a rejected row leaves no trace.
  for (const { line, record } of parsed) {
    try {
      if (record.type === 'lead') onLead(record);
      else if (record.type === 'transition') onTransition(record);
      else if (record.type === 'activity') onActivity(record);
      else onFeedback(record);
    } catch (error) {
      errors.push(rowError(line, error));
    }
  }
  errors.sort((a, b) => a.line - b.line);
  counts.rejected = errors.length;

  if (dryRun) {
    for (const [key, state] of leads) if (state.importedHere || moved.has(state)) input.dryRunLeads.set(key, state);
    return { counts, errors };
  }
  await writeBatch(db, tx, importId, { created, updates, moved, transitions, activities, feedback });
  return { counts, errors };
}

const UPDATABLE: Array<[keyof LeadRecord['fields'], string]> = [
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['company', 'company'],
  ['jobTitle', 'job_title'],
  ['industry', 'industry'],
  ['companySize', 'company_size'],
  ['country', 'country'],
  ['source', 'source'],
  ['dealValue', 'deal_value'],
];

async function writeBatch(
  db: EntityManager,
  tx: Context,
  importId: string,
  batch: {
    created: NewLead[];
    updates: Array<{ state: LeadState; record: LeadRecord; campaignId?: string | null; personaId?: string | null }>;
    moved: Set<LeadState>;
    transitions: Array<{
      state: LeadState;
      from: string | null;
      to: string;
      at: Date;
      actorId: string | null;
      ownerId: string | null;
      reason: string | null;
    }>;
    activities: Array<{ state: LeadState; record: ActivityRecord; campaignId: string | null; actorId: string | null }>;
    feedback: Array<{
      state: LeadState | null;
      record: FeedbackRecord;
      campaignId: string | null;
      authorId: string;
      actingForSales: boolean;
    }>;
  },
): Promise<void> {
  const { created } = batch;
  if (created.length > 0) {
    const f = (pick: (lead: NewLead) => unknown): unknown[] => created.map(pick);
    await db.query(
      `INSERT INTO lead (id, email, email_as_given, external_id, first_name, last_name, company, job_title, industry,
         company_size, country, source, campaign_id, persona_id, owner_id, stage_id, stage_entered_at, deal_value,
         attributes, created_at, import_id, version)
       SELECT u.*, $20::uuid, 1 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::uuid[], $14::uuid[], $15::uuid[], $16::uuid[],
         $17::timestamptz[], $18::numeric[], $19::jsonb[], $21::timestamptz[]) AS u`,
      [
        f((l) => l.state.id),
        f((l) => l.state.email),
        f((l) => (l.record.email.given === l.record.email.canonical ? null : l.record.email.given)),
        f((l) => l.state.externalId),
        f((l) => l.record.fields.firstName ?? null),
        f((l) => l.record.fields.lastName ?? null),
        f((l) => l.record.fields.company ?? null),
        f((l) => l.record.fields.jobTitle ?? null),
        f((l) => l.record.fields.industry ?? null),
        f((l) => l.record.fields.companySize ?? null),
        f((l) => l.record.fields.country?.toUpperCase() ?? null),
        f((l) => l.record.fields.source ?? null),
        f((l) => l.campaignId),
        f((l) => l.personaId),
        f((l) => l.state.ownerId),
        f((l) => l.state.stageId),
        f((l) => l.state.enteredAt),
        f((l) =>
          l.record.fields.dealValue === undefined || l.record.fields.dealValue === null
            ? null
            : Math.round(l.record.fields.dealValue * 100) / 100,
        ),
        f((l) => JSON.stringify(l.record.fields.attributes ?? {})),
        importId,
        f((l) => l.createdAt),
      ],
    );
  }
  for (const update of batch.updates) await updateExisting(db, tx, importId, update);
  // Existing leads the file moved: their stage is where their last transition took them.
  const moved = [...batch.moved];
  if (moved.length > 0) {
    await db.query(
      `UPDATE lead l SET stage_id = u.stage_id, stage_entered_at = u.at, updated_at = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS u(id, stage_id, at) WHERE l.id = u.id`,
      [moved.map((s) => s.id), moved.map((s) => s.stageId), moved.map((s) => s.enteredAt)],
    );
  }
  const { transitions, activities, feedback } = batch;
  if (transitions.length > 0) {
    await db.query(
      `INSERT INTO stage_transition (lead_id, from_stage_id, to_stage_id, at, cause, actor_id, owner_id, reason, import_id)
       SELECT u.lead_id, u.from_id, u.to_id, u.at, 'IMPORT', u.actor_id, u.owner_id, u.reason, $8
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::uuid[], $6::uuid[], $7::text[])
         AS u(lead_id, from_id, to_id, at, actor_id, owner_id, reason)`,
      [
        transitions.map((t) => t.state.id),
        transitions.map((t) => t.from),
        transitions.map((t) => t.to),
        transitions.map((t) => t.at),
        transitions.map((t) => t.actorId),
        transitions.map((t) => t.ownerId),
        transitions.map((t) => t.reason),
        importId,
      ],
    );
  }
  if (activities.length > 0) {
    // Imported evidence is history as it happened: recorded at the time it occurred (import_id says how it came).
    await db.query(
      `INSERT INTO activity (lead_id, type, occurred_at, recorded_at, campaign_id, actor_id, metadata, import_id)
       SELECT u.lead_id, u.type, u.at, u.at, u.campaign_id, u.actor_id, u.metadata, $6
       FROM unnest($1::uuid[], $2::activity_type[], $3::timestamptz[], $4::uuid[], $5::uuid[], $7::jsonb[])
         AS u(lead_id, type, at, campaign_id, actor_id, metadata)`,
      [
        activities.map((a) => a.state.id),
        activities.map((a) => a.record.activityType),
        activities.map((a) => a.record.occurredAt),
        activities.map((a) => a.campaignId),
        activities.map((a) => a.actorId),
        importId,
        activities.map((a) => JSON.stringify(a.record.metadata)),
      ],
    );
  }
  if (feedback.length > 0) {
    await db.query(
      `INSERT INTO feedback (lead_id, campaign_id, author_id, kind, disposition, acting_for_sales, rejection_reason, rating,
         comment, created_at, import_id)
       SELECT u.*, $11 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::feedback_kind[], $5::feedback_disposition[],
         $6::bool[], $7::rejection_reason[], $8::int[], $9::text[], $10::timestamptz[])
         AS u(lead_id, campaign_id, author_id, kind, disposition, acting, reason, rating, comment, at)`,
      [
        feedback.map((x) => x.state?.id ?? null),
        feedback.map((x) => x.campaignId),
        feedback.map((x) => x.authorId),
        feedback.map((x) => x.record.kind),
        feedback.map((x) => x.record.disposition),
        feedback.map((x) => x.actingForSales),
        feedback.map((x) => x.record.reason),
        feedback.map((x) => x.record.rating),
        feedback.map((x) => x.record.comment),
        feedback.map((x) => x.record.at),
        importId,
      ],
    );
  }
  const touched = new Set<string>(created.map((l) => l.state.id));
  for (const update of batch.updates) touched.add(update.state.id);
  for (const t of transitions) touched.add(t.state.id);
  for (const a of activities) touched.add(a.state.id);
  for (const x of feedback) if (x.state) touched.add(x.state.id);
  await refreshLeadFacts(db, [...touched]);
}

/**
 * onDuplicate=update: sets the fields the record gives on a lead that existed, records each change
 * (cause IMPORT) and keeps the values it replaced, once per lead and import, for undoImport.
 */
async function updateExisting(
  db: EntityManager,
  tx: Context,
  importId: string,
  update: { state: LeadState; record: LeadRecord; campaignId?: string | null; personaId?: string | null },
): Promise<void> {
  const [row] = await db.query<Array<Record<string, unknown>>>('SELECT * FROM lead WHERE id = $1', [update.state.id]);
  if (!row) return;
  const sets: Array<[string, unknown]> = [];
  const changes: FieldChange[] = [];
  const set = (field: string, column: string, value: unknown): void => {
    if (value === undefined) return;
    const before = row[column] ?? null;
    const same = column === 'deal_value' ? Number(before) === value : before === value;
    if (same) return;
    sets.push([column, value]);
    changes.push({ field, before, after: value });
  };
  const { record } = update;
  for (const [field, column] of UPDATABLE) {
    let value = record.fields[field] as unknown;
    if (field === 'country' && typeof value === 'string') value = value.toUpperCase();
    if (field === 'dealValue' && typeof value === 'number') value = Math.round(value * 100) / 100;
    set(field, column, value);
  }
  set('campaignId', 'campaign_id', update.campaignId);
  set('personaId', 'persona_id', update.personaId);
  if (record.owner !== undefined) set('ownerId', 'owner_id', update.state.ownerId);
  if (!row.external_id && record.externalId) set('externalId', 'external_id', record.externalId);
  if (record.fields.attributes) {
    const merged: Record<string, unknown> = { ...(row.attributes as Record<string, unknown>) };
    for (const [key, value] of Object.entries(record.fields.attributes)) {
      if ((merged[key] ?? null) === value) continue;
      changes.push({ field: `attributes.${key}`, before: merged[key] ?? null, after: value });
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    assertAttributeTotals(merged, 'attributes');
    if (JSON.stringify(merged) !== JSON.stringify(row.attributes)) sets.push(['attributes', JSON.stringify(merged)]);
  }
  if (sets.length === 0) return;
  const before = Object.fromEntries(sets.map(([column]) => [column, row[column] ?? null]));
  await db.query(
    `INSERT INTO import_lead_update (import_id, lead_id, before) VALUES ($1, $2, $3)
     ON CONFLICT (import_id, lead_id) DO UPDATE SET before = EXCLUDED.before || import_lead_update.before`,
    [importId, update.state.id, JSON.stringify(before)],
  );
  await db.query(
    `UPDATE lead SET ${sets.map(([column], index) => `${column} = $${index + 2}`).join(', ')}, version = version + 1, updated_at = now()
     WHERE id = $1`,
    [update.state.id, ...sets.map(([, value]) => value)],
  );
  await recordLeadChanges(tx, update.state.id, changes, TransitionCause.IMPORT);
}

import { ActivityType, FeedbackDisposition, FeedbackKind, RejectionReason } from '../entities/enums';
import { AppError, ErrorCode, badInput } from '../schema/errors';
import { CreateLeadInput } from '../schema/inputs/lead.inputs';
import { SubmitFeedbackInput } from '../schema/inputs/feedback.inputs';
import {
  canonicalEmail,
  validateArgument,
  validateAttributes,
  validateOccurredAt,
  type Email,
} from '../schema/validation';
import { MAX_REASON_LENGTH } from './lead-stage.service';

/**
 * The records of an import file, read from one line each and checked by the API's own
 * validators (the input classes' class-validator rules, canonical emails, attributes, dates)
 * before anything looks at the database. A problem is an AppError whose `field` names the
 * record's field (`email`, `to`, `attributes.plan`), as the import reports it.
 */

/** How a record names its lead: `{"email": ...}` or `{"externalId": ...}`. */
export type LeadRef = { email: string } | { externalId: string };

export interface LeadRecord {
  type: 'lead';
  email: Email;
  externalId: string | null;
  createdAt: Date | null;
  /** The lead's fields as createLead takes them, with references still by name or email. */
  fields: Omit<CreateLeadInput, 'email' | 'campaignId' | 'personaId' | 'ownerId' | 'stage'>;
  stage: string | null;
  owner: string | null | undefined;
  campaign: string | null | undefined;
  persona: string | null | undefined;
}

export interface TransitionRecord {
  type: 'transition';
  lead: LeadRef;
  from: string | null;
  to: string;
  at: Date;
  actor: string | null;
  reason: string | null;
}

export interface ActivityRecord {
  type: 'activity';
  lead: LeadRef;
  activityType: ActivityType;
  occurredAt: Date;
  campaign: string | null;
  actor: string | null;
  metadata: Record<string, unknown>;
}

export interface FeedbackRecord {
  type: 'feedback';
  lead: LeadRef | null;
  campaign: string | null;
  kind: FeedbackKind;
  disposition: FeedbackDisposition | null;
  reason: RejectionReason | null;
  rating: number | null;
  comment: string;
  at: Date;
  author: string | null;
}

export type ImportRecord = LeadRecord | TransitionRecord | ActivityRecord | FeedbackRecord;

export const EXTERNAL_ID_MAX_LENGTH = 200;
const LEAD_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'industry',
  'companySize',
  'country',
  'source',
  'dealValue',
  'attributes',
] as const;

type Json = Record<string, unknown>;

function optionalString(record: Json, field: string, max: number): string | null {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(field, `${field} must be a string`);
  if (value.length > max) throw badInput(field, `${field} must be at most ${max} characters`);
  return value;
}

function requiredString(record: Json, field: string, max: number): string {
  const value = optionalString(record, field, max);
  if (value === null || value.trim() === '') throw badInput(field, `${field} is required`);
  return value;
}

function date(record: Json, field: string, required: boolean): Date | null {
  const value = record[field];
  if (value === undefined || value === null) {
    if (required) throw badInput(field, `${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw badInput(field, `${field} must be an ISO 8601 date-time string`);
  return validateOccurredAt(new Date(value), field);
}

function enumValue<T extends string>(record: Json, field: string, values: Record<string, T>, required: true): T;
function enumValue<T extends string>(record: Json, field: string, values: Record<string, T>, required: false): T | null;
function enumValue<T extends string>(
  record: Json,
  field: string,
  values: Record<string, T>,
  required: boolean,
): T | null {
  const value = record[field];
  if (value === undefined || value === null) {
    if (required) throw badInput(field, `${field} is required`);
    return null;
  }
  const known = Object.values(values);
  const found = typeof value === 'string' ? known.find((item) => item === value.toUpperCase()) : undefined;
  if (!found) throw badInput(field, `${field} must be one of ${known.join(', ')}`);
  return found;
}

function leadRef(record: Json, field: string, required: boolean): LeadRef | null {
  const value = record[field];
  if (value === undefined || value === null) {
    if (required) throw badInput(field, `${field} is required: {"email": ...} or {"externalId": ...}`);
    return null;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const ref = value as Json;
    if (typeof ref.externalId === 'string' && ref.externalId !== '') return { externalId: ref.externalId };
    if (typeof ref.email === 'string') return { email: canonicalEmail(ref.email, `${field}.email`).canonical };
  }
  throw badInput(field, `${field} must be {"email": ...} or {"externalId": ...}`);
}

/** The input class's class-validator rules; its paths are `input.x`, the import names the record's field. */
async function checkInput(input: object): Promise<void> {
  try {
    const call = validateArgument as (value: object) => Promise<void>;
    await call(input);
  } catch (error) {
    if (error instanceof AppError && typeof error.extensions.field === 'string') {
      const field = error.extensions.field.replace(/^input\./, '');
      throw new AppError(ErrorCode.BAD_USER_INPUT, error.message.replace(/^input\./, ''), { field });
    }
    throw error;
  }
}

async function leadRecord(record: Json): Promise<LeadRecord> {
  const email = canonicalEmail(requiredString(record, 'email', 1000), 'email');
  const input: CreateLeadInput = Object.assign(new CreateLeadInput(), { email: email.given });
  const given = input as unknown as Json;
  for (const field of LEAD_FIELDS) if (record[field] !== undefined) given[field] = record[field];
  await checkInput(input);
  const { email: _email, ...fields } = input;
  if (fields.attributes !== undefined && fields.attributes !== null) {
    if (typeof fields.attributes !== 'object' || Array.isArray(fields.attributes)) {
      throw badInput('attributes', 'attributes must be a flat JSON object');
    }
    fields.attributes = validateAttributes(fields.attributes, 'attributes');
  }
  return {
    type: 'lead',
    email,
    externalId: optionalString(record, 'externalId', EXTERNAL_ID_MAX_LENGTH),
    createdAt: date(record, 'createdAt', false),
    fields,
    stage: optionalString(record, 'stage', 50),
    owner: record.owner === undefined ? undefined : optionalString(record, 'owner', 254),
    campaign: record.campaign === undefined ? undefined : optionalString(record, 'campaign', 200),
    persona: record.persona === undefined ? undefined : optionalString(record, 'persona', 200),
  };
}

function transitionRecord(record: Json): TransitionRecord {
  return {
    type: 'transition',
    lead: leadRef(record, 'lead', true)!,
    from: optionalString(record, 'from', 50),
    to: requiredString(record, 'to', 50),
    at: date(record, 'at', true)!,
    actor: optionalString(record, 'actor', 254),
    reason: optionalString(record, 'reason', MAX_REASON_LENGTH),
  };
}

function activityRecord(record: Json): ActivityRecord {
  const metadata = record.metadata;
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw badInput('metadata', 'metadata must be a flat JSON object');
  }
  return {
    type: 'activity',
    lead: leadRef(record, 'lead', true)!,
    activityType: enumValue(record, 'activityType', ActivityType, true),
    occurredAt: date(record, 'occurredAt', true)!,
    campaign: optionalString(record, 'campaign', 200),
    actor: optionalString(record, 'actor', 254),
    metadata: metadata ? validateAttributes(metadata as Json, 'metadata') : {},
  };
}

/** The shape rules of submitFeedback, field by field. */
async function feedbackRecord(record: Json): Promise<FeedbackRecord> {
  const lead = leadRef(record, 'lead', false);
  const campaign = optionalString(record, 'campaign', 200);
  const kind = enumValue(record, 'kind', FeedbackKind, true);
  const disposition = enumValue(record, 'disposition', FeedbackDisposition, false);
  const reason = enumValue(record, 'reason', RejectionReason, false);
  if (!lead && !campaign) throw badInput('lead', 'feedback is about a lead, a campaign or both');
  if (disposition && !lead) throw badInput('lead', 'a disposition needs a lead');
  if (disposition === FeedbackDisposition.REJECTED && !reason) {
    throw badInput('reason', 'a REJECTED disposition needs a reason');
  }
  if (reason && disposition !== FeedbackDisposition.REJECTED) {
    throw badInput('reason', 'a reason only goes with a REJECTED disposition');
  }
  const checked = Object.assign(new SubmitFeedbackInput(), {
    kind,
    rating: record.rating ?? undefined,
    comment: record.comment ?? undefined,
  });
  await checkInput(checked);
  if (checked.comment !== undefined && typeof checked.comment !== 'string')
    throw badInput('comment', 'comment must be a string');
  return {
    type: 'feedback',
    lead,
    campaign,
    kind,
    disposition,
    reason,
    rating: typeof checked.rating === 'number' ? checked.rating : null,
    comment: checked.comment ?? '',
    at: date(record, 'at', true)!,
    author: optionalString(record, 'author', 254),
  };
}

/** One line of the file as a checked record; a problem is thrown as an AppError naming the field. */
export async function parseRecord(text: string): Promise<ImportRecord> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'the line is not valid JSON', { field: undefined });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'a record is a JSON object', { field: undefined });
  }
  const record = value as Json;
  switch (record.type) {
    case 'lead':
      return leadRecord(record);
    case 'transition':
      return transitionRecord(record);
    case 'activity':
      return activityRecord(record);
    case 'feedback':
      return feedbackRecord(record);
    default:
      throw badInput('type', 'type must be lead, transition, activity or feedback');
  }
}

/** The record's lead reference as a lookup key: `e:<canonical email>` or `x:<external id>`. */
export function refKey(ref: LeadRef): string {
  return 'email' in ref ? `e:${ref.email}` : `x:${ref.externalId}`;
}

/** CSV columns that hold numbers; every other cell is text. `attributes.<key>` columns fill attributes. */
const NUMERIC_COLUMNS = new Set(['companySize', 'dealValue']);

/** A CSV record (header names as keys) as an NDJSON lead record; empty cells are left out. */
export function leadFromCsv(row: Record<string, string>): Json {
  const record: Json = { type: 'lead' };
  const attributes: Json = {};
  for (const [column, cell] of Object.entries(row)) {
    if (cell === '') continue;
    if (column.startsWith('attributes.')) attributes[column.slice('attributes.'.length)] = cell;
    else if (NUMERIC_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(cell)) record[column] = Number(cell);
    else record[column] = cell;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return record;
}

import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { SlaKind } from '../entities/enums';
import { Persona } from '../entities/persona.entity';
import { Sla } from '../entities/sla.entity';
import { SlaTerms } from '../entities/sla-terms.entity';
import { AppError, ErrorCode, badInput, notFound, type Problem } from '../schema/errors';
import type { CreateSlaInput, SlaFieldsInput, UpdateSlaInput } from '../schema/inputs/sla.inputs';
import { recordAudit } from './audit';
import { rebuildSlaDaily } from '../rollups/lead-facts';
import { periodOf } from '../rollups/sla-case';
import { stageByKeyOrThrow } from './funnel.service';
import { assertExists, assertId, lockOrThrow } from './references';
import { inTransaction } from './transaction';

export async function listSlas(ctx: Context, includeArchived: boolean): Promise<Sla[]> {
  const query = repositoryOf(ctx, Sla).createQueryBuilder('sla').orderBy('sla.name', 'ASC');
  if (!includeArchived) query.where('sla.archived_at IS NULL');
  return query.getMany();
}

export async function getSlaOrThrow(ctx: Context, id: string, field = 'slaId'): Promise<Sla> {
  assertId(id, field);
  const sla = await repositoryOf(ctx, Sla).findOneBy({ id });
  if (!sla) throw notFound('SLA', id, field);
  return sla;
}

/** An SLA's terms versions, oldest first. */
export async function listSlaTerms(ctx: Context, slaId: string): Promise<SlaTerms[]> {
  return repositoryOf(ctx, SlaTerms).find({ where: { slaId }, order: { version: 'ASC' } });
}

/** The fields that are an SLA's terms: a change of any of them is a new terms version. */
const TERM_FIELDS = [
  'stageId',
  'target',
  'period',
  'personaId',
  'campaignId',
  'withinHours',
  'attempts',
  'withinDays',
] as const;

function termsOf(sla: Sla): Pick<SlaTerms, 'kind' | (typeof TERM_FIELDS)[number]> {
  return {
    kind: sla.kind,
    stageId: sla.stageId,
    target: sla.target,
    period: sla.period,
    personaId: sla.personaId,
    campaignId: sla.campaignId,
    withinHours: sla.withinHours,
    attempts: sla.attempts,
    withinDays: sla.withinDays,
  };
}

/**
 * The latest instant a case of this SLA started at: for time SLAs the latest entry into its stage
 * (now or before), for LEAD_VOLUME the start of the current period. A change of terms may take
 * effect only after it, so it judges no case that had already started.
 */
async function latestClockStart(tx: Context, sla: Sla, stageIds: string[], now: Date): Promise<Date | null> {
  if (sla.kind === SlaKind.LEAD_VOLUME) return periodOf(sla.period!, now).start;
  const rows: Array<{ latest: Date | null }> = await managerOf(tx).query(
    'SELECT max(entered_at) AS latest FROM stage_visit WHERE stage_id = ANY($1::uuid[]) AND entered_at <= $2',
    [stageIds, now],
  );
  return rows[0]?.latest ?? null;
}

/** The fields each kind needs, and those it must not have, so an SLA always means one thing. */
const FIELDS_BY_KIND: Record<SlaKind, { required: Array<keyof Sla>; allowed: Array<keyof Sla> }> = {
  [SlaKind.LEAD_VOLUME]: { required: ['target', 'period'], allowed: ['target', 'period', 'personaId', 'campaignId'] },
  [SlaKind.RESPONSE_TIME]: { required: ['withinHours'], allowed: ['withinHours'] },
  [SlaKind.FOLLOW_UP]: { required: ['attempts', 'withinDays'], allowed: ['attempts', 'withinDays'] },
};
const KIND_FIELDS: Array<keyof Sla> = [
  'target',
  'period',
  'personaId',
  'campaignId',
  'withinHours',
  'attempts',
  'withinDays',
];

function assertShape(sla: Sla): void {
  const rule = FIELDS_BY_KIND[sla.kind];
  const problems: Problem[] = [];
  for (const field of rule.required) {
    if (sla[field] === null || sla[field] === undefined) {
      problems.push({ path: `input.${field}`, code: 'REQUIRED', message: `${sla.kind} needs ${field}` });
    }
  }
  for (const field of KIND_FIELDS) {
    if (!rule.allowed.includes(field) && sla[field] !== null && sla[field] !== undefined) {
      problems.push({
        path: `input.${field}`,
        code: 'NOT_APPLICABLE',
        message: `${field} does not apply to ${sla.kind}`,
      });
    }
  }
  const first = problems[0];
  if (first) throw new AppError(ErrorCode.BAD_USER_INPUT, first.message, { field: first.path, problems });
}

async function applyFields(tx: Context, sla: Sla, input: SlaFieldsInput): Promise<void> {
  if (input.description !== undefined) sla.description = input.description;
  if (input.stage !== undefined) sla.stageId = (await stageByKeyOrThrow(tx, input.stage, 'input.stage')).id;
  await assertExists(tx, Persona, 'persona', input.personaId, 'input.personaId');
  await assertExists(tx, Campaign, 'campaign', input.campaignId, 'input.campaignId');
  for (const field of [
    'target',
    'period',
    'personaId',
    'campaignId',
    'withinHours',
    'attempts',
    'withinDays',
  ] as const) {
    if (input[field] !== undefined) (sla as unknown as Record<string, unknown>)[field] = input[field];
  }
  assertShape(sla);
}

async function assertNameFree(tx: Context, name: string, exceptId?: string): Promise<void> {
  const holder = await repositoryOf(tx, Sla).findOneBy({ name });
  if (holder && holder.id !== exceptId) {
    throw new AppError(ErrorCode.CONFLICT, `an SLA named "${name}" already exists`, {
      field: 'input.name',
      existingId: holder.id,
    });
  }
}

export async function createSla(ctx: Context, input: CreateSlaInput): Promise<Sla> {
  return inTransaction(ctx, async (tx) => {
    await assertNameFree(tx, input.name);
    const repo = repositoryOf(tx, Sla);
    const sla = repo.create({
      name: input.name,
      kind: input.kind,
      description: '',
      target: null,
      period: null,
      personaId: null,
      campaignId: null,
      withinHours: null,
      attempts: null,
      withinDays: null,
    });
    await applyFields(tx, sla, input);
    const saved = await repo.save(sla);
    // Version 1 also judges the cases that started before the SLA existed.
    await repositoryOf(tx, SlaTerms).insert({
      slaId: saved.id,
      version: 1,
      effectiveFrom: null,
      effectiveTo: null,
      authorId: tx.user?.id ?? null,
      ...termsOf(saved),
    });
    await rebuildSlaDaily(managerOf(tx), saved.id);
    await recordAudit(tx, 'sla', saved.id, 'create', null, saved);
    return saved;
  });
}

export async function updateSla(ctx: Context, input: UpdateSlaInput): Promise<Sla> {
  return inTransaction(ctx, async (tx) => {
    const sla = await lockOrThrow(tx, Sla, 'SLA', input.id, 'input.id', input.expectedVersion);
    const before = { ...sla };
    if (input.name !== undefined && input.name !== sla.name) {
      await assertNameFree(tx, input.name, sla.id);
      sla.name = input.name;
    }
    await applyFields(tx, sla, input);
    const termsChanged = TERM_FIELDS.some((field) => (before[field] ?? null) !== (sla[field] ?? null));
    let version: SlaTerms | null = null;
    if (termsChanged) {
      version = await newTermsVersion(tx, sla, before.stageId, input.effectiveFrom);
    } else if (input.effectiveFrom !== undefined && input.effectiveFrom !== null) {
      throw badInput(
        'input.effectiveFrom',
        'input.effectiveFrom applies to a change of terms; this update changes none',
      );
    }
    const saved = await repositoryOf(tx, Sla).save(sla);
    // A new terms version judges only cases from its effectiveFrom on; recount in the same transaction.
    if (version) await rebuildSlaDaily(managerOf(tx), saved.id);
    await recordAudit(
      tx,
      'sla',
      sla.id,
      'update',
      before,
      version ? { ...saved, termsVersion: version.version, effectiveFrom: version.effectiveFrom } : saved,
    );
    return saved;
  });
}

/**
 * Closes the terms in force and opens the next version from `effectiveFrom` (default now). Refused
 * when that would re-judge a case that already started, or precede the terms it replaces.
 */
async function newTermsVersion(
  tx: Context,
  sla: Sla,
  oldStageId: string,
  effectiveFrom: Date | null | undefined,
): Promise<SlaTerms> {
  const repo = repositoryOf(tx, SlaTerms);
  const now = new Date();
  const from = effectiveFrom ?? now;
  if (Number.isNaN(from.getTime())) throw badInput('input.effectiveFrom', 'input.effectiveFrom is not a valid date');
  const latest = await repo.findOne({ where: { slaId: sla.id }, order: { version: 'DESC' } });
  if (latest?.effectiveFrom && from <= new Date(latest.effectiveFrom)) {
    throw badInput(
      'input.effectiveFrom',
      `input.effectiveFrom must be after ${new Date(latest.effectiveFrom).toISOString()}, when terms version ${latest.version} took effect`,
    );
  }
  if (effectiveFrom) {
    const started = await latestClockStart(tx, sla, [...new Set([oldStageId, sla.stageId])], now);
    if (started && from <= started) {
      throw badInput(
        'input.effectiveFrom',
        `input.effectiveFrom must be after ${started.toISOString()}: a case's clock started then, and a change of terms never re-judges a started case`,
      );
    }
  }
  if (latest) await repo.update({ id: latest.id }, { effectiveTo: from });
  const version = repo.create({
    slaId: sla.id,
    version: (latest?.version ?? 0) + 1,
    effectiveFrom: from,
    effectiveTo: null,
    authorId: tx.user?.id ?? null,
    ...termsOf(sla),
  });
  return repo.save(version);
}

export async function archiveSla(ctx: Context, id: string): Promise<Sla> {
  return inTransaction(ctx, async (tx) => {
    const sla = await lockOrThrow(tx, Sla, 'SLA', id, 'id');
    if (sla.archivedAt) return sla;
    const before = { ...sla };
    sla.archivedAt = new Date();
    const saved = await repositoryOf(tx, Sla).save(sla);
    await recordAudit(tx, 'sla', sla.id, 'archive', before, saved);
    return saved;
  });
}

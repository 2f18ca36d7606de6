import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { SlaKind } from '../entities/enums';
import { Persona } from '../entities/persona.entity';
import { Sla } from '../entities/sla.entity';
import { AppError, ErrorCode, notFound, type Problem } from '../schema/errors';
import type { CreateSlaInput, SlaFieldsInput, UpdateSlaInput } from '../schema/inputs/sla.inputs';
import { recordAudit } from './audit';
import { rebuildSlaDaily } from './metrics/lead-facts.service';
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
    const saved = await repositoryOf(tx, Sla).save(sla);
    // Its terms may have changed: recount its cases in the same transaction.
    await rebuildSlaDaily(managerOf(tx), saved.id);
    await recordAudit(tx, 'sla', sla.id, 'update', before, saved);
    return saved;
  });
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

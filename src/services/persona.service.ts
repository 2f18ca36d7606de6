import type { Context } from '../context';
import { repositoryOf } from '../context';
import { Persona } from '../entities/persona.entity';
import { AppError, ErrorCode } from '../schema/errors';
import type { CreatePersonaInput, PersonaFieldsInput, UpdatePersonaInput } from '../schema/inputs/persona.inputs';
import { lockOrThrow } from './references';
import { recordAudit } from './audit';
import { inTransaction } from './transaction';

export async function listPersonas(ctx: Context, includeArchived: boolean): Promise<Persona[]> {
  const query = repositoryOf(ctx, Persona).createQueryBuilder('p').orderBy('p.name', 'ASC');
  if (!includeArchived) query.where('p.archived_at IS NULL');
  return query.getMany();
}

async function assertNameFree(tx: Context, name: string, exceptId?: string): Promise<void> {
  const holder = await repositoryOf(tx, Persona).findOneBy({ name });
  if (holder && holder.id !== exceptId) {
    throw new AppError(ErrorCode.CONFLICT, `a persona named "${name}" already exists`, {
      field: 'input.name',
      existingId: holder.id,
    });
  }
}

function applyFields(persona: Persona, input: PersonaFieldsInput): void {
  if (input.description !== undefined) persona.description = input.description;
  if (input.pains !== undefined) persona.pains = input.pains;
  if (input.goals !== undefined) persona.goals = input.goals;
  if (input.objections !== undefined) persona.objections = input.objections;
  if (input.talkingPoints !== undefined) persona.talkingPoints = input.talkingPoints;
}

export async function createPersona(ctx: Context, input: CreatePersonaInput): Promise<Persona> {
  return inTransaction(ctx, async (tx) => {
    await assertNameFree(tx, input.name);
    const repo = repositoryOf(tx, Persona);
    const persona = repo.create({
      name: input.name,
      description: '',
      pains: [],
      goals: [],
      objections: [],
      talkingPoints: [],
    });
    applyFields(persona, input);
    const saved = await repo.save(persona);
    await recordAudit(tx, 'persona', saved.id, 'create', null, saved);
    return saved;
  });
}

export async function updatePersona(ctx: Context, input: UpdatePersonaInput): Promise<Persona> {
  return inTransaction(ctx, async (tx) => {
    const persona = await lockOrThrow(tx, Persona, 'persona', input.id, 'input.id', input.expectedVersion);
    const before = { ...persona };
    if (input.name !== undefined && input.name !== persona.name) {
      await assertNameFree(tx, input.name, persona.id);
      persona.name = input.name;
    }
    applyFields(persona, input);
    const saved = await repositoryOf(tx, Persona).save(persona);
    await recordAudit(tx, 'persona', saved.id, 'update', before, saved);
    return saved;
  });
}

/** Archived personas disappear from pick lists but stay on the leads and campaigns that use them. */
export async function archivePersona(ctx: Context, id: string): Promise<Persona> {
  return inTransaction(ctx, async (tx) => {
    const persona = await lockOrThrow(tx, Persona, 'persona', id, 'id');
    if (persona.archivedAt) return persona;
    const before = { ...persona };
    persona.archivedAt = new Date();
    const saved = await repositoryOf(tx, Persona).save(persona);
    await recordAudit(tx, 'persona', saved.id, 'archive', before, saved);
    return saved;
  });
}

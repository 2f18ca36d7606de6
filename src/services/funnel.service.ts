import { defaultManualEntryRoles, normalizeRoles } from '../auth/assertion-policy';
import { config } from '../config';
import type { Context } from '../context';
import { repositoryOf } from '../context';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { Role, StageKind } from '../entities/enums';
import { StageDefinition } from '../entities/stage-definition.entity';
import { STAGE_SLOTS } from '../entities/lead-fact.entity';
import { AppError, ErrorCode, badInput } from '../schema/errors';
import { afterCommit, inTransaction } from './transaction';
import { NotifiedCache } from '../db/notified-cache';
import { recordAudit } from './audit';
import { markStageTimesStale } from '../rollups/lead-facts';
import { stagesWithNewNext } from '../rollups/funnel-order';

export const DEFAULT_STAGE_KEY = 'lead';
const STAGE_KEY = /^[a-z][a-z0-9_]{0,49}$/;

/** The channel a funnel edit notifies at commit: every process drops its copy of the funnel. */
export const FUNNEL_CHANNEL = 'smarketing_funnel_changed';
const FUNNEL_EDITED = 'smarketing.funnelEdited';

/** The funnel in process memory for write paths (see NotifiedCache): a lead write reads no stage rows. */
const funnel = new NotifiedCache<FunnelStage[]>(FUNNEL_CHANNEL, (db) =>
  db.getRepository(FunnelStage).find({ order: { position: 'ASC' } }),
);

/**
 * Called first by every funnel edit, in its transaction: the edit notifies the other processes
 * at commit, this one drops its copy at commit, and the transaction itself reads the funnel from
 * the database (it sees its own edits).
 */
async function funnelEdited(tx: Context): Promise<void> {
  const runner = tx.manager!.queryRunner!;
  if (runner.data?.[FUNNEL_EDITED]) return;
  runner.data = { ...runner.data, [FUNNEL_EDITED]: true };
  await tx.manager!.query('SELECT pg_notify($1, $2)', [FUNNEL_CHANNEL, '']);
  afterCommit(tx, () => funnel.invalidate());
}

export async function listStages(ctx: Context): Promise<FunnelStage[]> {
  if (ctx.manager) {
    const edited = ctx.manager.queryRunner?.data?.[FUNNEL_EDITED] === true;
    return [...(await funnel.get(ctx.manager, { keep: !edited }))];
  }
  return ctx.loaders.stages();
}

/** The stage with this key; an unknown key is bad input naming `field`. */
export async function stageByKeyOrThrow(ctx: Context, key: string, field: string): Promise<FunnelStage> {
  const stage = (await listStages(ctx)).find((candidate) => candidate.key === key);
  if (!stage) throw badInput(field, `${field}: there is no funnel stage with key "${key}"`);
  return stage;
}

/** The smallest slot no stage holds; the metric rollups tell at most STAGE_SLOTS stages apart. */
async function freeSlot(tx: Context): Promise<number> {
  const taken = new Set((await repositoryOf(tx, FunnelStage).find({ select: { slot: true } })).map((s) => s.slot));
  for (let slot = 0; slot < STAGE_SLOTS; slot += 1) if (!taken.has(slot)) return slot;
  throw badInput('input.key', `the funnel holds at most ${STAGE_SLOTS} stages`);
}

/** Appends the stage's definition text to its history (who, now). */
async function recordDefinition(tx: Context, stage: FunnelStage): Promise<void> {
  await repositoryOf(tx, StageDefinition).insert({
    stageId: stage.id,
    definition: stage.definition,
    authorId: tx.user?.id ?? null,
  });
}

export interface StageFields {
  name?: string;
  definition?: string;
  kind?: StageKind;
  /** Who may move a lead into the stage by hand; ADMIN is always added. */
  manualEntryRoles?: Role[];
}

/** ANALYST writes nothing, so it cannot be given a stage to move leads into. */
function entryRolesOrThrow(roles: Role[]): Role[] {
  if (roles.includes(Role.ANALYST)) {
    throw badInput('input.manualEntryRoles', 'input.manualEntryRoles: ANALYST reads only and cannot move leads');
  }
  return normalizeRoles(roles);
}

export async function createFunnelStage(
  ctx: Context,
  input: StageFields & { key: string; name: string; definition: string; position?: number | null },
): Promise<FunnelStage> {
  if (!STAGE_KEY.test(input.key)) {
    throw badInput('input.key', 'input.key must be lower-case letters, digits and _, starting with a letter');
  }
  return inTransaction(ctx, async (tx) => {
    await funnelEdited(tx);
    const repo = repositoryOf(tx, FunnelStage);
    // Serialise funnel edits so positions stay a gap-free sequence.
    await tx.manager!.query('LOCK TABLE funnel_stage IN SHARE ROW EXCLUSIVE MODE');
    if (await repo.findOneBy({ key: input.key })) {
      throw new AppError(ErrorCode.CONFLICT, `a stage with key "${input.key}" already exists`, { field: 'input.key' });
    }
    const count = await repo.count();
    const slot = await freeSlot(tx);
    const position = input.position ?? count + 1;
    if (position < 1 || position > count + 1) {
      throw badInput('input.position', `input.position must be between 1 and ${count + 1}`);
    }
    const handover = await repo.findOneBy({ key: config.handoverStageKey });
    const kind = input.kind ?? StageKind.OPEN;
    const manualEntryRoles = input.manualEntryRoles
      ? entryRolesOrThrow(input.manualEntryRoles)
      : defaultManualEntryRoles(kind, handover !== null && position <= handover.position);
    await repo
      .createQueryBuilder()
      .update()
      .set({ position: () => 'position + 1' })
      .where('position >= :position', { position })
      .execute();
    const stage = await repo.save(
      repo.create({
        key: input.key,
        name: input.name,
        definition: input.definition,
        kind,
        manualEntryRoles,
        position,
        slot,
      }),
    );
    await recordDefinition(tx, stage);
    // No lead has entered the new stage: every lead's time to its next stage stays what it was
    // (a first reach of the stages after it is unchanged), so lead_stage_time stays fresh.
    await recordAudit(tx, 'funnel_stage', stage.id, 'create', null, stage);
    return stage;
  });
}

export async function updateFunnelStage(
  ctx: Context,
  key: string,
  changes: StageFields & { expectedVersion?: number },
): Promise<FunnelStage> {
  return inTransaction(ctx, async (tx) => {
    await funnelEdited(tx);
    // A change of kind reads the whole funnel: other edits wait, as for a reorder (table first, then row).
    if (changes.kind !== undefined) await tx.manager!.query('LOCK TABLE funnel_stage IN SHARE ROW EXCLUSIVE MODE');
    const repo = repositoryOf(tx, FunnelStage);
    const stage = await repo.findOne({ where: { key }, lock: { mode: 'pessimistic_write' } });
    if (!stage) throw badInput('input.key', `input.key: there is no funnel stage with key "${key}"`);
    if (changes.expectedVersion !== undefined && changes.expectedVersion !== stage.version) {
      throw new AppError(ErrorCode.VERSION_CONFLICT, `stage "${key}" is at version ${stage.version}`, {
        field: 'input.expectedVersion',
        currentVersion: stage.version,
      });
    }
    const before = { ...stage };
    if (changes.name !== undefined) stage.name = changes.name;
    const definitionChanged = changes.definition !== undefined && changes.definition !== stage.definition;
    if (changes.definition !== undefined) stage.definition = changes.definition;
    if (changes.manualEntryRoles !== undefined && changes.manualEntryRoles !== null)
      stage.manualEntryRoles = entryRolesOrThrow(changes.manualEntryRoles);
    if (changes.kind !== undefined && changes.kind !== stage.kind) {
      // Which stages are open, won or lost decides the next stage of the stages before them.
      const funnel = await repo.find({ order: { position: 'ASC' } });
      const edited = funnel.map((other) => (other.id === stage.id ? { ...other, kind: changes.kind! } : other));
      if (stagesWithNewNext(funnel, edited).length > 0) await markStageTimesStale(tx.manager!);
      stage.kind = changes.kind;
    }
    const saved = await repo.save(stage);
    if (definitionChanged) await recordDefinition(tx, saved);
    await recordAudit(tx, 'funnel_stage', stage.id, 'update', before, saved);
    return saved;
  });
}

/** `keys` must name every stage exactly once; the funnel takes that order. */
export async function reorderFunnelStages(ctx: Context, keys: string[]): Promise<FunnelStage[]> {
  return inTransaction(ctx, async (tx) => {
    await funnelEdited(tx);
    await tx.manager!.query('LOCK TABLE funnel_stage IN SHARE ROW EXCLUSIVE MODE');
    const repo = repositoryOf(tx, FunnelStage);
    const stages = await repo.find({ order: { position: 'ASC' } });
    const known = new Map(stages.map((stage) => [stage.key, stage]));
    const unknown = keys.find((key) => !known.has(key));
    if (unknown !== undefined) throw badInput('keys', `keys: there is no funnel stage with key "${unknown}"`);
    if (new Set(keys).size !== keys.length || keys.length !== stages.length) {
      throw badInput('keys', `keys must list each of the ${stages.length} stages exactly once`);
    }
    const before = stages.map((stage) => stage.key);
    const reordered = keys.map((key, index) => ({ ...known.get(key)!, position: index + 1 }));
    // Before the loop below moves the stages themselves.
    const nextChanged = stagesWithNewNext(stages, reordered).length > 0;
    for (const [index, key] of keys.entries()) {
      const stage = known.get(key)!;
      if (stage.position !== index + 1) {
        stage.position = index + 1;
        await repo.save(stage);
      }
    }
    if (nextChanged) await markStageTimesStale(tx.manager!);
    await recordAudit(tx, 'funnel', null, 'reorder', { order: before }, { order: keys });
    return repo.find({ order: { position: 'ASC' } });
  });
}

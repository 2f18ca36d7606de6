import type { Context } from '../context';
import { managerOf, readerOf, repositoryOf } from '../context';
import { Conditions } from '../db/select';
import { Campaign } from '../entities/campaign.entity';
import { Persona } from '../entities/persona.entity';
import type { Page } from '../schema/connection';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import type {
  CampaignFieldsInput,
  CampaignsArgs,
  CreateCampaignInput,
  UpdateCampaignInput,
} from '../schema/inputs/campaign.inputs';
import { NEWEST_FIRST, containsPattern, keysetPage } from './pagination';
import { assertAllExist, assertId, lockOrThrow } from './references';
import { recordAudit } from './audit';
import { inTransaction } from './transaction';

export async function getCampaignOrThrow(ctx: Context, id: string, field = 'id'): Promise<Campaign> {
  assertId(id, field);
  const campaign = await repositoryOf(ctx, Campaign).findOneBy({ id });
  if (!campaign) throw notFound('campaign', id, field);
  return campaign;
}

export async function listCampaigns(ctx: Context, args: CampaignsArgs): Promise<Page<Campaign>> {
  const where = new Conditions();
  const filter = args.filter ?? {};
  if (filter.statuses) where.add(`t.status = ANY(${where.param(filter.statuses)}::campaign_status[])`);
  if (filter.channels) where.add(`t.channel = ANY(${where.param(filter.channels)}::campaign_channel[])`);
  if (filter.search !== undefined) where.add(`t.name ILIKE ${where.param(containsPattern(filter.search))}`);
  return keysetPage(readerOf(ctx), Campaign, 'campaign', where, NEWEST_FIRST, args.first, args.after);
}

/** The campaign's target personas as the audit log shows them: ids, in a stable order. */
async function targetPersonaIds(tx: Context, campaignId: string): Promise<string[]> {
  const rows: Array<{ persona_id: string }> = await managerOf(tx).query(
    'SELECT persona_id FROM campaign_target_persona WHERE campaign_id = $1 ORDER BY persona_id',
    [campaignId],
  );
  return rows.map((row) => row.persona_id);
}

async function assertNameFree(tx: Context, name: string, exceptId?: string): Promise<void> {
  const holder = await repositoryOf(tx, Campaign).findOneBy({ name });
  if (holder && holder.id !== exceptId) {
    throw new AppError(ErrorCode.CONFLICT, `a campaign named "${name}" already exists`, {
      field: 'input.name',
      existingId: holder.id,
    });
  }
}

async function applyFields(tx: Context, campaign: Campaign, input: CampaignFieldsInput): Promise<void> {
  if (input.status !== undefined) campaign.status = input.status;
  if (input.description !== undefined) campaign.description = input.description;
  if (input.startsAt !== undefined) campaign.startsAt = input.startsAt;
  if (input.endsAt !== undefined) campaign.endsAt = input.endsAt;
  if (input.budget !== undefined) campaign.budget = input.budget === null ? null : Math.round(input.budget * 100) / 100;
  if (input.talkingPoints !== undefined) campaign.talkingPoints = input.talkingPoints;
  if (campaign.startsAt && campaign.endsAt && campaign.endsAt < campaign.startsAt) {
    throw badInput('input.endsAt', 'input.endsAt must not be before startsAt');
  }
  if (input.targetPersonaIds !== undefined) {
    const ids = [...new Set(input.targetPersonaIds)];
    await assertAllExist(tx, Persona, 'persona', ids, 'input.targetPersonaIds');
    campaign.targetPersonas = ids.map((id) => ({ id }) as Persona);
  }
}

export async function createCampaign(ctx: Context, input: CreateCampaignInput): Promise<Campaign> {
  return inTransaction(ctx, async (tx) => {
    await assertNameFree(tx, input.name);
    const repo = repositoryOf(tx, Campaign);
    const campaign = repo.create({ name: input.name, channel: input.channel, talkingPoints: [], description: '' });
    await applyFields(tx, campaign, input);
    const saved = await repo.save(campaign);
    const after = { ...saved, targetPersonas: undefined, targetPersonaIds: await targetPersonaIds(tx, saved.id) };
    await recordAudit(tx, 'campaign', saved.id, 'create', null, after);
    return saved;
  });
}

export async function updateCampaign(ctx: Context, input: UpdateCampaignInput): Promise<Campaign> {
  return inTransaction(ctx, async (tx) => {
    const campaign = await lockOrThrow(tx, Campaign, 'campaign', input.id, 'input.id', input.expectedVersion);
    const before = { ...campaign, targetPersonaIds: await targetPersonaIds(tx, campaign.id) };
    if (input.name !== undefined && input.name !== campaign.name) {
      await assertNameFree(tx, input.name, campaign.id);
      campaign.name = input.name;
    }
    if (input.channel !== undefined) campaign.channel = input.channel;
    await applyFields(tx, campaign, input);
    const saved = await repositoryOf(tx, Campaign).save(campaign);
    const after = { ...saved, targetPersonas: undefined, targetPersonaIds: await targetPersonaIds(tx, saved.id) };
    await recordAudit(tx, 'campaign', saved.id, 'update', before, after);
    return saved;
  });
}

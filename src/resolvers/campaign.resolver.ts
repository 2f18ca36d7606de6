import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { Persona } from '../entities/persona.entity';
import { Connection, toConnection } from '../schema/connection';
import { CampaignsArgs, CreateCampaignInput, UpdateCampaignInput } from '../schema/inputs/campaign.inputs';
import { createCampaign, getCampaignOrThrow, listCampaigns, updateCampaign } from '../services/campaign.service';

@ObjectType()
export class CampaignConnection extends Connection(Campaign) {}

@Resolver(() => Campaign)
export class CampaignResolver {
  @Authorized(Access.READ)
  @Query(() => Campaign)
  campaign(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Campaign> {
    return getCampaignOrThrow(ctx, id);
  }

  @Authorized(Access.READ)
  @Query(() => CampaignConnection, { description: 'Campaigns, newest first.' })
  async campaigns(@Ctx() ctx: Context, @Args(() => CampaignsArgs) args: CampaignsArgs): Promise<CampaignConnection> {
    return toConnection(CampaignConnection, await listCampaigns(ctx, args));
  }

  @Authorized(Access.WRITE_MARKETING)
  @Mutation(() => Campaign)
  createCampaign(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateCampaignInput) input: CreateCampaignInput,
  ): Promise<Campaign> {
    return createCampaign(ctx, input);
  }

  @Authorized(Access.WRITE_MARKETING)
  @Mutation(() => Campaign)
  updateCampaign(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateCampaignInput) input: UpdateCampaignInput,
  ): Promise<Campaign> {
    return updateCampaign(ctx, input);
  }

  @FieldResolver(() => [Persona])
  targetPersonas(@Root() campaign: Campaign, @Ctx() ctx: Context): Promise<Persona[]> {
    return ctx.loaders.targetPersonas.load(campaign.id);
  }
}

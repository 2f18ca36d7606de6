import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { CreateFunnelStageInput, UpdateFunnelStageInput } from '../schema/inputs/funnel.inputs';
import { createFunnelStage, listStages, reorderFunnelStages, updateFunnelStage } from '../services/funnel.service';

@Resolver(() => FunnelStage)
export class FunnelResolver {
  @Authorized(Access.READ)
  @Query(() => [FunnelStage], { description: 'The funnel, in order.' })
  funnelStages(@Ctx() ctx: Context): Promise<FunnelStage[]> {
    return listStages(ctx);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => FunnelStage)
  createFunnelStage(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateFunnelStageInput) input: CreateFunnelStageInput,
  ): Promise<FunnelStage> {
    return createFunnelStage(ctx, input);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => FunnelStage)
  updateFunnelStage(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateFunnelStageInput) input: UpdateFunnelStageInput,
  ): Promise<FunnelStage> {
    return updateFunnelStage(ctx, input.key, input);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => [FunnelStage], { description: 'Puts the stages in the given order; every key exactly once.' })
  reorderFunnelStages(@Ctx() ctx: Context, @Arg('keys', () => [String]) keys: string[]): Promise<FunnelStage[]> {
    return reorderFunnelStages(ctx, keys);
  }
}

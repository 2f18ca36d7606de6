import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { StageDefinition } from '../entities/stage-definition.entity';
import { User } from '../entities/user.entity';
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

  @FieldResolver(() => [StageDefinition], {
    description:
      'Every text this stage’s definition has had, oldest first, with who wrote it and when it took effect: what the stage meant at any time. The last entry is the current definition.',
  })
  definitionHistory(@Root() stage: FunnelStage, @Ctx() ctx: Context): Promise<StageDefinition[]> {
    return ctx.loaders.stageDefinitions.load(stage.id);
  }
}

@Resolver(() => StageDefinition)
export class StageDefinitionResolver {
  @FieldResolver(() => User, { nullable: true })
  author(@Root() entry: StageDefinition, @Ctx() ctx: Context): Promise<User | null> | null {
    return entry.authorId ? ctx.loaders.user.load(entry.authorId) : null;
  }
}

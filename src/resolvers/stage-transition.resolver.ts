import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { StageTransition } from '../entities/stage-transition.entity';
import { User } from '../entities/user.entity';

@Resolver(() => StageTransition)
export class StageTransitionResolver {
  @FieldResolver(() => FunnelStage, { nullable: true, description: 'Null for the lead’s first stage.' })
  from(@Root() transition: StageTransition, @Ctx() ctx: Context): Promise<FunnelStage | null> | null {
    return transition.fromStageId ? ctx.loaders.stage.load(transition.fromStageId) : null;
  }

  @FieldResolver(() => FunnelStage)
  async to(@Root() transition: StageTransition, @Ctx() ctx: Context): Promise<FunnelStage | null> {
    return ctx.loaders.stage.load(transition.toStageId);
  }

  @FieldResolver(() => User, { nullable: true })
  actor(@Root() transition: StageTransition, @Ctx() ctx: Context): Promise<User | null> | null {
    return transition.actorId ? ctx.loaders.user.load(transition.actorId) : null;
  }
}

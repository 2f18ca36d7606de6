import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { LeadChange } from '../entities/lead-change.entity';
import { User } from '../entities/user.entity';

@Resolver(() => LeadChange)
export class LeadChangeResolver {
  @FieldResolver(() => User, { nullable: true, description: 'Who made the change; null for the rules and the server.' })
  actor(@Root() change: LeadChange, @Ctx() ctx: Context): Promise<User | null> | null {
    return change.actorId ? ctx.loaders.user.load(change.actorId) : null;
  }
}

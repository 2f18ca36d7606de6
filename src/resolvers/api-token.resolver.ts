import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { ApiToken } from '../entities/api-token.entity';
import { ApiTokenStatus } from '../entities/enums';
import { User } from '../entities/user.entity';
import { listApiTokens, revokeApiToken, rotateApiToken, type ApiTokenView } from '../services/api-token.service';
import { CreatedApiToken } from './user.resolver';

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Authorized(Access.MANAGE_USERS)
  @Query(() => [ApiToken], { description: "A user's tokens, newest first (never the token itself nor its hash)." })
  apiTokens(@Ctx() ctx: Context, @Arg('userId', () => ID) userId: string): Promise<ApiTokenView[]> {
    return listApiTokens(ctx, userId);
  }

  @Authorized(Access.MANAGE_USERS)
  @Mutation(() => ApiToken, { description: 'Stops the token working at once. Revoking it again changes nothing.' })
  revokeApiToken(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<ApiTokenView> {
    return revokeApiToken(ctx, id);
  }

  @Authorized(Access.MANAGE_USERS)
  @Mutation(() => CreatedApiToken, {
    description:
      'A new token for the same user and label, shown once; the old one is revoked in the same step. Keeps the expiry unless `expiresAt` is given.',
  })
  rotateApiToken(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('expiresAt', () => Date, { nullable: true, description: 'The new token stops working then.' })
    expiresAt: Date | null | undefined,
  ): Promise<CreatedApiToken> {
    return rotateApiToken(ctx, id, expiresAt);
  }

  @FieldResolver(() => ApiTokenStatus)
  status(@Root() token: ApiTokenView): ApiTokenStatus {
    if (token.revokedAt) return ApiTokenStatus.REVOKED;
    if (token.expiresAt && new Date(token.expiresAt).getTime() <= Date.now()) return ApiTokenStatus.EXPIRED;
    return ApiTokenStatus.ACTIVE;
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() token: ApiTokenView, @Ctx() ctx: Context): Promise<User | null> {
    return ctx.loaders.user.load(token.userId);
  }
}

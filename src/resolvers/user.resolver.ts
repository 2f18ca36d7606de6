import {
  Arg,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access, mayReadEmailOf } from '../auth/roles';
import type { Context } from '../context';
import { User } from '../entities/user.entity';
import { notFound } from '../schema/errors';
import { CreateApiTokenInput, CreateUserInput } from '../schema/inputs/user.inputs';
import { createApiToken } from '../services/api-token.service';
import { createUser, deleteUser, listUsers } from '../services/user.service';

@ObjectType()
export class CreatedApiToken {
  @Field(() => ID)
  tokenId: string;

  @Field({ description: 'The bearer token. Shown only now: only its hash is stored.' })
  token: string;

  @Field(() => User)
  user: User;
}

@Resolver(() => User)
export class UserResolver {
  @Authorized(Access.READ)
  @Query(() => User, { description: 'The caller.' })
  async me(@Ctx() ctx: Context): Promise<User> {
    const user = await ctx.loaders.user.load(ctx.user!.id);
    if (!user) throw notFound('user', ctx.user!.id, 'me');
    return user;
  }

  @Authorized(Access.MANAGE_USERS)
  @Query(() => [User])
  users(@Ctx() ctx: Context): Promise<User[]> {
    return listUsers(ctx);
  }

  @Authorized(Access.MANAGE_USERS)
  @Mutation(() => User)
  createUser(@Ctx() ctx: Context, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<User> {
    return createUser(ctx, input);
  }

  @Authorized(Access.MANAGE_USERS)
  @Mutation(() => User, { description: 'Deletes the user and revokes their tokens; their history stays.' })
  deleteUser(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<User> {
    return deleteUser(ctx, id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Personal: visible to ADMIN and to the user themself only, null for everyone else (who still see name and role), wherever a user appears (owner, actor, author, users, ...).',
  })
  email(@Root() user: User, @Ctx() ctx: Context): string | null {
    return mayReadEmailOf(ctx.user, user.id) ? user.email : null;
  }

  @Authorized(Access.MANAGE_USERS)
  @Mutation(() => CreatedApiToken)
  createApiToken(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput,
  ): Promise<CreatedApiToken> {
    return createApiToken(ctx, input.userId, input);
  }
}

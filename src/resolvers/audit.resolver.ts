import { Args, Authorized, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { AuditEntry } from '../entities/audit-entry.entity';
import { User } from '../entities/user.entity';
import { Connection, toConnection } from '../schema/connection';
import { AuditLogArgs } from '../schema/inputs/audit.inputs';
import { listAuditEntries } from '../services/audit-log.service';

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry) {}

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(Access.MANAGE_USERS)
  @Query(() => AuditEntryConnection, {
    description:
      'Every recorded change to funnel stages, SLAs, rule sets, campaigns, personas, users and tokens: who, when, before and after; newest first.',
  })
  async auditLog(@Ctx() ctx: Context, @Args(() => AuditLogArgs) args: AuditLogArgs): Promise<AuditEntryConnection> {
    return toConnection(AuditEntryConnection, await listAuditEntries(ctx, args));
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who made the change; null for the system.' })
  actor(@Root() entry: AuditEntry, @Ctx() ctx: Context): Promise<User | null> | null {
    return entry.actorId ? ctx.loaders.user.load(entry.actorId) : null;
  }
}

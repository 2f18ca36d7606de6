import { IsNull } from 'typeorm';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import { ApiToken } from '../entities/api-token.entity';
import type { Role } from '../entities/enums';
import { User } from '../entities/user.entity';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import { createApiToken } from './api-token.service';
import { recordAudit } from './audit';
import { assertId } from './references';
import { inTransaction } from './transaction';

export async function listUsers(ctx: Context): Promise<User[]> {
  return repositoryOf(ctx, User).find({ order: { name: 'ASC' } });
}

export async function createUser(
  ctx: Context,
  input: { name: string; email?: string | null; role: Role },
): Promise<User> {
  return inTransaction(ctx, async (tx) => {
    const repo = repositoryOf(tx, User);
    const holder = await repo.findOne({ where: { name: input.name }, withDeleted: true });
    if (holder) {
      throw new AppError(ErrorCode.CONFLICT, `a user named "${input.name}" already exists`, {
        field: 'input.name',
        existingId: holder.id,
      });
    }
    const user = await repo.save(
      repo.create({ name: input.name, email: input.email?.trim().toLowerCase() ?? null, role: input.role }),
    );
    await recordAudit(tx, 'user', user.id, 'create', null, user);
    return user;
  });
}

/**
 * Used by `npm run token`: finds the user by name (creating it if new) and issues a token. An
 * existing user keeps their role: asking for another one is a CONFLICT that changes nothing,
 * unless `changeRole` says the change is meant (then it is made and audited).
 */
export async function issueTokenFor(
  ctx: Context,
  name: string,
  role: Role,
  options: { changeRole?: boolean } = {},
): Promise<{ token: string; user: User; created: boolean; roleChangedFrom: Role | null }> {
  return inTransaction(ctx, async (tx) => {
    const repo = repositoryOf(tx, User);
    let user = await repo.findOneBy({ name });
    const created = !user;
    if (!user) user = await createUser(tx, { name, role });
    let roleChangedFrom: Role | null = null;
    if (user.role !== role) {
      if (!options.changeRole) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `user ${name} is ${user.role}, not ${role}; nothing was changed. To change their role, run it again with --change-role`,
          { field: 'role', currentRole: user.role },
        );
      }
      const before = { ...user };
      roleChangedFrom = user.role;
      user.role = role;
      await repo.save(user);
      await recordAudit(tx, 'user', user.id, 'update', before, user);
    }
    const { token } = await createApiToken(tx, user.id, { label: 'cli' });
    return { token, user, created, roleChangedFrom };
  });
}

export async function deleteUser(ctx: Context, id: string): Promise<User> {
  return inTransaction(ctx, async (tx) => {
    assertId(id, 'id');
    const repo = repositoryOf(tx, User);
    const user = await repo.findOneBy({ id });
    if (!user) throw notFound('user', id, 'id');
    if (user.id === tx.user?.id) throw badInput('id', 'you cannot delete yourself');
    await repo.softDelete({ id });
    await managerOf(tx).getRepository(ApiToken).update({ userId: id, revokedAt: IsNull() }, { revokedAt: new Date() });
    await recordAudit(tx, 'user', id, 'delete', user, null);
    return user;
  });
}

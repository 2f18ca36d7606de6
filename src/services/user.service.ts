import { IsNull } from 'typeorm';
import type { Context } from '../context';
import { managerOf, repositoryOf } from '../context';
import type { CurrentUser } from '../context';
import { selectRows } from '../db/select';
import { ApiToken } from '../entities/api-token.entity';
import type { Role } from '../entities/enums';
import { User } from '../entities/user.entity';
import { generateToken, hashToken } from '../auth/tokens';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import { recordAudit } from './audit';
import { assertId } from './references';
import { inTransaction } from './transaction';

/** The user behind a token, or null when the token is unknown, revoked or expired or its user deleted. */
export async function userForToken(ctx: Pick<Context, 'dataSource'>, token: string): Promise<CurrentUser | null> {
  const rows = await selectRows<CurrentUser>(
    ctx.dataSource,
    `SELECT u.id, u.name, u.role FROM api_token t JOIN "user" u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.deleted_at IS NULL
       AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [hashToken(token)],
  );
  return rows[0] ?? null;
}

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

/** A new token for the user; the token is returned once and only its hash is kept. */
export async function createApiToken(
  ctx: Context,
  userId: string,
  options: { label?: string | null; expiresAt?: Date | null } = {},
): Promise<{ token: string; tokenId: string; user: User }> {
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
    throw badInput('input.expiresAt', 'input.expiresAt must be in the future');
  }
  return inTransaction(ctx, async (tx) => {
    assertId(userId, 'input.userId');
    const user = await repositoryOf(tx, User).findOneBy({ id: userId });
    if (!user) throw notFound('user', userId, 'input.userId');
    const token = generateToken();
    const saved = await repositoryOf(tx, ApiToken).save({
      userId,
      tokenHash: hashToken(token),
      label: options.label ?? null,
      expiresAt: options.expiresAt ?? null,
    });
    await recordAudit(tx, 'api_token', saved.id, 'create', null, {
      userId,
      label: saved.label,
      expiresAt: saved.expiresAt,
    });
    return { token, tokenId: saved.id, user };
  });
}

/** Used by `npm run token`: finds the user by name (creating it if new) and issues a token. */
export async function issueTokenFor(
  ctx: Context,
  name: string,
  role: Role,
): Promise<{ token: string; user: User; created: boolean }> {
  return inTransaction(ctx, async (tx) => {
    const repo = repositoryOf(tx, User);
    let user = await repo.findOneBy({ name });
    const created = !user;
    if (!user) user = await createUser(tx, { name, role });
    if (user.role !== role) {
      const before = { ...user };
      user.role = role;
      await repo.save(user);
      await recordAudit(tx, 'user', user.id, 'update', before, user);
    }
    const { token } = await createApiToken(tx, user.id, { label: 'cli' });
    return { token, user, created };
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

import type { DataSource } from 'typeorm';
import type { Context, CurrentUser } from '../context';
import { repositoryOf } from '../context';
import { selectRows } from '../db/select';
import { ApiToken } from '../entities/api-token.entity';
import { User } from '../entities/user.entity';
import { generateToken, hashToken } from '../auth/tokens';
import { logger } from '../logger';
import { badInput, notFound } from '../schema/errors';
import { recordAudit } from './audit';
import { assertId } from './references';
import { inTransaction } from './transaction';

/** The caller behind a bearer token: who, and with which token (rate limits count per token). */
export interface Identity {
  user: CurrentUser;
  tokenId: string;
}

/** The identity behind a token, or null when the token is unknown, revoked or expired or its user deleted. */
export async function identityForToken(ctx: Pick<Context, 'dataSource'>, token: string): Promise<Identity | null> {
  const rows = await selectRows<CurrentUser & { tokenId: string }>(
    ctx.dataSource,
    `SELECT u.id, u.name, u.role, t.id AS "tokenId" FROM api_token t JOIN "user" u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.deleted_at IS NULL
       AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [hashToken(token)],
  );
  const row = rows[0];
  return row ? { user: { id: row.id, name: row.name, role: row.role }, tokenId: row.tokenId } : null;
}

/** How often a token's `last_used_at` is written at most, per process. */
export const LAST_USE_PRECISION_MS = 60_000;
const lastWritten = new Map<string, number>();

/**
 * Records that a token was used, at most once a minute per token and process, in the
 * background: the request does not wait for it and a failure only costs one timestamp.
 */
export function recordTokenUse(dataSource: DataSource, tokenId: string, now = Date.now()): void {
  const previous = lastWritten.get(tokenId);
  if (previous !== undefined && now - previous < LAST_USE_PRECISION_MS) return;
  lastWritten.set(tokenId, now);
  if (lastWritten.size > 10_000) {
    for (const [id, at] of lastWritten) if (now - at >= LAST_USE_PRECISION_MS) lastWritten.delete(id);
  }
  dataSource
    .query('UPDATE api_token SET last_used_at = now() WHERE id = $1', [tokenId])
    .catch((error: unknown) => logger.warn({ err: error, tokenId }, 'could not record the last use of a token'));
}

/** A new token for the user; the token is returned once and only its hash is kept. */
export async function createApiToken(
  ctx: Context,
  userId: string,
  options: { label?: string | null; expiresAt?: Date | null } = {},
  field = 'input',
): Promise<{ token: string; tokenId: string; user: User }> {
  const at = (name: string): string => (field ? `${field}.${name}` : name);
  if (options.expiresAt && options.expiresAt.getTime() <= Date.now()) {
    throw badInput(at('expiresAt'), `${at('expiresAt')} must be in the future`);
  }
  return inTransaction(ctx, async (tx) => {
    assertId(userId, at('userId'));
    const user = await repositoryOf(tx, User).findOneBy({ id: userId });
    if (!user) throw notFound('user', userId, at('userId'));
    const token = generateToken();
    const saved = await repositoryOf(tx, ApiToken).save({
      userId,
      tokenHash: hashToken(token),
      label: options.label ?? null,
      expiresAt: options.expiresAt ?? null,
    });
    await recordAudit(tx, 'api_token', saved.id, 'create', null, publicView(saved));
    return { token, tokenId: saved.id, user };
  });
}

/** What the audit log and ADMINs see of a token: never its hash. */
function publicView(token: ApiToken): ApiTokenView {
  const { tokenHash: _hash, user: _user, ...rest } = token;
  return rest;
}

export type ApiTokenView = Omit<ApiToken, 'tokenHash' | 'user'>;

/** A user's tokens (a deleted user's too), newest first, without their hashes. */
export async function listApiTokens(ctx: Context, userId: string): Promise<ApiTokenView[]> {
  assertId(userId, 'userId');
  const user = await repositoryOf(ctx, User).findOne({ where: { id: userId }, withDeleted: true });
  if (!user) throw notFound('user', userId, 'userId');
  return selectRows<ApiTokenView>(
    ctx.manager ?? ctx.dataSource,
    `SELECT t.id, t.user_id AS "userId", t.label, t.created_at AS "createdAt", t.expires_at AS "expiresAt",
            t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt"
       FROM api_token t WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC`,
    [userId],
  );
}

async function lockTokenOrThrow(tx: Context, id: string): Promise<ApiToken> {
  assertId(id, 'id');
  const token = await repositoryOf(tx, ApiToken).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!token) throw notFound('token', id, 'id');
  return token;
}

/** Revokes a token at once; revoking a revoked token changes nothing. */
export async function revokeApiToken(ctx: Context, id: string): Promise<ApiToken> {
  return inTransaction(ctx, async (tx) => {
    const token = await lockTokenOrThrow(tx, id);
    if (token.revokedAt) return token;
    const before = publicView(token);
    token.revokedAt = new Date();
    await repositoryOf(tx, ApiToken).update({ id }, { revokedAt: token.revokedAt });
    await recordAudit(tx, 'api_token', id, 'revoke', before, publicView(token));
    return token;
  });
}

/**
 * A new token for the same user, label and expiry (or `expiresAt` when given), and the old one
 * revoked in the same transaction. A revoked or expired token cannot be rotated: create one.
 */
export async function rotateApiToken(
  ctx: Context,
  id: string,
  expiresAt?: Date | null,
): Promise<{ token: string; tokenId: string; user: User }> {
  return inTransaction(ctx, async (tx) => {
    const old = await lockTokenOrThrow(tx, id);
    if (old.revokedAt) throw badInput('id', 'the token is revoked; create a new one instead');
    if (old.expiresAt && old.expiresAt.getTime() <= Date.now()) {
      throw badInput('id', 'the token has expired; create a new one instead');
    }
    const created = await createApiToken(
      tx,
      old.userId,
      { label: old.label, expiresAt: expiresAt === undefined ? old.expiresAt : expiresAt },
      '',
    );
    const before = publicView(old);
    old.revokedAt = new Date();
    await repositoryOf(tx, ApiToken).update({ id }, { revokedAt: old.revokedAt });
    await recordAudit(tx, 'api_token', id, 'rotate', before, { ...publicView(old), replacedBy: created.tokenId });
    return created;
  });
}

import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { logger } from '../logger';
import { AppError, ErrorCode, badInput } from '../schema/errors';
import { inTransaction } from './transaction';

/** How long a key is remembered: a client retrying later than this writes again. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'A key of your choosing (a UUID, say) that makes a retry safe: the same key with the same arguments within 24 hours returns the first answer without writing again; with other arguments it is IDEMPOTENCY_KEY_REUSED.';

/** UUIDs, ULIDs and most client-made keys fit; no spaces or control characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same payload. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

type Path = Array<string | number>;

/** Where the answer holds Dates: JSON turns them into strings, and only these become Dates again. */
function datePaths(value: unknown, path: Path = [], found: Path[] = []): Path[] {
  if (value instanceof Date) found.push(path);
  else if (Array.isArray(value)) value.forEach((item, index) => datePaths(item, [...path, index], found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) datePaths(item, [...path, key], found);
  }
  return found;
}

/** The stored form of an answer: its JSON and the paths of its Dates. */
interface StoredAnswer {
  answer: unknown;
  datePaths: Path[];
}

function storedAnswer(answer: unknown): StoredAnswer {
  return { answer, datePaths: datePaths(answer) };
}

/**
 * The first answer again, exactly: the Dates it held are Dates, every string stays a string (a
 * custom attribute `followUpAt: "2026-03-01"` is not a timestamp). Rows stored before the paths
 * were kept (within the 24 hours after the upgrade) had their `...At` strings revived.
 */
function replayedAnswer(stored: unknown): unknown {
  if (stored === null || typeof stored !== 'object' || !('datePaths' in stored) || !('answer' in stored)) {
    return JSON.parse(JSON.stringify(stored), (key, value: unknown) =>
      key.endsWith('At') && typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : value,
    ) as unknown;
  }
  const { answer, datePaths: paths } = stored as StoredAnswer;
  let root = answer;
  for (const path of paths) {
    if (path.length === 0) {
      root = new Date(root as string);
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    parent[last] = new Date(parent[last] as string);
  }
  return root;
}

/**
 * Runs a mutation at most once per idempotency key and caller. The key is claimed, the work done
 * and its answer stored in one transaction: a key exists exactly when the writes do, so a failed
 * first attempt leaves no key and its retry runs afresh. A retry with the same key and payload
 * gets the stored answer without writing; the same key with another payload or mutation is
 * IDEMPOTENCY_KEY_REUSED. Two concurrent calls with one key queue on the key's unique index: the
 * second waits for the first to commit, then answers from it. Without a key, `work` just runs.
 */
export async function withIdempotencyKey<T>(
  ctx: Context,
  request: { operation: string; key: string | null | undefined; payload: unknown },
  work: (tx: Context) => Promise<T>,
): Promise<T> {
  const { operation, key, payload } = request;
  if (key === null || key === undefined) return work(ctx);
  if (!KEY.test(key)) {
    throw badInput('idempotencyKey', 'idempotencyKey must be 1 to 255 printable ASCII characters without spaces');
  }
  const userId = ctx.user!.id;
  const requestHash = createHash('sha256')
    .update(`${operation}\n${canonicalJson(payload)}`)
    .digest('hex');
  return inTransaction(ctx, async (tx) => {
    const manager = managerOf(tx);
    // Takes over a key past its retention that the sweep has not deleted yet.
    const claimed = await manager.query<Array<{ id: string }>>(
      `INSERT INTO idempotency_key (user_id, key, operation, request_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
       ON CONFLICT (user_id, key) DO UPDATE
         SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, response = NULL,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_key.expires_at <= now()
       RETURNING id`,
      [userId, key, operation, requestHash, IDEMPOTENCY_RETENTION_MS],
    );
    const claim = claimed[0];
    if (!claim) {
      const [stored] = await manager.query<Array<{ operation: string; request_hash: string; response: unknown }>>(
        'SELECT operation, request_hash, response FROM idempotency_key WHERE user_id = $1 AND key = $2',
        [userId, key],
      );
      if (!stored || stored.operation !== operation || stored.request_hash !== requestHash) {
        throw new AppError(
          ErrorCode.IDEMPOTENCY_KEY_REUSED,
          stored && stored.operation !== operation
            ? `this idempotencyKey was used for ${stored.operation}; use a new key for each new request`
            : 'this idempotencyKey was used with another payload; use a new key for each new request',
          { field: 'idempotencyKey' },
        );
      }
      logger.debug({ operation, requestId: ctx.requestId }, 'answered a retry from its idempotency key');
      return replayedAnswer(stored.response) as T;
    }
    const result = await work(tx);
    await manager.query('UPDATE idempotency_key SET response = $2 WHERE id = $1', [
      claim.id,
      JSON.stringify(storedAnswer(result)),
    ]);
    return result;
  });
}

/** Forgets keys past their retention; the server runs it every hour. */
export async function purgeExpiredIdempotencyKeys(dataSource: DataSource): Promise<number> {
  const rows = await dataSource.query<Array<{ count: number }>>(
    `WITH gone AS (DELETE FROM idempotency_key WHERE expires_at <= now() RETURNING 1)
     SELECT count(*)::int AS count FROM gone`,
  );
  return rows[0]?.count ?? 0;
}

import type { EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import type { Context } from '../context';
import { managerOf } from '../context';
import { isUUID } from 'class-validator';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';

/** Ids are uuids; anything else is the client's mistake, named, before it reaches SQL. */
export function assertId(id: string, field: string): void {
  if (!isUUID(id)) throw badInput(field, `${field} is not a valid id`);
}

/** Fails with NOT_FOUND naming `field` when `id` is given but no such row exists. */
export async function assertExists<T extends ObjectLiteral>(
  ctx: Context,
  entity: EntityTarget<T>,
  label: string,
  id: string | null | undefined,
  field: string,
): Promise<void> {
  if (id === null || id === undefined) return;
  assertId(id, field);
  const found = await managerOf(ctx)
    .getRepository(entity)
    .createQueryBuilder('e')
    .where('e.id = :id', { id })
    .getExists();
  if (!found) throw notFound(label, id, field);
}

/** Fails with NOT_FOUND naming `field` unless every id exists. */
export async function assertAllExist<T extends ObjectLiteral>(
  ctx: Context,
  entity: EntityTarget<T>,
  label: string,
  ids: string[],
  field: string,
): Promise<void> {
  ids.forEach((id) => assertId(id, field));
  const rows = await managerOf(ctx)
    .getRepository(entity)
    .createQueryBuilder('e')
    .select('e.id', 'id')
    .where('e.id = ANY(:ids)', { ids })
    .getRawMany<{ id: string }>();
  const found = new Set(rows.map((row) => row.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound(label, missing, field);
}

interface Versioned {
  id: string;
  /** Rows without a version column cannot be checked against an expected version. */
  version?: number;
}

export function assertVersion(row: Versioned, label: string, expectedVersion: number | undefined, field: string): void {
  if (expectedVersion !== undefined && expectedVersion !== row.version) {
    throw new AppError(
      ErrorCode.VERSION_CONFLICT,
      `${label} ${row.id} is at version ${row.version}, not ${expectedVersion}`,
      {
        field,
        currentVersion: row.version,
      },
    );
  }
}

/**
 * Loads a row for update, locking it for the rest of the transaction so concurrent edits queue up,
 * and checks the version the client started from.
 */
export async function lockOrThrow<T extends Versioned>(
  tx: Context,
  entity: EntityTarget<T>,
  label: string,
  id: string,
  field: string,
  expectedVersion?: number,
): Promise<T> {
  assertId(id, field);
  const row = await managerOf(tx)
    .getRepository(entity)
    .findOne({ where: { id } as FindOptionsWhere<T>, lock: { mode: 'pessimistic_write' } });
  if (!row) throw notFound(label, id, field);
  const versionField = field.endsWith('.id') ? `${field.slice(0, -3)}.expectedVersion` : 'expectedVersion';
  assertVersion(row, label, expectedVersion, versionField);
  return row;
}

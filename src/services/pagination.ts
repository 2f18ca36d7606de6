import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { columnsOf, selectRows, type Conditions, selectEntities } from '../db/select';
import { badInput } from '../schema/errors';
import type { Page } from '../schema/connection';

export type SortValueKind = 'date' | 'int';

export interface KeysetOrder {
  /** Entity property the page is sorted by; the primary key breaks ties. */
  property: string;
  column: string;
  kind: SortValueKind;
  direction: 'ASC' | 'DESC';
}

export const NEWEST_FIRST: KeysetOrder = {
  property: 'createdAt',
  column: 'created_at',
  kind: 'date',
  direction: 'DESC',
};

/** An ILIKE pattern matching `text` anywhere; `%` and `_` in it are literal, not wildcards. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(value: unknown, id: string): string {
  const sortValue = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

/** Cursors are opaque to clients; anything that does not decode to what we issued is bad input. */
export function decodeCursor(cursor: string, kind: SortValueKind): [string | number, string] {
  const invalid = badInput('after', 'after is not a cursor issued by this API');
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid;
  const [value, id] = decoded as [unknown, unknown];
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid;
  if (kind === 'int' && Number.isSafeInteger(value)) return [value as number, id];
  if (kind === 'date' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return [value, id];
  throw invalid;
}

/**
 * Pages a table by key (sort column, id), as PostGraphile does: no OFFSET, so page 1000 costs
 * what page 1 costs. Fetches one extra row to know whether another page follows. The count runs
 * only when a client asks for `totalCount`.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  db: DataSource | EntityManager,
  entity: EntityTarget<T>,
  table: string,
  filter: Conditions,
  order: KeysetOrder,
  first: number,
  after: string | null | undefined,
): Promise<Page<T>> {
  const countSql = `SELECT count(*)::int AS count FROM ${table} t ${filter.where()}`;
  const countParams = [...filter.params];
  // `after: null` (an explicit null variable) is the first page, like no `after` at all.
  if (after !== undefined && after !== null) {
    const [value, id] = decodeCursor(after, order.kind);
    const comparison = order.direction === 'DESC' ? '<' : '>';
    filter.add(`(t.${order.column}, t.id) ${comparison} (${filter.param(value)}, ${filter.param(id)})`);
  }
  const rows = await selectEntities<T>(
    db,
    entity,
    `SELECT ${columnsOf(db, entity, 't')} FROM ${table} t ${filter.where()}
     ORDER BY t.${order.column} ${order.direction}, t.id ${order.direction} LIMIT ${first + 1}`,
    filter.params,
  );
  const hasNextPage = rows.length > first;
  const nodes = rows.slice(0, first);
  return {
    nodes,
    cursorAt: (index) => encodeCursor(nodes[index]![order.property], nodes[index]!.id),
    hasNextPage,
    hasPreviousPage: after !== undefined && after !== null,
    countTotal: async () => (await selectRows<{ count: number }>(db, countSql, countParams))[0]?.count ?? 0,
  };
}
